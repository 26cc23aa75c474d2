"""Fixtures of the Salesforce sandbox's own tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from tests.conftest import password_token, tls


@contextmanager
def signed_in(sandbox) -> Iterator[httpx.Client]:
    """A client of `sandbox`, signed in by the password flow."""
    token = password_token(sandbox)["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=sandbox.url, headers=headers, verify=tls(sandbox)) as client:
        yield client


@pytest.fixture
def http(sf_fresh):
    """A client of a private sandbox, signed in."""
    with signed_in(sf_fresh) as client:
        yield client
