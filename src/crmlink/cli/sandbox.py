"""`crmlink sandbox <name>`: serve a sandbox CRM until interrupted (SIGINT or SIGTERM,
after which its temporary folder is removed), one command per spec of
`crmlink.sandbox.registry` (salesforce, dynamics); `crmlink sandbox wait DIR`: wait until
the sandbox of a state folder is ready and print its ready line."""

from __future__ import annotations

import enum
import inspect
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Annotated, Any

import typer

from crmlink.cli.common import fail
from crmlink.errors import CrmlinkError
from crmlink.sandbox.core.network import PROFILES
from crmlink.sandbox.core.spec import SandboxSpec
from crmlink.sandbox.registry import SANDBOXES

app = typer.Typer(help="Run a sandbox CRM over HTTPS on loopback.", no_args_is_help=True)

HostOpt = Annotated[str, typer.Option(help="Address to listen on.")]
PortOpt = Annotated[
    int | None,
    typer.Option(
        help="Port to listen on; 0 picks a free one. Default: the port of the last start "
        "in --state-dir, else a free one.",
        show_default=False,
    ),
]
StateOpt = Annotated[
    Path | None,
    typer.Option(help="Keep the org in SQLite in this folder (default: a temporary folder)."),
]
RecordsOpt = Annotated[int, typer.Option(min=0, help="How many records to seed.")]
SeedOpt = Annotated[int, typer.Option(help="Random seed: the same seed gives the same data.")]
FaultsOpt = Annotated[
    str | None,
    typer.Option(
        help="Faults to inject, e.g. 'latency=50,503=0.1,429=0.05,token_lifetime=60'; also "
        "the network figures, overriding the profile's: rtt_ms, bandwidth_kbps (per stream), "
        "bulk_s_per_10k, concurrency, long_running_s."
    ),
]
_WAN = PROFILES["wan"]
ProfileName = enum.Enum("ProfileName", {name: name for name in PROFILES}, type=str)  # type: ignore[misc]
ProfileOpt = Annotated[
    ProfileName,
    typer.Option(
        help=f"Network profile: loopback adds nothing; wan adds a {_WAN.rtt_ms} ms round trip "
        f"per request, caps each stream at {_WAN.bandwidth_kbps:,} kbit/s, keeps Bulk jobs "
        f"in progress {_WAN.bulk_s_per_10k:g} s per 10,000 records and enforces the CRM's "
        "concurrency limit.",
    ),
]


class _Terminated(Exception):
    """SIGTERM arrived: stop serving and clean up, as on Ctrl-C."""


def _terminate(_signum: int, _frame: FrameType | None) -> None:
    raise _Terminated


def _serve(make_sandbox: Callable, records: int) -> None:
    from crmlink.sandbox.core.faults import FaultSpecError

    if records >= 50_000:  # stdout carries only the ready line: progress goes to stderr
        typer.echo(f"Preparing the sandbox ({records:,} records to seed)…", err=True)
    # uvicorn handles SIGTERM while serving, then raises it again: end like Ctrl-C then.
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        try:
            sandbox = make_sandbox()
        except (FaultSpecError, FileNotFoundError, ValueError) as exc:
            raise fail(str(exc)) from None

        def announce() -> None:
            sys.stdout.write(sandbox.ready_line() + "\n")
            sys.stdout.flush()

        try:
            sandbox.serve_forever(on_ready=announce)
        except CrmlinkError as exc:
            raise fail(exc.message, exc.exit_code) from None
        except (KeyboardInterrupt, _Terminated):
            pass
        finally:
            sandbox.close()
    except _Terminated:  # before serving (e.g. while seeding): nothing more to clean
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)


def _command(spec: SandboxSpec) -> Callable[..., None]:
    """The `crmlink sandbox <name>` command of `spec`: the common options, then the
    spec's own (each `Path | None`), then --faults."""

    def serve(**values: Any) -> None:
        try:
            for option in spec.options:
                option.check(values[option.name])
        except CrmlinkError as exc:
            raise fail(exc.message, exc.exit_code) from None
        values["faults"] = with_profile(ProfileName(values.pop("profile")).value, values["faults"])
        _serve(lambda: spec.factory(**values), values["records"])

    own = [
        _keyword(o.name, Annotated[Path | None, typer.Option(help=o.help)], None)
        for o in spec.options
    ]
    parameters = [*_COMMON, *own, _keyword("profile", ProfileOpt, ProfileName("loopback"))]
    parameters.append(_keyword("faults", FaultsOpt, None))
    serve.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    serve.__annotations__ = {}
    serve.__doc__ = spec.help
    if spec.concurrency is not None:
        serve.__doc__ += f"\n\nUnder --profile wan: at most {spec.concurrency.describe()}."
    serve.__name__ = serve.__qualname__ = f"sandbox_{spec.name}"
    return serve


def with_profile(profile: str, faults: str | None) -> str | None:
    """The fault spec text with the profile first (a figure in `faults` overrides it)."""
    if profile == "loopback":
        return faults
    return ",".join(part for part in (f"profile={profile}", faults) if part)


def _keyword(name: str, annotation: object, default: object) -> inspect.Parameter:
    return inspect.Parameter(
        name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation
    )


_COMMON = (
    _keyword("host", HostOpt, "127.0.0.1"),
    _keyword("port", PortOpt, None),
    _keyword("state_dir", StateOpt, None),
    _keyword("records", RecordsOpt, 2000),
    _keyword("seed", SeedOpt, 42),
)
for _spec in SANDBOXES.values():
    app.command(_spec.name)(_command(_spec))


@app.command("wait")
def sandbox_wait(
    state_dir: Annotated[
        Path, typer.Argument(help="The --state-dir of a sandbox started (or starting) elsewhere.")
    ],
    timeout: Annotated[
        float, typer.Option(min=0, help="Seconds to wait before giving up (exit 1).")
    ] = 60.0,
) -> None:
    """Wait until the sandbox of STATE_DIR is ready and answering; print its ready line.

    For scripts: `crmlink sandbox salesforce --state-dir /tmp/sf & crmlink sandbox wait /tmp/sf`.
    """
    import json

    from crmlink.sandbox.core.ready import wait_ready

    try:
        info = wait_ready(state_dir, timeout)
    except CrmlinkError as exc:
        raise fail(exc.message, exc.exit_code) from None
    typer.echo(json.dumps(info))
