"""ARI client load against the simulated PBX (run in a child process so only the client side is measured).

Figures: originates per second; simultaneous answered calls one process holds, each with a WebSocket
ExternalMedia leg receiving 50 frames/s (no speech processing); event-loop lag p99 while holding them.
Run: ``python -m benchmarks.bench_ari [--calls 200]``.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import socket
import time

import aiohttp

from benchmarks.common import emit, percentile
from services.ari import AriClient, AriEvent, ChannelDestroyed, StasisStart
from services.looplag import LoopLagMonitor
from services.simulator import Persona, PersonaBook, SimulatedPbx
from services.simulator.server import serve

APP = "bench"
QUIET = Persona(outcome="answer", greeting=None, lines=(), answer_after_s=1.0)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _run_pbx(port: int) -> None:
    asyncio.run(serve(SimulatedPbx(port=port, personas=PersonaBook(default=QUIET, builtin=False))))


async def _wait_up(url: str) -> None:
    async with AriClient(url, "minibot", "minibot", APP) as ari:
        for _ in range(200):
            try:
                await ari.ping()
                return
            except Exception:
                await asyncio.sleep(0.05)
    raise RuntimeError("simulated PBX did not start")


class _Tracker:
    """Counts StasisStart/ChannelDestroyed from the event stream."""

    def __init__(self) -> None:
        self.started: set[str] = set()
        self.destroyed: set[str] = set()
        self.changed = asyncio.Event()

    def feed(self, event: AriEvent) -> None:
        if isinstance(event, StasisStart):
            self.started.add(event.channel.id)
        elif isinstance(event, ChannelDestroyed):
            self.destroyed.add(event.channel.id)
        self.changed.set()

    async def until(self, check: object, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while not check() and time.monotonic() < deadline:  # type: ignore[operator]
            self.changed.clear()
            try:
                await asyncio.wait_for(self.changed.wait(), max(0.01, deadline - time.monotonic()))
            except TimeoutError:
                break


async def _hold_media(
    http: aiohttp.ClientSession, url: str, connection_id: str, stop: asyncio.Event, connected: list[str]
) -> int:
    frames = 0
    async with http.ws_connect(f"{url}/media/{connection_id}", protocols=("media",)) as ws:
        connected.append(connection_id)
        async for message in ws:
            if message.type == aiohttp.WSMsgType.BINARY:
                frames += 1
            if stop.is_set():
                break
    return frames


async def bench(calls: int, hold_s: float) -> None:
    """Run the measurements and print JSON lines."""
    port = _free_port()
    process = multiprocessing.get_context("spawn").Process(target=_run_pbx, args=(port,), daemon=True)
    process.start()
    url = f"http://127.0.0.1:{port}"
    try:
        await _wait_up(url)
        async with (
            AriClient(url, "minibot", "minibot", APP) as ari,
            aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=0)  # one socket per media leg: no pool limit
            ) as http,
        ):
            tracker = _Tracker()
            stream = ari.events()

            async def consume() -> None:
                async for event in stream:
                    tracker.feed(event)

            consumer = asyncio.create_task(consume())
            await stream.wait_connected()
            lag = LoopLagMonitor()
            lag.start()
            started = time.perf_counter()
            ids = [f"bench-{i}" for i in range(calls)]
            await asyncio.gather(
                *(ari.originate(f"PJSIP/07{i:08d}@trunk", channel_id=c) for i, c in enumerate(ids))
            )
            rate = calls / (time.perf_counter() - started)
            emit("ari_originates_per_s", rate, "calls/s", ">= 100", rate >= 100, calls=calls)
            await tracker.until(lambda: len(tracker.started) >= calls, 30)
            answered = len(tracker.started)
            media_channels = await asyncio.gather(*(ari.external_media() for _ in range(answered)))
            stop = asyncio.Event()
            connected: list[str] = []
            holders = [
                asyncio.create_task(
                    _hold_media(http, url, m.channelvars["MEDIA_WEBSOCKET_CONNECTION_ID"], stop, connected)
                )
                for m in media_channels
            ]
            await tracker.until(lambda: len(tracker.started) >= 2 * answered, 30)  # media channels answered
            lag.samples_ms.clear()
            await asyncio.sleep(hold_s)
            await lag.stop()
            stop.set()
            p99 = percentile(lag.samples_ms, 99)
            lost = sum(1 for h in holders if h.done())  # media sockets that ended early
            held = len(connected) - lost
            emit(
                "ari_answered_calls_held",
                held,
                "calls",
                ">= 200",
                held >= 200,
                with_media_websocket=True,
                dropped=lost,
            )
            emit("ari_event_loop_lag_p99", p99, "ms", "< 20", p99 < 20, calls=held, hold_s=hold_s)
            await asyncio.gather(*(ari.hangup(m.id) for m in media_channels), return_exceptions=True)
            frames = sum(
                r for r in await asyncio.gather(*holders, return_exceptions=True) if isinstance(r, int)
            )
            expected = held * hold_s * 50
            emit("ari_media_frames_received_ratio", frames / expected if expected else 0, "ratio", ">= 0.9",
                 frames >= 0.9 * expected)  # fmt: skip
            await asyncio.gather(*(ari.hangup(c) for c in ids), return_exceptions=True)
            await tracker.until(lambda: len(tracker.destroyed) >= calls + answered, 30)
            consumer.cancel()
    finally:
        process.terminate()
        process.join(5)


def main() -> None:
    """Entry point."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--hold", type=float, default=5.0, help="seconds to hold the answered calls")
    args = parser.parse_args()
    asyncio.run(bench(args.calls, args.hold))


if __name__ == "__main__":
    main()
