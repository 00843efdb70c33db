"""`minibot models`: Speech models: download and inspect Vosk models and Piper voices."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.progress import BarColumn, DownloadColumn, Progress, TaskID, TransferSpeedColumn
from rich.table import Table

from commands import group_help
from commands.common import console, settings
from services.asr import MODEL_ENV_VAR, model_candidates, resolve_model_path
from services.errors import AsrError
from services.tts_voices import BASE_URL as VOICES_URL
from services.tts_voices import (
    BUNDLES,
    VOICES,
    default_voice,
    download_voice,
    installed_voices,
    specs_for,
    voices_dir,
)
from services.vosk_models import BASE_URL as VOSK_URL
from services.vosk_models import MODELS, download_model, spec_for

app = typer.Typer(help=group_help("models"), no_args_is_help=True)
CHOICES = " | ".join([*MODELS, *BUNDLES, *VOICES])


@app.command("download")
def download_command(
    name: str = typer.Argument(..., help=f"Model or voice(s) to fetch: {CHOICES}"),
    base_url: str = typer.Option("", help=f"Mirror (default {VOSK_URL} for Vosk, {VOICES_URL} for voices)."),
) -> None:
    """Download an official Vosk French model (unzipped), or the French Piper voices (`tts-fr`: model
    and config, each checked against the catalogue's size and md5) into the data directory."""
    if name in BUNDLES or name in VOICES:
        _download_voices(name, base_url or VOICES_URL)
        return
    spec = spec_for(name)
    data_dir = settings().data_dir
    with Progress("[progress.description]{task.description}", BarColumn(), DownloadColumn(),
                  TransferSpeedColumn(), console=console) as bar:  # fmt: skip
        task = bar.add_task(f"{spec.folder} (~{spec.size_hint})", total=None)

        def on_progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total or None)

        path = download_model(name, data_dir, base_url or VOSK_URL, on_progress)
    console.print(f"model ready: {path}", soft_wrap=True)
    console.print(f"use it with: export {MODEL_ENV_VAR}={path}", soft_wrap=True)


def _download_voices(name: str, base_url: str) -> None:
    folder = voices_dir(settings().data_dir)
    for spec in specs_for(name):
        with Progress("[progress.description]{task.description}", BarColumn(), DownloadColumn(),
                      TransferSpeedColumn(), console=console) as bar:  # fmt: skip
            task = bar.add_task(spec.name, total=None)

            def on_progress(done: int, total: int, task: TaskID = task) -> None:
                bar.update(task, completed=done, total=total or None)

            path = download_voice(spec, folder, base_url, on_progress)
        console.print(f"voice ready: {path} (checksums verified)", soft_wrap=True)
    console.print("the robot speaks with Piper from its next start (MINIBOT_TTS_VOICE picks a voice)")


@app.command("list")
def list_command() -> None:
    """Show where models are looked for, in order, which one will be used, and the Piper voices."""
    s = settings()
    table = Table("#", "source", "path", "language", "found")
    for i, c in enumerate(model_candidates(s.vosk_model, s.data_dir), start=1):
        table.add_row(str(i), c.source, str(c.path), c.language, "yes" if c.found else "no")
    console.print(table)
    try:
        console.print(f"in use: {resolve_model_path(s.vosk_model, s.data_dir)}")
    except AsrError as exc:
        console.print(f"in use: none ({exc})")
    _list_voices(s.data_dir, s.tts_voice)


def _list_voices(data_dir: Path, configured: str) -> None:
    folder = voices_dir(data_dir)
    table = Table("voice", "language", "rate", "speakers", "path", title=f"Piper voices ({folder})")
    for voice in installed_voices(folder):
        table.add_row(voice.name, voice.language, str(voice.sample_rate), ", ".join(voice.speakers) or "-",
                      str(voice.path))  # fmt: skip
    console.print(table)
    chosen = configured or default_voice(folder)
    if chosen:
        console.print(f"speaks with: {chosen}", soft_wrap=True)
    else:
        console.print("speaks with: espeak-ng (fallback); run `minibot models download tts-fr`")
