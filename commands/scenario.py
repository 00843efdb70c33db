"""`minibot scenario`: Scenarios: list, validate, graph."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from commands import group_help
from commands.common import console
from scenarios.graph import to_mermaid
from scenarios.library import library_dir, list_library
from scenarios.schema import Prompt, load_scenario

app = typer.Typer(help=group_help("scenario"), no_args_is_help=True)

ScenarioFile = Annotated[Path, typer.Argument(help="Scenario YAML file.")]


@app.command("list")
def list_command() -> None:
    """Scenarios of the shipped library with their step counts."""
    table = Table(title=f"Scenario library ({library_dir()})")
    for column in ("name", "language", "steps", "file"):
        table.add_column(column)
    for entry in list_library():
        if entry.error:
            table.add_row(entry.name, "-", "[red]invalid[/red]", f"{entry.path.name}: {entry.error}")
        else:
            table.add_row(entry.name, entry.language, str(entry.steps), entry.path.name)
    console.print(table)


@app.command("validate")
def validate_command(file: ScenarioFile) -> None:
    """Check a scenario; exits non-zero with the file, step and field of the first error."""
    scenario = load_scenario(file)
    console.print(f"[green]ok[/green] {scenario.name}: {len(scenario.steps)} steps, start {scenario.start!r}")
    table = Table(title="Prompts")
    for column in ("step", "field", "slot", "kind", "plays"):
        table.add_column(column)
    kinds: Counter[str] = Counter()
    for step, field, prompt in scenario.slots():
        kinds[prompt.kind] += 1
        table.add_row(step or "-", field, prompt.slot or "-", prompt.kind, _plays(prompt))
    console.print(table)
    console.print(", ".join(f"{kinds[kind]} {kind}" for kind in ("recorded", "spliced", "synthesized")))
    voice = scenario.tts
    console.print(
        f"voice: {voice.engine or 'robot default'} {voice.voice or ''}".rstrip()
        + (f", lexicon of {len(voice.lexicon)} words" if voice.lexicon else "")
    )


def _plays(prompt: Prompt) -> str:
    if prompt.audio is not None:
        return f"recording {prompt.audio}"
    if prompt.kind == "spliced":
        return " + ".join(f"recording {part.audio.name}" if part.audio else f"TTS {part.text.strip()!r}"
                          for part in prompt.parts)  # fmt: skip
    return f"TTS {prompt.text[:40]!r}"


@app.command("graph")
def graph_command(file: ScenarioFile) -> None:
    """Print the scenario as a Mermaid flowchart."""
    print(to_mermaid(load_scenario(file)), end="")
