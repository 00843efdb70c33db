"""`minibot tts`: Speech synthesis: listen to a prompt as the robot will say it."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer

from commands import group_help
from commands.common import console, run, settings
from services.media.frames import SAMPLE_RATE, write_wav
from services.tts_voices import build_tts

app = typer.Typer(help=group_help("tts"), no_args_is_help=True)


@app.command("say")
def say_command(
    text: Annotated[
        str, typer.Argument(help="What to say (French; numbers, times, 'M.', 'RDV'... are read out).")
    ],
    out: Annotated[Path, typer.Option("-o", "--out", help="WAV file to write (16 kHz mono).")],
    voice: Annotated[str, typer.Option(help="Piper voice name or .onnx path, or espeak-ng voice.")] = "",
    engine: Annotated[str, typer.Option(help="piper or espeak (default: MINIBOT_TTS_ENGINE, auto).")] = "",
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Synthesize TEXT with the robot's engine and voice (or the ones given) into a WAV file."""
    base = settings()
    tts = build_tts(replace(base, tts_voice=voice or base.tts_voice, tts_engine=engine or base.tts_engine))
    used_engine, used_voice = tts.resolve()
    spoken = " ".join(piece for piece, _ in tts.pieces(text))
    pcm = run(tts.render(text))
    write_wav(out, pcm)
    report = {
        "file": str(out),
        "engine": used_engine.name,
        "voice": used_voice,
        "seconds": round(len(pcm) / 2 / SAMPLE_RATE, 2),
        "spoken": spoken,
        "fallback": tts.status.fallback,
    }
    if as_json:
        print(json.dumps(report, ensure_ascii=False))
        return
    if tts.status.fallback:
        console.print(f"[yellow]warning[/yellow]: {tts.status.reason}", soft_wrap=True)
    console.print(f"{out}: {report['seconds']} s, {used_engine.name} voice {used_voice or '(default)'}")
    console.print(f"said: {spoken}", soft_wrap=True)
