"""Entry point of the controller process: ``python robot_ari.py`` (same as ``minibot robot run``).

Thin on purpose: the wiring lives in ``calls.runner`` and the logic in ``calls.controller``.
"""

from __future__ import annotations

import argparse
import asyncio
import sys


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line: ``--help``, ``--json``; everything else comes from MINIBOT_* variables."""
    parser = argparse.ArgumentParser(
        prog="robot_ari.py",
        description=(
            "Run the MiniBot robot: dial the running campaigns through Asterisk ARI until SIGTERM or "
            "Ctrl-C, then let live calls finish. Same as `minibot robot run`."
        ),
        epilog=(
            "Settings come from the environment (MINIBOT_DATABASE_URL, MINIBOT_ARI_URL, "
            "MINIBOT_ROBOT_ID, MINIBOT_GLOBAL_MAX_CALLS, MINIBOT_LEASE_SECONDS, "
            "MINIBOT_METRICS_HOST/PORT...): see docs/robot.md."
        ),
    )
    parser.add_argument("--json", action="store_true", help="log one JSON object per line")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    """Run the robot with settings from the environment; a start-up refusal exits 1 with its reason."""
    args = parse_args(argv)
    from calls.runner import run_robot, scenario_conversation  # after --help: the speech stack loads slowly
    from services.config import load_settings
    from services.errors import MiniBotError
    from services.logs import setup_logging

    try:
        settings = load_settings()
        setup_logging(settings.log_level, json_lines=args.json or settings.log_json)
        asyncio.run(run_robot(settings, scenario_conversation(settings)))
    except MiniBotError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(1) from None


if __name__ == "__main__":
    main()
