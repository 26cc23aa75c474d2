"""What every command shares: the one-sentence error exit."""

from __future__ import annotations

import typer


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print one sentence on stderr and return the exit to raise (2 = bad input)."""
    typer.echo(f"Error: {message}", err=True)
    return typer.Exit(code)
