"""`crmlink demo`: the whole journey against the built-in sandbox CRMs, in under a minute.

On the embedded database (SQLite) of a throwaway home unless `--home` is given: starts
the Salesforce sandbox (and the Dynamics one) in-process, adds the external account,
runs the wizard, syncs enumerations, imports contacts into recipients, exports new
recipients as leads (ids written back), re-imports incrementally after changes in the
CRM, imports deletions and deletes — then prints what each step did and cost.
"""

from __future__ import annotations

from crmlink.demo.journey import run_demo

__all__ = ["run_demo"]
