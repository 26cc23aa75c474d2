"""`account add NAME --from-sandbox DIR`: the account's values from a sandbox's ready line.

The sandbox started with `--state-dir DIR` writes its ready line to `DIR/ready.json`; this
waits for it (as `crmlink sandbox wait` does) and picks what the auth method needs: the
type, URL and CA bundle, the settings (username, client id, tenant id, private key) and the
secrets. Checking them stays with the catalog (`check`, `check_secrets`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from crmlink.catalog.accounts import auth_rule
from crmlink.connectors.registry import spec_for
from crmlink.errors import UsageError
from crmlink.files import MiB, UserFileError, read_user_file
from crmlink.sandbox.core.ready import READY_FILE, sandbox_type, wait_ready

WAIT_SECONDS = 60.0


@dataclass(frozen=True)
class SandboxValues:
    type: str
    url: str
    auth: str
    ca_bundle: str
    settings: dict[str, str] = field(default_factory=dict)
    secrets: dict[str, str] = field(default_factory=dict, repr=False)


def sandbox_values(
    state_dir: Path, crm_type: str | None, auth: str | None, timeout: float = WAIT_SECONDS
) -> SandboxValues:
    """What the ready line of `state_dir` gives for `--auth auth` (default: its usual one)."""
    _check_state_dir(state_dir)
    info = wait_ready(state_dir, timeout)
    kind = sandbox_type(info)
    if crm_type is not None and crm_type != kind:
        raise UsageError(
            f"--from-sandbox {state_dir} is a {kind} sandbox, not --type {crm_type}: "
            "leave --type out"
        )
    method = auth or spec_for(kind).sandbox_auth
    rule = auth_rule(kind, method)
    absent = [name for name in rule.needs if not isinstance(info.get(name), str)]
    if absent:
        raise UsageError(
            f"the {kind} sandbox of {state_dir} has no {', '.join(absent)} for --auth "
            f"{method}: choose another --auth"
        )
    return SandboxValues(
        type=kind,
        url=str(info["url"]),
        auth=method,
        ca_bundle=str(info["ca_bundle"]),
        settings={n: info[n] for n in rule.settings()},
        secrets={n: info[n] for n in rule.secrets()},
    )


def _check_state_dir(state_dir: Path) -> None:
    """A folder whose ready line, once there, is a small regular file (a FIFO in its
    place would block the wait forever)."""
    if state_dir.exists() and not state_dir.is_dir():
        raise UsageError(
            f"--from-sandbox {state_dir} is not a folder: give the sandbox's --state-dir"
        )
    ready = state_dir / READY_FILE
    if ready.exists() or ready.is_symlink():
        try:
            read_user_file(ready, "the ready line", MiB)
        except UserFileError as exc:
            raise UsageError(f"--from-sandbox {state_dir}: {exc.message}") from None
