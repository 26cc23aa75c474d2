"""Bulk API 2.0 (query and ingest jobs, CSV) and Bulk API 1.0 (JSON content type) for the
Salesforce sandbox. `BulkService` holds the jobs; `routes/bulk2.py` and `routes/bulk1.py`
serve them."""

from __future__ import annotations

from crmlink.sandbox.salesforce.models.bulk.service import BulkService

__all__ = ["BulkService"]
