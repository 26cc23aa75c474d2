"""`BulkService`: the sandbox's bulk jobs (Bulk 2.0 query and ingest, Bulk 1.0 JSON)."""

from __future__ import annotations

import shutil
from pathlib import Path

from crmlink.sandbox.core.clock import SandboxClock
from crmlink.sandbox.core.faults import FaultInjector
from crmlink.sandbox.salesforce.models.bulk.classic import ClassicJobs
from crmlink.sandbox.salesforce.models.bulk.ingest_jobs import IngestJobs
from crmlink.sandbox.salesforce.models.bulk.jobs import JobRegistry
from crmlink.sandbox.salesforce.models.bulk.query_jobs import QueryJobs
from crmlink.sandbox.salesforce.models.org import SalesforceOrg


class BulkService:
    def __init__(
        self, org: SalesforceOrg, faults: FaultInjector, folder: Path, clock: SandboxClock
    ) -> None:
        self.org = org
        self.faults = faults
        self.clock = clock
        self.folder = folder  # uploads and result files, per job
        self.folder.mkdir(parents=True, exist_ok=True)
        self.jobs = JobRegistry(self.org.store, clock, faults, self.folder)
        self.query = QueryJobs(self)
        self.ingest = IngestJobs(self)
        self.classic = ClassicJobs(self)

    def clear(self) -> None:
        """Forget every job and its files (a reset)."""
        self.jobs.clear()
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True, exist_ok=True)

    def roll_failure(self) -> bool:
        """Whether this job fails, by the `bulk_fail` fault share."""
        return self.faults.roll(self.faults.spec.bulk_fail)
