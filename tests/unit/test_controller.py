"""Controller against FakeAri and the real database: refusals, failures, 409, reconciliation."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from psycopg_pool import AsyncConnectionPool

from calls.admission import AdmissionControl, report_asr_lag
from calls.controller import Controller, ControllerOptions, LiveCall, SessionFactory
from calls.outcomes import ConversationResult
from calls.store import CallStore
from campaigns import compliance, queue
from campaigns.models import CampaignSettings
from services.ari.events import ChannelDestroyed, StasisStart
from services.ari.models import Channel
from services.ari.port import FakeAri
from services.errors import AriError
from tests.e2e.helpers import ManualClock, seed_campaign

pytestmark = pytest.mark.unit

Row = dict[str, object]
SUNDAY_NOON = datetime(2026, 11, 22, 11, 0, tzinfo=UTC)
TUESDAY_MORNING = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)  # 11:00 in Paris, inside the FR windows
ROBOT = "robot-u"


@dataclass
class Pbx(FakeAri):
    """FakeAri whose hangups emit ChannelDestroyed, and whose originate can fail or be held."""

    fail: AriError | None = None
    hold: asyncio.Event | None = None

    async def originate(self, endpoint: str, **kwargs: object) -> Channel:
        if self.hold is not None:
            await self.hold.wait()
        if self.fail is not None:
            self.calls.append(("originate", (endpoint, kwargs.get("channel_id"))))
            raise self.fail
        return await super().originate(endpoint, **kwargs)  # type: ignore[arg-type]

    async def hangup(self, channel_id: str, reason: str = "normal") -> None:
        await super().hangup(channel_id, reason)
        self.emit(destroyed(channel_id, 16))

    def originated(self) -> list[str]:
        return [str(args[1]) for name, args in self.calls if name == "originate"]


def destroyed(channel_id: str, cause: int) -> ChannelDestroyed:
    return ChannelDestroyed(
        type="ChannelDestroyed",
        channel=Channel(id=channel_id, name="x", state="Down"),
        cause=cause,
        cause_txt="",
    )


@dataclass
class FixedSession:
    """A session that ends at once with a given result."""

    result: ConversationResult = field(default_factory=ConversationResult)

    async def run(self) -> None:
        return None

    async def close(self) -> None:
        return None


def seed(conn: psycopg.Connection[Row], phones: list[str], now: datetime, profile: str = "none") -> list[int]:
    settings = CampaignSettings(compliance_profile=profile, calls_per_second=100.0, max_concurrent_calls=10)
    seed_campaign(conn, "unit", phones, settings, now)
    return [int(str(r["id"])) for r in conn.execute("SELECT id FROM call_queue ORDER BY id").fetchall()]


def queue_row(conn: psycopg.Connection[Row], queue_id: int) -> Row:
    row = conn.execute("SELECT * FROM call_queue WHERE id = %s", (queue_id,)).fetchone()
    assert row is not None
    return row


async def until(check: Callable[[], bool], timeout_s: float = 10.0) -> None:
    """Poll a state check (bounded)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while not check():
        assert loop.time() < deadline, "condition not reached in time"
        await asyncio.sleep(0.01)


def controller_for(
    pool: AsyncConnectionPool, ari: Pbx, clock: ManualClock, sessions: SessionFactory | None = None
) -> Controller:
    return Controller(
        pool=pool,
        ari=ari,
        events=ari.events(),
        options=ControllerOptions(robot_id=ROBOT, poll_interval_s=0.01, reap_interval_s=3600),
        session_factory=sessions or (lambda live: FixedSession()),
        clock=clock,
    )


@asynccontextmanager
async def running(controller: Controller) -> AsyncIterator[Controller]:
    task = asyncio.create_task(controller.run())
    try:
        yield controller
    finally:
        controller.stop()
        await asyncio.wait_for(task, 10)


async def test_409_hangs_the_live_attempt_up_and_retries_later_without_ringing_twice(
    conn: psycopg.Connection[Row], pool: AsyncConnectionPool
) -> None:
    clock = ManualClock(TUESDAY_MORNING)
    [qid] = seed(conn, ["+33612345678"], clock.now)
    ari = Pbx(scripts={"PJSIP/+33612345678@trunk": lambda ch, args: [destroyed(ch.id, 17)]})
    ari.channels[f"mb-{qid}-1"] = Channel(id=f"mb-{qid}-1", name="x", state="Ringing")  # got through
    controller = controller_for(pool, ari, clock)
    async with running(controller):
        await asyncio.wait_for(controller.wait_settled(1), 10)
        assert ("hangup", (f"mb-{qid}-1", "normal")) in ari.calls
        assert queue_row(conn, qid)["status"] == "pending" and queue_row(conn, qid)["last_result"] == "failed"
        clock.advance(hours=2)  # the 'failed' retry delay (1 h) elapses
        await asyncio.wait_for(controller.wait_settled(2), 10)
    assert ari.originated() == [f"mb-{qid}-1", f"mb-{qid}-2"]
    assert controller.stats.outcomes == {"failed": 1, "busy": 1}
    assert f"mb-{qid}-1" not in ari.channels
    calls = conn.execute("SELECT channel_id, outcome FROM calls ORDER BY id").fetchall()
    assert calls == [
        {"channel_id": f"mb-{qid}-1", "outcome": "failed"},
        {"channel_id": f"mb-{qid}-2", "outcome": "busy"},
    ]


