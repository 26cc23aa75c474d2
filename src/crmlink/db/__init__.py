"""The campaign database: engine, catalog tables, migrations."""
