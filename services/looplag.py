"""Measure event-loop lag: how late a periodic wake-up fires compared with its schedule."""

from __future__ import annotations

import asyncio
import time


class LoopLagMonitor:
    """Sample lag every ``interval`` seconds while running; keeps every sample in milliseconds."""

    def __init__(self, interval: float = 0.01) -> None:
        self.interval = interval
        self.samples_ms: list[float] = []
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while True:
            start = time.perf_counter()
            await asyncio.sleep(self.interval)
            late = time.perf_counter() - start - self.interval
            self.samples_ms.append(max(0.0, late) * 1000)

    def start(self) -> None:
        """Start sampling on the running loop."""
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        """Stop sampling."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
