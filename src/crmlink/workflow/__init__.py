"""Workflows: YAML files of activities (query, update, dedup, crm) run by an engine.

    from crmlink.workflow import run_workflow, load_file
    record = run_workflow(database, "flow.yaml", {"var": "value"})   # -> RunRecord

Names are imported lazily: `crmlink.workflow.tables` is loaded by the migrations.
"""

from __future__ import annotations

from typing import Any

_EXPORTS = {
    "run_workflow": "crmlink.workflow.engine",
    "resolve": "crmlink.workflow.engine",
    "load_file": "crmlink.workflow.loader",
    "load_text": "crmlink.workflow.loader",
    "WorkflowFileError": "crmlink.workflow.loader",
    "Workflow": "crmlink.workflow.model",
    "RunRecord": "crmlink.workflow.records",
    "ActivityRecord": "crmlink.workflow.records",
    "WorkflowBusy": "crmlink.workflow.runs",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(name)
    import importlib

    return getattr(importlib.import_module(_EXPORTS[name]), name)
