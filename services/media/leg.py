"""The `MediaLeg` protocol every transport implements, and the pieces transports share.

A leg carries one call's audio: 640-byte LE 16 kHz frames from the caller, bot audio back to the caller.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Generic, Protocol, TypeVar, runtime_checkable

from services.errors import MediaError
from services.media.frames import FRAME_BYTES, FRAME_MS, Reframer

K = TypeVar("K")


@runtime_checkable
class MediaLeg(Protocol):
    """One call's media channel, whatever the transport."""

    def frames(self) -> AsyncIterator[bytes]:
        """Caller audio as 640-byte LE 16 kHz frames; ends when the call's media ends."""
        ...

    async def send(self, pcm: bytes) -> None:
        """Queue bot audio (LE 16 kHz mono, any length) for playback."""
        ...

    async def flush(self) -> None:
        """Barge-in: drop every bot frame queued and not yet played."""
        ...

    async def mark(self, mark_id: str) -> Awaitable[bool]:
        """Place a mark after the queued audio; the awaitable gives True once played, False if flushed."""
        ...

    async def close(self) -> None:
        """End the leg (hanging up the media channel where the transport can)."""
        ...


class FrameInbox:
    """Caller frames from a transport's reader to `frames()`, with end-of-stream."""

    def __init__(self) -> None:
        self._queue: asyncio.Queue[bytes | None] = asyncio.Queue()
        self._reframer = Reframer()
        self.ended = asyncio.Event()

    def put_pcm(self, pcm: bytes) -> None:
        """Add caller audio of any length; an odd trailing byte is dropped, so that one malformed
        message cannot shift every later sample by a byte."""
        for frame in self._reframer.feed(pcm[: len(pcm) // 2 * 2]):
            self._queue.put_nowait(frame)

    def end(self) -> None:
        """No more caller audio."""
        if not self.ended.is_set():
            self.ended.set()
            self._queue.put_nowait(None)

    async def frames(self) -> AsyncIterator[bytes]:
        """Iterate frames until the end."""
        while True:
            frame = await self._queue.get()
            if frame is None:
                self._queue.put_nowait(None)  # later iterators end too
                return
            yield frame


class _Mark:
    def __init__(self, mark_id: str) -> None:
        self.mark_id = mark_id
        self.played: asyncio.Future[bool] = asyncio.get_running_loop().create_future()

    def resolve(self, played: bool) -> None:
        if not self.played.done():
            self.played.set_result(played)


class PacedSender:
    """Plays bot frames at real-time pace (one 640-byte frame per 20 ms on a monotonic clock).

    For transports whose far end does not re-time audio (AudioSocket, RTP). `send_frame` writes one
    frame to the wire. Marks resolve when every frame queued before them has been written.
    """

    def __init__(
        self,
        send_frame: Callable[[bytes], Awaitable[None]],
        frame_ms: int = FRAME_MS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._send_frame = send_frame
        self._period = frame_ms / 1000
        self._clock = clock
        self._reframer = Reframer(FRAME_BYTES)
        self._items: deque[bytes | _Mark] = deque()
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.frames_sent = 0

    def start(self) -> None:
        """Start the pacing task."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="paced-sender")

    def queue(self, pcm: bytes) -> None:
        """Queue bot audio; a partial tail is padded to a whole frame."""
        self._items.extend(self._reframer.feed(pcm))
        tail = self._reframer.flush()
        if tail is not None:
            self._items.append(tail)
        self._wakeup.set()

    def mark(self, mark_id: str) -> Awaitable[bool]:
        """Mark the current end of the queue."""
        mark = _Mark(mark_id)
        self._items.append(mark)
        self._wakeup.set()
        return mark.played

    def flush(self) -> None:
        """Drop queued frames; pending marks resolve False."""
        for item in self._items:
            if isinstance(item, _Mark):
                item.resolve(False)
        self._items.clear()

    @property
    def queued_frames(self) -> int:
        """Frames waiting to be played."""
        return sum(1 for item in self._items if not isinstance(item, _Mark))

    async def stop(self) -> None:
        """Stop the task; pending marks resolve False."""
        self.flush()
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def _run(self) -> None:
        next_due: float | None = None
        while True:
            if not self._items:
                self._wakeup.clear()
                await self._wakeup.wait()
                continue
            item = self._items.popleft()
            if isinstance(item, _Mark):
                item.resolve(True)
                continue
            now = self._clock()
            if next_due is None or next_due < now - self._period:
                next_due = now  # idle or late: restart the clock rather than burst
            delay = next_due - now
            if delay > 0:
                await asyncio.sleep(delay)
            try:
                await self._send_frame(item)
            except (ConnectionError, OSError) as exc:
                self.flush()
                raise MediaError(f"sending bot audio failed: {exc}", retryable=True) from exc
            self.frames_sent += 1
            next_due += self._period


class LegRegistry(Generic[K]):
    """Hands incoming connections (keyed by channel id or UUID) to the call waiting for them."""

    def __init__(self) -> None:
        self._waiting: dict[K, asyncio.Future[MediaLeg]] = {}

    def expect(self, key: K) -> asyncio.Future[MediaLeg]:
        """Register a call waiting for its media connection."""
        future: asyncio.Future[MediaLeg] = asyncio.get_running_loop().create_future()
        self._waiting[key] = future
        return future

    def deliver(self, key: K, leg: MediaLeg) -> bool:
        """Give a connection to its call; False when nobody expects that key."""
        future = self._waiting.pop(key, None)
        if future is None or future.done():
            return False
        future.set_result(leg)
        return True

    def cancel(self, key: K) -> None:
        """Forget a call that no longer waits."""
        future = self._waiting.pop(key, None)
        if future is not None and not future.done():
            future.cancel()


class PacedLeg:
    """The MediaLeg methods shared by transports that pace bot audio themselves (AudioSocket, RTP):
    caller frames come from ``_inbox``, bot audio goes through ``_sender``."""

    _inbox: FrameInbox
    _sender: PacedSender

    def frames(self) -> AsyncIterator[bytes]:
        """Caller frames (16 kHz) until the call's media ends."""
        return self._inbox.frames()

    async def send(self, pcm: bytes) -> None:
        """Queue bot audio; it leaves as 20 ms frames at real-time pace."""
        self._sender.queue(pcm)

    async def flush(self) -> None:
        """Barge-in: drop queued bot audio."""
        self._sender.flush()

    async def mark(self, mark_id: str) -> Awaitable[bool]:
        """Resolves True when the audio queued before it has been sent."""
        return self._sender.mark(mark_id)
