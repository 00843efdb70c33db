"""Caller audio on a clock: real frames as they come, silence for the frames that never came.

Asterisk sends nothing while a party is silent (``transmit_silence = no``, carriers with silence
suppression): a quiet callee produces no frames at all. Everything that measures time in frames
(endpointing, AMD windows, recordings, turn offsets) would then run slow or stop. `clocked_frames`
yields one 20 ms frame per tick of a monotonic clock: the next received frame when one is there, or a
silent frame once the stream has been quiet for ``slack_frames`` ticks (jitter is absorbed, not
mistaken for silence).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable

from services.media.frames import FRAME_MS, SILENCE_FRAME

SLACK_FRAMES = 3  # a frame later than this many ticks is presumed never to come: silence stands for it


class ClockedFrames:
    """Counts what `clocked_frames` had to make up (for tests and logs)."""

    def __init__(self) -> None:
        self.received = 0
        self.synthesized = 0


async def clocked_frames(
    source: AsyncIterator[bytes],
    *,
    time_scale: float = 1.0,
    slack_frames: int = SLACK_FRAMES,
    clock: Callable[[], float] | None = None,
    counts: ClockedFrames | None = None,
) -> AsyncIterator[bytes]:
    """Frames from ``source`` paced by the clock, gaps filled with silence; ends with ``source``.

    ``time_scale`` is real seconds per media second (the simulator may run media faster than real time).
    """
    loop = asyncio.get_running_loop()
    now = clock or loop.time
    period = FRAME_MS / 1000 * time_scale
    counts = counts or ClockedFrames()
    queue: asyncio.Queue[bytes | None] = asyncio.Queue()

    async def pump() -> None:
        try:
            async for frame in source:
                queue.put_nowait(frame)
        finally:
            queue.put_nowait(None)

    reader = asyncio.create_task(pump(), name="clocked-frames")
    start = now()
    emitted = 0
    try:
        while True:
            due = start + (emitted + 1 + slack_frames) * period
            try:
                frame = queue.get_nowait() if not queue.empty() else await _get(queue, due - now())
            except TimeoutError:
                counts.synthesized += 1
                frame = SILENCE_FRAME
            else:
                if frame is None:
                    return
                counts.received += 1
            emitted += 1
            yield frame
    finally:
        reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await reader


async def _get(queue: asyncio.Queue[bytes | None], timeout_s: float) -> bytes | None:
    if timeout_s <= 0:
        raise TimeoutError
    return await asyncio.wait_for(queue.get(), timeout_s)
