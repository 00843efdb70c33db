"""`minibot dnc`: Do-not-call list: add, remove, import, check."""

from __future__ import annotations

import typer

app = typer.Typer(help="Do-not-call list: add, remove, import, check.", no_args_is_help=True)
