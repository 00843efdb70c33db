"""`minibot contacts`: Contacts: import CSV files into a campaign."""

from __future__ import annotations

import typer

app = typer.Typer(help="Contacts: import CSV files into a campaign.", no_args_is_help=True)
