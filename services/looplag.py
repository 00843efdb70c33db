"""Measure event-loop lag: how late a periodic wake-up fires compared with its schedule."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable


class LoopLagMonitor:
    """Sample lag every ``interval`` seconds while running: each sample (seconds) goes to
    ``on_sample`` when given (the robot's histogram), else is kept in ``samples_ms``."""

    def __init__(self, interval: float = 0.01, on_sample: Callable[[float], None] | None = None) -> None:
        self.interval = interval
        self.on_sample = on_sample
        self.samples_ms: list[float] = []
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while True:
            start = time.perf_counter()
            await asyncio.sleep(self.interval)
            late = max(0.0, time.perf_counter() - start - self.interval)
            if self.on_sample is None:
                self.samples_ms.append(late * 1000)
            else:
                self.on_sample(late)

    def start(self) -> None:
        """Start sampling on the running loop."""
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        """Stop sampling."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
