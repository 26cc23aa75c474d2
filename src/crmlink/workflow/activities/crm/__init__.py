"""The `crm` workflow activity (the original's "CRM connector"), CRM-agnostic.

    type: crm
    operation: import | export | import_deleted | delete
    account: sfdc
    object: Contact

Every operation speaks the Connector protocol only; docs/workflows.md ("The crm
activity") lists the options and their semantics.
"""

from __future__ import annotations

from crmlink.workflow.activities.crm.config import CrmActivityConfig
from crmlink.workflow.base import Activity, ActivityResult, Population, RunContext


class CrmActivity:
    def __init__(self, config: CrmActivityConfig) -> None:
        self.config = config

    def run(self, ctx: RunContext, source: Population | None) -> ActivityResult:
        from crmlink.workflow.activities.crm.deletes import run_delete, run_import_deleted
        from crmlink.workflow.activities.crm.exports import run_export
        from crmlink.workflow.activities.crm.imports import run_import

        operations = {
            "import": run_import,
            "export": run_export,
            "import_deleted": run_import_deleted,
            "delete": run_delete,
        }
        return operations[self.config.operation](self.config, ctx, source)


def build_crm_activity(config: CrmActivityConfig) -> Activity:
    return CrmActivity(config)


__all__ = ["CrmActivity", "CrmActivityConfig", "build_crm_activity"]
