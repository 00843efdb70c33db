"""`minibot models`: Speech models: download and inspect Vosk models."""

from __future__ import annotations

import typer
from rich.progress import BarColumn, DownloadColumn, Progress, TransferSpeedColumn
from rich.table import Table

from commands import group_help
from commands.common import console, settings
from services.asr import MODEL_ENV_VAR, model_candidates, resolve_model_path
from services.errors import AsrError
from services.vosk_models import MODELS, download_model, spec_for

app = typer.Typer(help=group_help("models"), no_args_is_help=True)


@app.command("download")
def download_command(
    name: str = typer.Argument(..., help=f"Model to fetch: {' | '.join(MODELS)}"),
    base_url: str = typer.Option("https://alphacephei.com/vosk/models", help="Mirror of the Vosk models."),
) -> None:
    """Download an official Vosk French model into the data directory and unzip it."""
    spec = spec_for(name)
    data_dir = settings().data_dir
    with Progress("[progress.description]{task.description}", BarColumn(), DownloadColumn(),
                  TransferSpeedColumn(), console=console) as bar:  # fmt: skip
        task = bar.add_task(f"{spec.folder} (~{spec.size_hint})", total=None)

        def on_progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total or None)

        path = download_model(name, data_dir, base_url, on_progress)
    console.print(f"model ready: {path}", soft_wrap=True)
    console.print(f"use it with: export {MODEL_ENV_VAR}={path}", soft_wrap=True)


@app.command("list")
def list_command() -> None:
    """Show where models are looked for, in order, and which one will be used."""
    s = settings()
    table = Table("#", "source", "path", "language", "found")
    for i, c in enumerate(model_candidates(s.vosk_model, s.data_dir), start=1):
        table.add_row(str(i), c.source, str(c.path), c.language, "yes" if c.found else "no")
    console.print(table)
    try:
        console.print(f"in use: {resolve_model_path(s.vosk_model, s.data_dir)}")
    except AsrError as exc:
        console.print(f"in use: none ({exc})")
