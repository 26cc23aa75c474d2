"""`crmlink web`: the web console over the same library as the CLI.

Listens on 127.0.0.1 by default. `--host` exposes it; without `--certfile/--keyfile` it is
then plain HTTP on the network, which is said on stderr (passwords and session cookies
would cross it in clear). With them, uvicorn serves TLS and cookies are Secure.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Annotated

import typer

from crmlink.cli.common import HomeOpt, cli_errors, open_catalog
from crmlink.errors import UsageError

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})


def _is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check_tls(certfile: Path | None, keyfile: Path | None) -> bool:
    if (certfile is None) != (keyfile is None):
        raise UsageError("give --certfile and --keyfile together (TLS needs both)")
    for flag, path in (("--certfile", certfile), ("--keyfile", keyfile)):
        if path is not None and not path.is_file():
            raise UsageError(f"{flag} {str(path)[:200]} is not a file: give a PEM file")
    return certfile is not None


@cli_errors()
def web(
    host: Annotated[
        str, typer.Option(help="Address to listen on; anything but loopback exposes the console.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8400,
    certfile: Annotated[
        Path | None, typer.Option(help="PEM certificate: serve over TLS (with --keyfile).")
    ] = None,
    keyfile: Annotated[Path | None, typer.Option(help="PEM private key of --certfile.")] = None,
    home: HomeOpt = None,
) -> None:
    """Serve the web console (sign in with a user of `crmlink user add`)."""
    import uvicorn

    from crmlink.catalog.users import UserStore
    from crmlink.web.app import create_app

    tls = _check_tls(certfile, keyfile)
    settings, database = open_catalog(home)
    if not _is_loopback(host) and not tls:
        typer.echo(
            f"Warning: serving plain HTTP on {host}: passwords and session cookies cross the "
            "network unencrypted; give --certfile and --keyfile to serve TLS.",
            err=True,
        )
    if not UserStore(database).list():
        typer.echo("No users yet: add one with `crmlink user add NAME --role admin`.", err=True)
    scheme = "https" if tls else "http"
    shown = f"[{host}]" if ":" in host else host
    typer.echo(f"crmlink web: serving {scheme}://{shown}:{port}/ (Ctrl-C to stop)", err=True)
    uvicorn.run(
        create_app(settings, database, tls=tls),
        host=host,
        port=port,
        ssl_certfile=None if certfile is None else str(certfile),
        ssl_keyfile=None if keyfile is None else str(keyfile),
        log_level="warning",
        server_header=False,
    )
