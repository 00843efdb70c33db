"""Entry point of the controller process: ``python robot_ari.py`` (same as ``minibot robot run``).

Thin on purpose: the wiring lives in ``calls.runner`` and the logic in ``calls.controller``.
"""

from __future__ import annotations

import asyncio

from calls.runner import run_robot, scenario_conversation
from services.config import load_settings
from services.logs import setup_logging


def main() -> None:
    """Run the robot with settings from the environment."""
    settings = load_settings()
    setup_logging(settings.log_level, json_lines=settings.log_json)
    asyncio.run(run_robot(settings, scenario_conversation(settings)))


if __name__ == "__main__":
    main()
