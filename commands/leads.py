"""`minibot leads`: Leads: list and export qualified leads."""

from __future__ import annotations

import typer

app = typer.Typer(help="Leads: list and export qualified leads.", no_args_is_help=True)
