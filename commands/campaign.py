"""`minibot campaign`: Campaigns: create, configure, start, pause, stop, inspect."""

from __future__ import annotations

import typer

app = typer.Typer(help="Campaigns: create, configure, start, pause, stop, inspect.", no_args_is_help=True)
