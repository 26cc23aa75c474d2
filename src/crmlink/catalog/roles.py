"""The web console's roles, strongest first: a module of its own so that `crmlink user
--help` names them without importing the user store (SQLAlchemy, scrypt)."""

from __future__ import annotations

ROLES = ("admin", "operator", "viewer")
