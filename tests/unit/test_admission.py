"""Admission control: the cap follows measured lag (AIMD), on a virtual clock."""

from __future__ import annotations

import logging

import pytest

from calls.admission import AdmissionControl, AdmissionSettings, percentile, report_asr_lag, subscribe
from services.metrics import ADMISSION_CAP


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def control(clock: Clock, max_cap: int = 40, **limits: float) -> AdmissionControl:
    return AdmissionControl(max_cap, AdmissionSettings(**limits), monotonic=clock)  # type: ignore[arg-type]


def feed(ac: AdmissionControl, lags_ms: list[float]) -> None:
    for ms in lags_ms:
        ac.observe_asr_lag(ms / 1000)


def test_percentile_nearest_rank() -> None:
    assert percentile([float(v) for v in range(1, 101)], 95) == 95
    assert percentile([5.0], 95) == 5.0


def test_high_asr_lag_lowers_the_cap_below_the_live_calls_and_says_why(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = Clock()
    ac = control(clock)
    feed(ac, [900.0] * 10)
    assert ac.cap(live=35) == 40  # not due yet: one decision per interval
    clock.now += 5
    with caplog.at_level(logging.WARNING, logger="calls.admission"):
        assert ac.cap(live=35) == 28  # 0.8 × 35 live calls
    assert ADMISSION_CAP._value.get() == 28
    assert "ASR lag p95 900 ms > 300 ms" in caplog.text and "40 -> 28" in caplog.text


def test_a_few_slow_finals_are_not_enough() -> None:
    clock = Clock()
    ac = control(clock)
    feed(ac, [100.0] * 19 + [2000.0])  # p95 of 20 samples is the 19th: 100 ms
    clock.now += 5
    assert ac.cap(live=30) == 40
    ac2 = control(clock)
    feed(ac2, [2000.0] * 4)  # below min_samples
    clock.now += 5
    assert ac2.cap(live=30) == 40


def test_loop_lag_alone_lowers_the_cap() -> None:
    clock = Clock()
    ac = control(clock)
    for _ in range(10):
        ac.observe_loop_lag(0.25)
    clock.now += 5
    assert ac.cap(live=10) == 8
    assert "event-loop lag" in ac.reason


def test_cap_recovers_one_call_per_interval_when_lag_is_well_under() -> None:
    clock = Clock()
    ac = control(clock, max_cap=10)
    feed(ac, [1000.0] * 10)
    clock.now += 5
    assert ac.cap(live=10) == 8
    caps = []
    for _ in range(4):
        feed(ac, [100.0] * 10)
        clock.now += 5
        caps.append(ac.cap(live=8))
    assert caps == [9, 10, 10, 10]  # +1 per interval, never above the configured maximum


def test_lag_between_recovery_and_threshold_holds_the_cap() -> None:
    clock = Clock()
    ac = control(clock, max_cap=10)
    feed(ac, [1000.0] * 10)
    clock.now += 5
    assert ac.cap(live=10) == 8
    feed(ac, [250.0] * 10)  # under 300 ms, above 150 ms: neither down nor up
    clock.now += 5
    assert ac.cap(live=8) == 8


def test_samples_from_before_a_change_do_not_count_again() -> None:
    clock = Clock()
    ac = control(clock)
    feed(ac, [1000.0] * 10)
    clock.now += 5
    assert ac.cap(live=30) == 24
    clock.now += 5  # no new sample since the change: the old ones must not cut again
    assert ac.cap(live=30) == 25


def test_old_samples_leave_the_window() -> None:
    clock = Clock()
    ac = control(clock, window_s=20)
    feed(ac, [1000.0] * 10)
    clock.now += 30  # the slow finals are 30 s old
    feed(ac, [50.0] * 10)
    assert ac.cap(live=30) == 40


def test_never_below_the_minimum_cap() -> None:
    clock = Clock()
    ac = control(clock, max_cap=3)
    for _ in range(5):
        feed(ac, [5000.0] * 10)
        clock.now += 5
        ac.cap(live=1)
    assert ac.current == 1


def test_process_samples_reach_subscribed_controls_only_while_subscribed() -> None:
    clock = Clock()
    ac = control(clock)
    unsubscribe = subscribe(ac)
    report_asr_lag(0.9)
    unsubscribe()
    report_asr_lag(0.9)
    assert len(ac._asr) == 1
