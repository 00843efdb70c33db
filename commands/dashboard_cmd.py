"""`minibot dashboard`: The web dashboard."""

from __future__ import annotations

import typer

app = typer.Typer(help="The web dashboard.", no_args_is_help=True)
