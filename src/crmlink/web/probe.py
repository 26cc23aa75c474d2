"""`account test` for the console: the catalog's `probe`, the one `crmlink account test` calls."""

from __future__ import annotations

from crmlink.catalog.account_test import probe

__all__ = ["probe"]
