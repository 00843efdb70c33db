"""`minibot robot`: The dialer robot (ARI controller)."""

from __future__ import annotations

import typer

app = typer.Typer(help="The dialer robot (ARI controller).", no_args_is_help=True)
