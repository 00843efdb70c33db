"""`minibot robot`: The dialer robot (ARI controller)."""

from __future__ import annotations

from typing import Annotated

import typer

from calls.runner import run_robot, scenario_conversation
from commands import group_help
from commands.common import run, settings
from services.logs import setup_logging

app = typer.Typer(help=group_help("robot"), no_args_is_help=True)


@app.command("run")
def run_command(
    json_logs: Annotated[bool, typer.Option("--json", help="Log one JSON object per line.")] = False,
) -> None:
    """Dial running campaigns through ARI until SIGTERM/Ctrl-C, then let live calls finish."""
    config = settings()
    setup_logging(config.log_level, json_lines=json_logs or config.log_json)
    run(run_robot(config, scenario_conversation(config)))
