"""A robot process for the crash-safety and graceful-stop tests: `python -m tests.e2e.robot_proc`.

Same wiring as calls.runner.run_robot (pool, AriClient, event stream with reconcile on reconnect,
SIGTERM/SIGINT → Controller.stop) but with the prompt-only conversation instead of Vosk/Ollama.
It registers its robot id like the real robot (refusing to start beside a live twin).
Settings come from MINIBOT_* (ARI URL, DATABASE_URL, ROBOT_ID, DRAIN_TIMEOUT_S); the prompt length
from MINIBOT_TEST_PROMPT_MS.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from pathlib import Path

from calls.controller import ControllerOptions
from calls.robots import RobotRegistration
from calls.runner import build_controller, robot_pool
from calls.session import prompt_only_conversation
from services import db
from services.ari.client import AriClient
from services.config import load_settings
from tests.e2e.helpers import prompt_pcm

BYTES_PER_MS = 32  # 16 kHz, 16-bit mono
ROOT = Path(__file__).resolve().parents[2]


async def main() -> None:
    """Dial until SIGTERM, drain, exit."""
    settings = load_settings()
    prompt = prompt_pcm()[: BYTES_PER_MS * int(os.environ.get("MINIBOT_TEST_PROMPT_MS", "400"))]
    talk = prompt_only_conversation(prompt)
    pool = await robot_pool(db.database_url(settings), settings.robot_id)
    registration = RobotRegistration(pool, settings.robot_id)
    try:
        await registration.register()
        async with AriClient(
            settings.ari_url, settings.ari_user, settings.ari_password, settings.ari_app
        ) as ari:
            options = ControllerOptions(
                robot_id=settings.robot_id,
                global_max_calls=settings.global_max_calls,
                lease_seconds=settings.lease_seconds,
                drain_timeout_s=settings.drain_timeout_s,
                poll_interval_s=0.05,
            )
            controller = build_controller(pool, ari, settings.ari_url, talk, options)
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, controller.stop)
            beats = asyncio.create_task(registration.heartbeats(controller.stop))
            print("robot ready", flush=True)
            await controller.run()
            beats.cancel()
            print(f"robot stopped: {controller.stats.settled} settled", flush=True)
        await registration.release()
    finally:
        await pool.close()


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    asyncio.run(main())


async def spawn(ari_url: str, database_url: str, robot_id: str, **env: str) -> asyncio.subprocess.Process:
    """Start this module as a robot subprocess (stdout/stderr piped)."""
    variables = os.environ | {
        "MINIBOT_ARI_URL": ari_url,
        "MINIBOT_DATABASE_URL": database_url,
        "MINIBOT_ROBOT_ID": robot_id,
        **{k.upper(): v for k, v in env.items()},
    }
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.e2e.robot_proc",
        env=variables,
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
