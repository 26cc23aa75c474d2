"""One cached virtualenv per third-party tool, built with uv, driven as subprocesses.

The tools pin conflicting dependencies, so each gets its own virtualenv, never crmlink's.
A venv lives under `${CRMLINK_TEST_CACHE:-~/.cache/crmlink-tests}/venvs/<tool>-<hash>`, the
hash covering the pinned requirements and the Python version: a new pin makes a new venv.
It is built in a temporary folder beside its final place and renamed when complete, so a
half-built venv is never used. Builders of one venv take turns on a lock file beside it
(`fcntl.flock`, released by the kernel if a builder dies), so test processes started together
(pytest-xdist workers) build it once: the others wait, then find it complete. If a rename still
meets a finished venv (a builder without the lock), the loser drops its copy.
`uv venv --relocatable` keeps the console scripts working after the rename.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

# Exact pins: a tool's behaviour against the sandbox is only reproducible at one version.
TOOLS: dict[str, tuple[str, ...]] = {
    "airbyte": ("airbyte-source-salesforce==2.10.3",),
    "tap_salesforce": ("tap-salesforce==2.8.1",),
    "salesforce_bulk": ("salesforce-bulk==2.2.0",),
    "aiosalesforce": ("aiosalesforce==0.6.2",),
    "cumulusci": ("cumulusci==4.10.1",),
    "dataverse_client": ("PowerPlatform-Dataverse-Client==1.1.0", "azure-identity==1.27.0"),
    # dataverse-api takes an authenticated requests.Session; its README authenticates with these
    "dataverse_api": ("dataverse-api==1.4.3", "msal==1.39.0", "msal-requests-auth==0.9.3"),
}
# Dependencies resolve as the index stood on this day, so a cached venv and a fresh one match.
EXCLUDE_NEWER = "2026-12-01T00:00:00Z"
# Bytecode compiled at build: pandas & co. import in a fraction of the time in every test.
INSTALL_OPTIONS = ("--exclude-newer", EXCLUDE_NEWER, "--compile-bytecode")
BUILD_FORMAT = "2"  # bump when a cached venv built by older code must not be reused

COMPLETE = ".crmlink-venv-complete"  # written last: a venv without it is not used
DRIVERS = Path(__file__).parent / "drivers"


class VenvUnavailable(Exception):
    """A tool's venv could not be built; the message is one sentence for the test failure."""


@dataclass(frozen=True)
class Venv:
    tool: str
    path: Path

    @property
    def python(self) -> Path:
        return self.path / "bin" / "python"

    def bin(self, name: str) -> Path:
        return self.path / "bin" / name


def cache_root() -> Path:
    root = os.environ.get("CRMLINK_TEST_CACHE") or "~/.cache/crmlink-tests"
    return Path(root).expanduser() / "venvs"


def venv_key(tool: str) -> str:
    python = ".".join(map(str, sys.version_info[:3]))
    text = "\n".join([BUILD_FORMAT, python, *INSTALL_OPTIONS, *TOOLS[tool]])
    return f"{tool}-{hashlib.sha256(text.encode()).hexdigest()[:12]}"


_UV_LOCK = threading.Lock()


@functools.cache
def uv_binary() -> str:
    """uv's executable (its lookup reads sysconfig, which is not thread-safe: once, locked)."""
    from uv import find_uv_bin

    with _UV_LOCK:
        return find_uv_bin()


def lock_path(final: Path) -> Path:
    """The lock file of the venv at `final`, beside it (kept: removing it would race)."""
    return final.parent / f".{final.name}.lock"


@contextlib.contextmanager
def build_lock(final: Path) -> Iterator[None]:
    """Held while the venv at `final` is built; other builders of it wait here."""
    final.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path(final), "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # closing the file (or dying) releases it
        yield


def ensure(tool: str) -> Venv:
    """The tool's venv, built now if the cache does not have it."""
    final = cache_root() / venv_key(tool)
    if (final / COMPLETE).exists():
        return Venv(tool, final)
    with build_lock(final):
        if not (final / COMPLETE).exists():  # else built while this process waited
            building = Path(tempfile.mkdtemp(prefix=f".{final.name}.", dir=final.parent))
            try:
                _build(tool, building)
                _publish(building, final)
            finally:
                shutil.rmtree(building, ignore_errors=True)
    return Venv(tool, final)


def _build(tool: str, where: Path) -> None:
    uv = uv_binary()
    venv = where / "venv"
    _run(tool, [uv, "venv", "--quiet", "--relocatable", "--python", sys.executable, str(venv)])
    python = str(venv / "bin" / "python")
    install = [uv, "pip", "install", "--quiet", *INSTALL_OPTIONS, "--python", python]
    if TOOLS[tool]:
        _run(tool, [*install, *TOOLS[tool]])
    (venv / COMPLETE).write_text("\n".join(TOOLS[tool]) + "\n")


def _publish(building: Path, final: Path) -> None:
    """Rename into place; if another process got there first, keep theirs."""
    try:
        os.rename(building / "venv", final)
    except OSError:
        if not (final / COMPLETE).exists():
            raise


def _run(tool: str, command: list[str]) -> None:
    # PYTHONDONTWRITEBYTECODE would make --compile-bytecode write nothing
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, env=env)
    if done.returncode != 0:
        lines = (done.stderr or done.stdout).strip().splitlines() or ["no output"]
        raise VenvUnavailable(
            f"could not build the {tool} virtualenv ({' '.join(TOOLS[tool])}; a first run "
            f"needs the package index): {lines[-1]}"
        )


def driver(name: str) -> str:
    """The path of a driver script in tests/thirdparty/drivers/."""
    return str(DRIVERS / name)