async def test_originate_refused_for_the_contact_settles_the_attempt_as_failed(
    conn: psycopg.Connection[Row], pool: AsyncConnectionPool
) -> None:
    clock = ManualClock(TUESDAY_MORNING)
    [qid] = seed(conn, ["+33612345678"], clock.now)
    ari = Pbx(fail=AriError("Asterisk unreachable: invalid endpoint", status=400))
    controller = controller_for(pool, ari, clock)
    async with running(controller):
        await asyncio.wait_for(controller.wait_settled(1), 10)
    row = queue_row(conn, qid)
    assert (row["status"], row["attempt"], row["last_result"]) == ("pending", 1, "failed")
    call = conn.execute("SELECT status, outcome, hangup_cause_text FROM calls").fetchone()
    assert call is not None and (call["status"], call["outcome"]) == ("ended", "failed")
    assert "Asterisk unreachable" in str(call["hangup_cause_text"])
    assert controller.calls == {}


async def test_compliance_refusal_reschedules_the_row_with_its_reason(
    conn: psycopg.Connection[Row], pool: AsyncConnectionPool
) -> None:
    clock = ManualClock(SUNDAY_NOON)
    [qid] = seed(conn, ["+33612345678"], clock.now, profile="fr")
    ari = Pbx()
    async with running(controller_for(pool, ari, clock)):
        await until(lambda: bool(queue_row(conn, qid)["wait_reason"]))
    row = queue_row(conn, qid)
    assert row["attempt"] == 0 and str(row["wait_reason"]).startswith("weekend")
    assert row["not_before"] == compliance.next_allowed("fr", "Europe/Paris", SUNDAY_NOON)
    assert ari.originated() == []


async def test_dnc_contact_is_closed_without_dialling(
    conn: psycopg.Connection[Row], pool: AsyncConnectionPool
) -> None:
    clock = ManualClock(TUESDAY_MORNING)
    conn.execute("INSERT INTO dnc (phone) VALUES ('+33612345678')")
    [qid] = seed(conn, ["+33612345678"], clock.now, profile="fr")
    ari = Pbx()
    async with running(controller_for(pool, ari, clock)):
        await until(lambda: queue_row(conn, qid)["status"] == "done")
    assert queue_row(conn, qid)["last_result"] == "dnc"
    assert ari.originated() == []


async def test_callback_request_reschedules_at_the_next_allowed_instant(
    conn: psycopg.Connection[Row], pool: AsyncConnectionPool
) -> None:
    clock = ManualClock(TUESDAY_MORNING)
    [qid] = seed(conn, ["+33612345678"], clock.now, profile="fr")
    saturday = datetime(2026, 11, 28, 15, 0, tzinfo=UTC)
    ari = Pbx(
        scripts={"PJSIP/+33612345678@trunk": lambda ch, args: [StasisStart(type="StasisStart", channel=ch)]}
    )

    def session(live: LiveCall) -> FixedSession:
        return FixedSession(ConversationResult(callback_at=saturday))

    controller = controller_for(pool, ari, clock, session)
    async with running(controller):
        await asyncio.wait_for(controller.wait_settled(1), 10)
    row = queue_row(conn, qid)
    assert (row["status"], row["wait_reason"]) == ("pending", "callback requested")
    assert row["not_before"] == compliance.next_allowed("fr", "Europe/Paris", saturday)
    assert isinstance(row["not_before"], datetime) and row["not_before"] > saturday  # Monday, not the weekend
    assert controller.stats.outcomes == {"answered": 1}


async def test_reconcile_settles_calls_whose_channel_vanished_but_not_dials_in_flight(
    conn: psycopg.Connection[Row], pool: AsyncConnectionPool
) -> None:
    clock = ManualClock(TUESDAY_MORNING)
    first, second = seed(conn, ["+33612345611", "+33612345622"], clock.now)
    ari = Pbx()  # no script: the channels just ring
    controller = controller_for(pool, ari, clock)
    controller.options.claim_batch = 1
    controller.options.global_max_calls = 2
    async with running(controller):
        await until(lambda: f"mb-{first}-1" in ari.channels)
        ari.hold = asyncio.Event()  # the second originate is now in flight, not yet in Asterisk
        await until(lambda: f"mb-{second}-1" in controller.calls)
        del ari.channels[f"mb-{first}-1"]  # ended while the event socket was down
        await controller.reconcile()
        assert controller.stats.settled == 1 and f"mb-{second}-1" in controller.calls
        ari.hold.set()
        await until(lambda: f"mb-{second}-1" in ari.channels)
        await controller.reconcile()
        assert controller.stats.settled == 1
        ari.emit(destroyed(f"mb-{second}-1", 17))
        await asyncio.wait_for(controller.wait_settled(2), 10)
    assert controller.stats.outcomes == {"failed": 1, "busy": 1}
    assert queue_row(conn, first)["last_result"] == "failed"


