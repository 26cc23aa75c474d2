"""`crmlink sandbox salesforce|dynamics`: serve a sandbox CRM until interrupted (SIGINT
or SIGTERM, after which its temporary folder is removed); `crmlink sandbox wait DIR`:
wait until the sandbox of a state folder is ready and print its ready line."""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer

from crmlink.cli.common import fail
from crmlink.errors import CrmlinkError

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
    typer.Option(help="Faults to inject, e.g. 'latency=50,503=0.1,429=0.05,token_lifetime=60'."),
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


@app.command("salesforce")
def sandbox_salesforce(
    host: HostOpt = "127.0.0.1",
    port: PortOpt = None,
    state_dir: StateOpt = None,
    records: RecordsOpt = 2000,
    seed: SeedOpt = 42,
    describe_dir: Annotated[
        Path | None,
        typer.Option(help="Load object metadata from Salesforce describe JSON files here."),
    ] = None,
    faults: FaultsOpt = None,
) -> None:
    """Serve an emulated Salesforce org (REST, SOQL, Bulk 1.0/2.0, OAuth, SOAP login).

    Prints one JSON line with the URL, CA bundle and credentials once ready, then serves
    until interrupted.
    """
    from crmlink.sandbox.salesforce.app import SalesforceSandbox

    if describe_dir is not None and not describe_dir.is_dir():
        raise fail(f"--describe-dir {describe_dir} is not a folder of describe JSON files.")
    _serve(
        lambda: SalesforceSandbox(
            state_dir=state_dir,
            host=host,
            port=port,
            records=records,
            seed=seed,
            describe_dir=describe_dir,
            faults=faults,
        ),
        records,
    )


@app.command("dynamics")
def sandbox_dynamics(
    host: HostOpt = "127.0.0.1",
    port: PortOpt = None,
    state_dir: StateOpt = None,
    records: RecordsOpt = 2000,
    seed: SeedOpt = 42,
    metadata_dir: Annotated[
        Path | None,
        typer.Option(help="Load entity metadata from Dataverse EntityDefinitions JSON here."),
    ] = None,
    faults: FaultsOpt = None,
) -> None:
    """Serve an emulated Dynamics 365 / Dataverse environment (Web API, Azure AD tokens).

    Prints one JSON line with the URL, authority, CA bundle and credentials once ready,
    then serves until interrupted.
    """
    from crmlink.sandbox.dynamics.app import DynamicsSandbox

    if metadata_dir is not None and not metadata_dir.is_dir():
        raise fail(f"--metadata-dir {metadata_dir} is not a folder of metadata JSON files.")
    _serve(
        lambda: DynamicsSandbox(
            state_dir=state_dir,
            host=host,
            port=port,
            records=records,
            seed=seed,
            metadata_dir=metadata_dir,
            faults=faults,
        ),
        records,
    )


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
