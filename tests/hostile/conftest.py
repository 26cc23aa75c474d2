"""Fixtures of the hostile-input corpus (see `harness.py` for how to use them)."""

from __future__ import annotations

import pytest

from tests.hostile.harness import Hostile


@pytest.fixture
def hostile(tmp_path, monkeypatch) -> Hostile:
    """A fresh home and SQLite campaign database."""
    for name in ("CRMLINK_SECRET_KEY", "CRMLINK_HOME", "CRMLINK_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    return Hostile(tmp_path / "home", f"sqlite:///{tmp_path / 'campaign.db'}")


@pytest.fixture
def hostile_pg(tmp_path, monkeypatch, postgres_url) -> Hostile:
    """A fresh home and a fresh, migrated PostgreSQL database (skipped if unreachable)."""
    for name in ("CRMLINK_SECRET_KEY", "CRMLINK_HOME", "CRMLINK_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    return Hostile(tmp_path / "home", postgres_url)


@pytest.fixture(scope="session")
def dv_box(tmp_path_factory):
    """One Dynamics sandbox for the corpus (the Salesforce one is `sf_sandbox`)."""
    from crmlink.sandbox.dynamics.app import DynamicsSandbox

    sandbox = DynamicsSandbox(state_dir=tmp_path_factory.mktemp("dv-hostile"), records=20, seed=4)
    sandbox.start()
    yield sandbox
    sandbox.stop()
