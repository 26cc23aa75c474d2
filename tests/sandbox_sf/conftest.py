"""Fixtures of the Salesforce sandbox's own tests."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import password_token, tls


@pytest.fixture
def http(sf_fresh):
    """A client of a private sandbox, signed in by the password flow."""
    token = password_token(sf_fresh)["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=sf_fresh.url, headers=headers, verify=tls(sf_fresh)) as client:
        yield client
