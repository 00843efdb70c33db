"""Admission control: the robot lowers its own call cap when it measures that it cannot keep up.

A feedback loop, not a fixed number. Every ASR lag (end-of-speech decision to final transcript) and
event-loop lag sample is kept for a rolling window; at most once per ``interval_s`` the cap is
re-decided (AIMD):

- overloaded (ASR lag p95 above its threshold, or loop lag p99 above its own): the cap drops to
  ``decrease`` × the calls in progress (multiplicative decrease). Live calls are never touched: the
  dialer only stops claiming new ones until enough of them have ended;
- well under (ASR lag p95 below ``recover_ratio`` × the threshold, loop lag below its threshold):
  the cap goes up by one (additive increase), back to the configured maximum.

Samples taken before a change described the old load, so a change starts a new window.
"""

from __future__ import annotations

import logging
import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from services.metrics import ADMISSION_CAP

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AdmissionSettings:
    """Thresholds and pace of the loop (``MINIBOT_ADMISSION_*``)."""

    asr_lag_ms: float = 300.0  # ASR lag p95 above this: overloaded
    loop_lag_ms: float = 100.0  # event-loop lag p99 above this: overloaded
    window_s: float = 20.0  # samples older than this are forgotten
    interval_s: float = 5.0  # at most one change per interval
    min_samples: int = 5  # ASR lag samples needed before a decrease
    decrease: float = 0.8  # new cap = decrease × live calls
    recover_ratio: float = 0.5  # increase only while ASR lag p95 < recover_ratio × asr_lag_ms
    min_cap: int = 1


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile ``q`` (0–100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


class AdmissionControl:
    """The effective call cap of one robot process, from the lag it measures."""

    def __init__(
        self,
        max_cap: int,
        settings: AdmissionSettings | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_cap = max_cap
        self.settings = settings or AdmissionSettings()
        self.monotonic = monotonic
        self.current = max_cap
        self.reason = "start"
        self._asr: deque[tuple[float, float]] = deque()  # (time, lag ms)
        self._loop: deque[tuple[float, float]] = deque()
        self._decided_at = monotonic()
        ADMISSION_CAP.set(max_cap)

    def observe_asr_lag(self, seconds: float) -> None:
        """One final transcript came ``seconds`` after the end-of-speech decision."""
        self._asr.append((self.monotonic(), seconds * 1000))

    def observe_loop_lag(self, seconds: float) -> None:
        """One event-loop lag sample."""
        self._loop.append((self.monotonic(), seconds * 1000))

    def cap(self, live: int) -> int:
        """The cap to dial against now, with ``live`` calls in progress (re-decided when due)."""
        now = self.monotonic()
        if now - self._decided_at >= self.settings.interval_s:
            self._decide(now, live)
        return self.current

    def _decide(self, now: float, live: int) -> None:
        s = self.settings
        for samples in (self._asr, self._loop):
            while samples and samples[0][0] < now - s.window_s:
                samples.popleft()
        asr = [ms for _, ms in self._asr]
        loop = [ms for _, ms in self._loop]
        asr_p95 = percentile(asr, 95) if asr else 0.0
        loop_p99 = percentile(loop, 99) if loop else 0.0
        self._decided_at = now
        if len(asr) >= s.min_samples and asr_p95 > s.asr_lag_ms:
            self._lower(live, f"ASR lag p95 {asr_p95:.0f} ms > {s.asr_lag_ms:.0f} ms")
        elif loop and loop_p99 > s.loop_lag_ms:
            self._lower(live, f"event-loop lag p99 {loop_p99:.0f} ms > {s.loop_lag_ms:.0f} ms")
        elif self.current < self.max_cap and asr_p95 < s.recover_ratio * s.asr_lag_ms:
            self._set(self.current + 1, f"ASR lag p95 {asr_p95:.0f} ms, loop lag p99 {loop_p99:.0f} ms")

    def _lower(self, live: int, reason: str) -> None:
        target = max(self.settings.min_cap, math.floor(min(self.current, live) * self.settings.decrease))
        if target < self.current:
            self._set(target, reason)

    def _set(self, cap: int, reason: str) -> None:
        level = logging.WARNING if cap < self.current else logging.INFO
        log.log(level, "admission cap %d -> %d calls (%s)", self.current, cap, reason)
        self.current = cap
        self.reason = reason
        self._asr.clear()
        self._loop.clear()
        ADMISSION_CAP.set(cap)


_SINKS: list[AdmissionControl] = []


def report_asr_lag(seconds: float) -> None:
    """Feed one ASR lag sample to every admission control of this process (lag is a process fact)."""
    for sink in _SINKS:
        sink.observe_asr_lag(seconds)


def report_loop_lag(seconds: float) -> None:
    """Feed one event-loop lag sample to every admission control of this process."""
    for sink in _SINKS:
        sink.observe_loop_lag(seconds)


def subscribe(control: AdmissionControl) -> Callable[[], None]:
    """Let ``control`` receive this process's lag samples; returns the unsubscribe function."""
    _SINKS.append(control)
    return lambda: _SINKS.remove(control)
