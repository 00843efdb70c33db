"""`minibot users`: Dashboard users: create, list, disable, set passwords."""

from __future__ import annotations

import typer

app = typer.Typer(help="Dashboard users: create, list, disable, set passwords.", no_args_is_help=True)
