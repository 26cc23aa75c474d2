"""A sandbox's state folder as seen from outside: its ready file and its remembered port.

    DIR/ready.json   the ready line (url, CA bundle, credentials), mode 0600; written when
                     the sandbox is ready, removed when it stops
    DIR/port         the port of the first start, reused by later starts unless one is given

`wait_ready(DIR)` waits until the ready file is there and the sandbox behind it answers,
so a script can start a sandbox in the background and go on once it serves.
"""

from __future__ import annotations

import json
import os
import ssl
import time
import urllib.error
import urllib.request
from pathlib import Path

from crmlink.errors import JobFailed, UsageError

READY_FILE = "ready.json"
PORT_FILE = "port"
PROBE_PATH = "/__sandbox__/faults"


def write_ready(state_dir: Path, info: dict) -> Path:
    """Write the ready line to `state_dir/ready.json` (0600, replaced atomically)."""
    path = state_dir / READY_FILE
    partial = state_dir / f".{READY_FILE}.{os.getpid()}"
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(json.dumps(info) + "\n")
    os.replace(partial, path)
    return path


def remove_ready(state_dir: Path) -> None:
    (state_dir / READY_FILE).unlink(missing_ok=True)


def stored_port(state_dir: Path) -> int | None:
    """The port remembered from an earlier start, if any."""
    try:
        text = (state_dir / PORT_FILE).read_text().strip()
    except OSError:
        return None
    return int(text) if text.isdigit() and 0 < int(text) < 65536 else None


def store_port(state_dir: Path, port: int) -> None:
    (state_dir / PORT_FILE).write_text(f"{port}\n")


def read_ready(state_dir: Path) -> dict | None:
    """The ready line in `state_dir`, or None while there is none (or it is half written)."""
    try:
        info = json.loads((state_dir / READY_FILE).read_text())
    except (OSError, ValueError):
        return None
    return info if isinstance(info, dict) and "url" in info and "ca_bundle" in info else None


def answering(info: dict, timeout: float = 2.0) -> bool:
    """Whether the sandbox of a ready line answers over HTTPS, its CA verifying it."""
    try:
        context = ssl.create_default_context(cafile=info["ca_bundle"])
        request = urllib.request.Request(str(info["url"]).rstrip("/") + PROBE_PATH)
        with urllib.request.urlopen(request, timeout=timeout, context=context) as response:  # noqa: S310
            return bool(response.status == 200)
    except (OSError, ValueError, ssl.SSLError, urllib.error.URLError):
        return False


def wait_ready(state_dir: Path, timeout: float = 60.0, poll: float = 0.1) -> dict:
    """The ready line of the sandbox serving `state_dir`, once it answers.

    UsageError if `state_dir` is not a folder; JobFailed when `timeout` seconds pass."""
    if state_dir.exists() and not state_dir.is_dir():
        raise UsageError(f"{state_dir} is a file, not a sandbox's --state-dir folder")
    deadline = time.monotonic() + timeout
    while True:
        info = read_ready(state_dir)
        if info is not None and answering(info):
            return info
        if time.monotonic() >= deadline:
            raise JobFailed(_timed_out(state_dir, timeout, info))
        time.sleep(poll)


def _timed_out(state_dir: Path, timeout: float, info: dict | None) -> str:
    waited = f"{timeout:g} s"
    if info is None:
        return (
            f"no sandbox became ready in {state_dir} within {waited}: start one with "
            f"`crmlink sandbox salesforce --state-dir {state_dir}` (or dynamics), "
            "or wait longer with --timeout"
        )
    return (
        f"the sandbox of {state_dir} ({info['url']}) did not answer within {waited}: "
        "it may have stopped; start it again, or wait longer with --timeout"
    )


def sandbox_type(info: dict) -> str:
    """The CRM type a ready line names (`type`); lines written before it was there are
    told apart by their keys."""
    named = info.get("type")
    if isinstance(named, str) and named:
        return named
    if "tenant_id" in info:
        return "dynamics"
    if "security_token" in info:
        return "salesforce"
    raise UsageError("the ready line names no CRM type: start the sandbox again")
