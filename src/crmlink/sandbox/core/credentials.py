"""A sandbox's credentials, made once per state folder and kept in `credentials.json`.

Both sandboxes store them the same way: a JSON object readable by the owner only (0600),
beside the TLS files, so a persisted sandbox keeps its passwords and client secrets across
restarts and resets. A sandbox passes `make()` (fresh credentials) and, for state folders
written by older versions, `legacy()` (the credentials found in the old place, or None).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

FILE_NAME = "credentials.json"


def stored_credentials(
    state_dir: Path,
    make: Callable[[], dict[str, str]],
    legacy: Callable[[], dict[str, str] | None] | None = None,
) -> dict[str, str]:
    """The credentials kept in `state_dir`, made (or taken over from `legacy`) the first time."""
    path = state_dir / FILE_NAME
    if path.exists():
        saved: dict[str, str] = json.loads(path.read_text())
        return saved
    creds = (legacy() if legacy is not None else None) or make()
    path.write_text(json.dumps(creds, indent=2))
    path.chmod(0o600)
    return creds
