"""`BulkService`: the sandbox's bulk jobs (Bulk 2.0 query and ingest, Bulk 1.0 JSON)."""

from __future__ import annotations

from crmlink.sandbox.salesforce.bulk.ingest_jobs import IngestJobs
from crmlink.sandbox.salesforce.bulk.jobs import JobRegistry
from crmlink.sandbox.salesforce.bulk.query_jobs import QueryJobs


class BulkService:
    def __init__(self, sandbox) -> None:
        self.sandbox = sandbox
        self.org = sandbox.org
        self.faults = sandbox.faults
        self.folder = sandbox.state_dir / "bulk"  # uploads and result files, per job
        self.folder.mkdir(parents=True, exist_ok=True)
        self.jobs = JobRegistry(self.org.store)
        self.query = QueryJobs(self)
        self.ingest = IngestJobs(self)
        self.classic = _classic(self)

    def roll_failure(self) -> bool:
        """Whether this job fails, by the `bulk_fail` fault share."""
        return self.faults.roll(self.faults.spec.bulk_fail)


def _classic(service):
    from crmlink.sandbox.salesforce.bulk.classic import ClassicJobs

    return ClassicJobs(service)
