"""The real Controller dialling a campaign against the simulated PBX (in a child process).

Figures: originates per second through claim → compliance → pacing → originate; simultaneous answered
calls one robot process holds, each with a MediaCallSession (bridge + WebSocket ExternalMedia leg)
whose conversation only consumes the 50 frames/s; event-loop lag p99 while holding them.
Run: ``python -m benchmarks.bench_robot [--calls 200] [--hold 5]``.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import socket
import time
from collections.abc import Mapping
from datetime import UTC, datetime

import aiohttp

from benchmarks.common import emit, percentile, scratch_database
from calls.controller import Controller, ControllerOptions, LiveCall
from calls.outcomes import ConversationResult
from calls.session import MediaCallSession
from campaigns import store as campaign_store
from campaigns.models import CampaignSettings
from services import db
from services.ari import AriClient
from services.ari.models import Channel
from services.looplag import LoopLagMonitor
from services.media.leg import MediaLeg
from services.simulator import Persona, PersonaBook, SimulatedPbx
from services.simulator.server import serve

# answers after 1 s, silent (the simulator still streams 50 frames/s of silence), never hangs up
HOLDER = Persona(outcome="answer", greeting=None, lines=(), answer_after_s=1.0)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _run_pbx(port: int) -> None:
    asyncio.run(serve(SimulatedPbx(port=port, personas=PersonaBook(default=HOLDER, builtin=False))))


class TimedAri(AriClient):
    """AriClient noting when each originate was accepted."""

    accepted: list[float]

    async def originate(
        self,
        endpoint: str,
        *,
        channel_id: str | None = None,
        app_args: str = "",
        caller_id: str | None = None,
        timeout_s: int = 30,
        variables: Mapping[str, str] | None = None,
        context: str | None = None,
    ) -> Channel:
        channel = await super().originate(
            endpoint,
            channel_id=channel_id,
            app_args=app_args,
            caller_id=caller_id,
            timeout_s=timeout_s,
            variables=variables,
            context=context,
        )
        self.accepted.append(time.perf_counter())
        return channel


class FrameCounter:
    """The benchmark conversation: consume the callee's frames until the call ends."""

    def __init__(self) -> None:
        self.frames: dict[str, int] = {}

    async def __call__(self, live: LiveCall, leg: MediaLeg) -> ConversationResult:
        self.frames[live.channel_id] = 0
        async for _ in leg.frames():
            self.frames[live.channel_id] += 1
        return ConversationResult()


async def _until(check: object, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while not check():  # type: ignore[operator]
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.05)
    return True


def _seed(url: str, calls: int) -> None:
    settings = CampaignSettings(
        max_concurrent_calls=calls, calls_per_second=1000.0, compliance_profile="none", ring_timeout_s=60
    )
    with db.connect(url, autocommit=True) as conn:
        campaign = campaign_store.create(conn, "bench", settings)
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO contacts (campaign_id, phone, consent) VALUES (%s, %s, 'optin')",
                [(campaign.id, f"+3361{i:07d}") for i in range(calls)],
            )
        campaign_store.start(conn, "bench", now=datetime.now(UTC))


async def bench(calls: int, hold_s: float, ari_connections: int) -> None:
    """Run the measurements and print JSON lines."""
    port = _free_port()
    process = multiprocessing.get_context("spawn").Process(target=_run_pbx, args=(port,), daemon=True)
    process.start()
    url = f"http://127.0.0.1:{port}"
    try:
        with scratch_database() as database:
            _seed(database, calls)
            pool = await db.open_pool(database, max_size=10)
            # aiohttp's default pool is 100 connections; 0 = unlimited
            http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=ari_connections))
            ari = TimedAri(url, "minibot", "minibot", "minibot", session=http)
            ari.accepted = []
            async with http, ari:
                if not await _until_up(ari):
                    raise RuntimeError("simulated PBX did not start")
                await _measure(pool, ari, url, calls, hold_s)
            await pool.close()
    finally:
        process.terminate()
        process.join(5)


async def _until_up(ari: AriClient) -> bool:
    for _ in range(200):
        try:
            await ari.ping()
            return True
        except Exception:
            await asyncio.sleep(0.05)
    return False


async def _measure(pool: object, ari: TimedAri, url: str, calls: int, hold_s: float) -> None:
    counter = FrameCounter()

    def session(live: LiveCall) -> MediaCallSession:
        return MediaCallSession(live, ari, url, counter)

    stream = ari.events()
    controller = Controller(
        pool=pool,  # type: ignore[arg-type]
        ari=ari,
        events=stream,
        events_ready=stream.wait_connected,
        options=ControllerOptions(
            robot_id="bench",
            global_max_calls=calls,
            claim_batch=100,
            poll_interval_s=0.05,
            drain_timeout_s=0.5,
        ),
        session_factory=session,
    )
    lag = LoopLagMonitor()
    lag.start()
    task = asyncio.create_task(controller.run())
    await _until(lambda: len(ari.accepted) >= calls, 60)
    rate = (len(ari.accepted) - 1) / (ari.accepted[-1] - ari.accepted[0]) if len(ari.accepted) > 1 else 0.0
    emit("robot_originates_per_s", rate, "calls/s", ">= 50", rate >= 50, calls=len(ari.accepted))
    await _until(lambda: sum(1 for n in counter.frames.values() if n > 0) >= calls, 60)
    ramp = time.perf_counter() - ari.accepted[0]
    emit(
        "robot_ramp_to_all_media_s",
        ramp,
        "s",
        "info",
        True,
        calls=calls,
        note="first originate → all legs up",
    )
    lag.samples_ms.clear()
    before = sum(counter.frames.values())
    await asyncio.sleep(hold_s)  # the measurement window
    frames = sum(counter.frames.values()) - before
    await lag.stop()
    held = sum(1 for live in controller.calls.values() if live.answered)
    emit("robot_answered_calls_held", held, "calls", ">= 200", held >= 200, with_media_websocket=True)
    p99 = percentile(lag.samples_ms, 99)
    emit("robot_event_loop_lag_p99", p99, "ms", "< 20", p99 < 20, calls=held, hold_s=hold_s)
    expected = held * hold_s * 50
    ratio = frames / expected if expected else 0.0
    emit("robot_media_frames_received_ratio", ratio, "ratio", ">= 0.9", ratio >= 0.9)
    controller.stop()  # drain timeout → every call hung up and settled
    await asyncio.wait_for(task, 60)
    emit(
        "robot_calls_settled",
        controller.stats.settled,
        "calls",
        f"== {calls}",
        controller.stats.settled == calls,
    )


def main() -> None:
    """Entry point."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--hold", type=float, default=5.0, help="seconds to hold the answered calls")
    parser.add_argument(
        "--ari-connections", type=int, default=100, help="REST connection pool (0 = no limit)"
    )
    args = parser.parse_args()
    asyncio.run(bench(args.calls, args.hold, args.ari_connections))


if __name__ == "__main__":
    main()
