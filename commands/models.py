"""`minibot models`: Speech models: download and inspect Vosk models."""

from __future__ import annotations

import typer

app = typer.Typer(help="Speech models: download and inspect Vosk models.", no_args_is_help=True)
