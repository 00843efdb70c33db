"""The internal interface between a simulated media transport and the callee at the other end of a bridge.

A transport (WebSocket, later AudioSocket and RTP) ticks every 20 ms: it asks the callee for one frame to
send to the bot (:meth:`CalleeAudio.next_frame`) and hands it one bot frame it has just "played"
(:meth:`CalleeAudio.hear`, silence when the bot sent nothing). Frames are 640 bytes, 16 kHz mono s16le.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Protocol

SAMPLE_RATE = 16000
FRAME_MS = 20
FRAME_BYTES = SAMPLE_RATE * FRAME_MS // 1000 * 2  # 640
SILENCE = bytes(FRAME_BYTES)


class CalleeAudio(Protocol):
    """The far end of a call as the media transport sees it."""

    def next_frame(self) -> bytes:
        """The callee's next 20 ms of audio (640 bytes; silence when not speaking)."""
        ...

    def hear(self, frame: bytes) -> None:
        """One 20 ms frame of bot audio as played to the callee (silence when the bot sends nothing)."""
        ...


def cut_frames(pcm: bytes, frame_bytes: int = FRAME_BYTES) -> tuple[list[bytes], bytes]:
    """Cut ``pcm`` into whole frames; returns (frames, leftover tail)."""
    whole = len(pcm) - len(pcm) % frame_bytes
    return [pcm[i : i + frame_bytes] for i in range(0, whole, frame_bytes)], pcm[whole:]


async def paced(
    step: Callable[[], Awaitable[None]], running: Callable[[], bool], time_scale: float = 1.0
) -> None:
    """Call ``step`` every 20 ms (times ``time_scale``) while ``running()``, without drift.

    After a stall longer than five periods the schedule restarts instead of bursting to catch up.
    """
    loop = asyncio.get_running_loop()
    period = FRAME_MS / 1000 * time_scale
    deadline = loop.time()
    while running():
        await step()
        deadline = max(deadline + period, loop.time() - 5 * period)
        await asyncio.sleep(max(0.0, deadline - loop.time()))
