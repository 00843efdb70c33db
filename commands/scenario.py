"""`minibot scenario`: Scenarios: list, validate, graph."""

from __future__ import annotations

import typer

app = typer.Typer(help="Scenarios: list, validate, graph.", no_args_is_help=True)
