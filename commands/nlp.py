"""`minibot nlp`: Language understanding: evaluate intents on your own phrases."""

from __future__ import annotations

import typer

app = typer.Typer(help="Language understanding: evaluate intents on your own phrases.", no_args_is_help=True)
