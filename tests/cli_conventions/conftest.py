"""Fixtures shared with the workflow tests: `flow` runs workflows against the sandbox."""

from __future__ import annotations

from tests.workflow.crm.conftest import capture_activity, flow, shared_flow

__all__ = ["capture_activity", "flow", "shared_flow"]
