"""THE list of sandbox CRMs: one `SandboxSpec` per `crmlink sandbox <name>` command.

Adding a sandbox is a folder `crmlink/sandbox/<crm>/` with a `spec.py` exporting
`SANDBOX`, and one entry in `SANDBOXES` below.
"""

from __future__ import annotations

from crmlink.sandbox.core.spec import SandboxSpec
from crmlink.sandbox.dynamics import spec as dynamics
from crmlink.sandbox.hubspot import spec as hubspot
from crmlink.sandbox.salesforce import spec as salesforce

SANDBOXES: dict[str, SandboxSpec] = {
    spec.name: spec for spec in (salesforce.SANDBOX, dynamics.SANDBOX, hubspot.SANDBOX)
}