async def test_startup_reconciliation_settles_unfinished_calls_and_releases_unstarted_leases(
    conn: psycopg.Connection[Row], pool: AsyncConnectionPool
) -> None:
    clock = ManualClock(TUESDAY_MORNING)
    alive_q, gone_q, unstarted_q = seed(conn, ["+33612345611", "+33612345622", "+33612345633"], clock.now)
    claimed = await queue.claim(pool, 3, ROBOT, 120, now=clock.now)  # the previous life of this robot
    store = CallStore(pool)
    for call in (c for c in claimed if c.queue_id in (alive_q, gone_q)):
        await store.insert_call(
            queue_id=call.queue_id,
            campaign_id=call.campaign_id,
            contact_id=call.contact_id,
            attempt=call.attempt,
            channel_id=f"mb-{call.queue_id}-1",
            robot_id=ROBOT,
            queued_at=None,
            originated_at=clock.now - timedelta(seconds=5),
        )
    ari = Pbx()
    ari.channels[f"mb-{alive_q}-1"] = Channel(id=f"mb-{alive_q}-1", name="x", state="Up")
    await controller_for(pool, ari, clock).reconcile(startup=True)

    assert ari.calls == [("hangup", (f"mb-{alive_q}-1", "normal"))]
    calls = conn.execute("SELECT status, outcome FROM calls").fetchall()
    assert calls == [{"status": "ended", "outcome": "failed"}] * 2
    for qid in (alive_q, gone_q):
        row = queue_row(conn, qid)
        assert (row["status"], row["attempt"], row["last_result"]) == ("pending", 1, "failed")
    row = queue_row(conn, unstarted_q)
    assert (row["status"], row["attempt"], row["lease_owner"]) == ("pending", 0, None)
    assert row["wait_reason"] == "robot restarted before dialling"


class CountingAdmission(AdmissionControl):
    """Admission control on a virtual clock that counts how often the dialer asked for its cap."""

    def __init__(self, max_cap: int, clock: Callable[[], float]) -> None:
        super().__init__(max_cap, monotonic=clock)
        self.asked = 0

    def cap(self, live: int) -> int:
        self.asked += 1
        return super().cap(live)


async def test_high_asr_lag_stops_new_claims_while_live_calls_go_on_then_dialling_resumes(
    conn: psycopg.Connection[Row], pool: AsyncConnectionPool
) -> None:
    clock = ManualClock(TUESDAY_MORNING)
    seed(conn, [f"+336123456{n:02d}" for n in range(10, 15)], clock.now)  # one more than the cap
    ari = Pbx()  # no script: the channels ring and stay live
    virtual = [0.0]
    admission = CountingAdmission(4, lambda: virtual[0])
    controller = Controller(
        pool=pool,
        ari=ari,
        events=ari.events(),
        options=ControllerOptions(
            robot_id=ROBOT, global_max_calls=4, poll_interval_s=0.01, reap_interval_s=3600
        ),
        session_factory=lambda live: FixedSession(),
        clock=clock,
        admission=admission,
    )
    async with running(controller):
        await until(lambda: len(ari.originated()) == 4)
        for _ in range(10):
            report_asr_lag(1.2)  # what each slow final reports from the conversation
        virtual[0] += 5
        await until(lambda: admission.current == 3)  # 0.8 × 4 live calls
        ari.emit(destroyed(ari.originated()[0], 17))
        await asyncio.wait_for(controller.wait_settled(1), 10)
        asked = admission.asked
        await until(lambda: admission.asked >= asked + 2)  # the dialer went round with a free slot
        assert len(ari.originated()) == 4 and len(controller.calls) == 3  # live calls untouched
        leased = conn.execute("SELECT count(*) AS n FROM call_queue WHERE status = 'leased'").fetchone()
        assert leased is not None and leased["n"] == 3
        for _ in range(10):
            report_asr_lag(0.05)
        virtual[0] += 5
        await until(lambda: len(ari.originated()) == 5)  # lag well under: the cap grows back
        assert admission.current == 4
        for channel_id in list(controller.calls):
            ari.emit(destroyed(channel_id, 17))
        await asyncio.wait_for(controller.wait_settled(5), 10)
