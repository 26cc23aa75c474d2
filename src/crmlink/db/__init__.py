"""The campaign database: engine, catalog tables, migrations.

make_engine(url)          SQLite (WAL, foreign keys) or PostgreSQL (psycopg 3)
open_database(settings)   engine + migrations to the newest revision -> Database
Database.transaction()    a connection in a transaction
migrate.upgrade(engine)   alembic upgrade to head, configured in code
"""

from __future__ import annotations

from crmlink.db.database import Database, open_database
from crmlink.db.engine import make_engine, normalize_url
from crmlink.db.metadata import metadata

__all__ = ["Database", "make_engine", "metadata", "normalize_url", "open_database"]
