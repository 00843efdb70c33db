"""`minibot simulate`: The simulated PBX and simulated conversations."""

from __future__ import annotations

import typer

app = typer.Typer(help="The simulated PBX and simulated conversations.", no_args_is_help=True)
