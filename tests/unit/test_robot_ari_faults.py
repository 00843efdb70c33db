"""ARI faults: malformed events from a fake ARI server are logged and skipped; a failed event stream
stops dialling until it is back; an originate Asterisk refuses (outage, 503 during shutdown) gives
the attempt back and holds dialling."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

import psycopg
import pytest
from aiohttp import web
from psycopg_pool import AsyncConnectionPool

from calls.controller import Controller, ControllerOptions
from services.ari.client import AriClient
from services.ari.events import AriEvent, StasisStart
from services.errors import AriError
from tests.e2e.helpers import ManualClock
from tests.unit.test_controller import (
    ROBOT,
    TUESDAY_MORNING,
    FixedSession,
    Pbx,
    destroyed,
    queue_row,
    running,
    seed,
    until,
)

pytestmark = pytest.mark.unit

Row = dict[str, object]
CHANNEL = {"id": "mb-1-1", "name": "PJSIP/trunk-1", "state": "Up"}
MALFORMED = [
    "this is not JSON",
    json.dumps([{"type": "StasisStart"}]),
    json.dumps({"type": "StasisStart", "application": "minibot"}),  # no channel
    json.dumps({"type": "ChannelDestroyed", "channel": CHANNEL, "cause": "sixteen", "cause_txt": "x"}),
]


@dataclass
class FakeAriServer:
    """An ARI events WebSocket that sends the given text messages, then stays open."""

    messages: list[str]
    connections: int = 0
    runner: web.AppRunner | None = None
    url: str = ""

    async def events(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.connections += 1
        for text in self.messages:
            await ws.send_str(text)
        async for _ in ws:
            pass
        return ws

    async def __aenter__(self) -> FakeAriServer:
        app = web.Application()
        app.router.add_get("/ari/events", self.events)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        port = self.runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.runner is not None
        await self.runner.cleanup()


async def test_malformed_events_are_logged_and_skipped_and_the_stream_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    good = {"type": "StasisStart", "application": "minibot", "channel": CHANNEL, "args": ["7"]}
    async with FakeAriServer([*MALFORMED, json.dumps(good)]) as server:
        stream = AriClient(server.url, "u", "p", "minibot").events()
        with caplog.at_level(logging.WARNING, logger="services.ari.eventstream"):
            iterator = aiter(stream)
            event = await asyncio.wait_for(anext(iterator), 10)
            await iterator.aclose()  # type: ignore[attr-defined]
    assert isinstance(event, StasisStart) and event.channel.id == "mb-1-1" and event.args == ("7",)
    assert server.connections == 1 and stream.connections == 1  # the same socket throughout
    skipped = [r.getMessage() for r in caplog.records if "malformed ARI event skipped" in r.getMessage()]
    assert len(skipped) == 4
    assert "(type unknown: not JSON)" in skipped[0] and "this is not JSON" in skipped[0]
    assert "(type unknown: list)" in skipped[1]
    assert "(type StasisStart)" in skipped[2] and "'application': 'minibot'" in skipped[2]
    assert "(type ChannelDestroyed)" in skipped[3] and "sixteen" in skipped[3]


@dataclass
class BreakingEvents:
    """An event stream whose first connection fails on demand; the next one waits for ``resume``."""

    ari: Pbx
    connected: asyncio.Event = field(default_factory=asyncio.Event)
    fail: asyncio.Event = field(default_factory=asyncio.Event)
    resume: asyncio.Event = field(default_factory=asyncio.Event)
    iterations: int = 0

    async def __aiter__(self) -> AsyncIterator[AriEvent]:
        self.iterations += 1
        if self.iterations == 1:
            self.connected.set()
            source = aiter(self.ari.events())
            while True:
                next_event = asyncio.ensure_future(anext(source))
                failing = asyncio.ensure_future(self.fail.wait())
                await asyncio.wait({next_event, failing}, return_when=asyncio.FIRST_COMPLETED)
                if failing.done():
                    next_event.cancel()
                    self.connected.clear()
                    raise RuntimeError("the event task died")
                failing.cancel()
                yield next_event.result()
        await self.resume.wait()
        self.connected.set()
        async for event in self.ari.events():
            yield event


def add_contact(conn: psycopg.Connection[Row], phone: str) -> int:
    campaign = conn.execute("SELECT id FROM campaigns").fetchone()
    assert campaign is not None
    conn.execute(
        "INSERT INTO contacts (campaign_id, phone, consent) VALUES (%s, %s, 'optin')", (campaign["id"], phone)
    )
    row = conn.execute(
        "INSERT INTO call_queue (campaign_id, contact_id, not_before)"
        " SELECT campaign_id, id, now() - interval '1 day' FROM contacts WHERE phone = %s RETURNING id",
        (phone,),
    ).fetchone()
    assert row is not None
    return int(str(row["id"]))


async def test_a_dead_event_stream_stops_dialling_until_it_is_back(
    conn: psycopg.Connection[Row], pool: AsyncConnectionPool, caplog: pytest.LogCaptureFixture
) -> None:
    clock = ManualClock(datetime.now(UTC))
    [first] = seed(conn, ["+33612345601"], clock.now)
    busy = {f"PJSIP/+3361234560{i}@trunk": lambda ch, args: [destroyed(ch.id, 17)] for i in (1, 2)}
    ari = Pbx(scripts=busy)
    events = BreakingEvents(ari)
    controller = Controller(
        pool=pool,
        ari=ari,
        events=events,
        events_connected=events.connected,
        options=ControllerOptions(robot_id=ROBOT, poll_interval_s=0.01, reap_interval_s=3600),
        session_factory=lambda live: FixedSession(),
        clock=clock,
    )
    async with running(controller):
        await asyncio.wait_for(controller.wait_settled(1), 10)
        events.fail.set()
        await until(lambda: controller.ari_health.problem() is not None)
        second = add_contact(conn, "+33612345602")
        await until(lambda: events.iterations == 2)  # reopened, not connected yet
        assert ari.originated() == [f"mb-{first}-1"]  # nothing dialled while the stream was down
        assert queue_row(conn, second)["status"] == "pending"
        assert controller.ari_health.report()["ok"] is False
        events.resume.set()
        await asyncio.wait_for(controller.wait_settled(2), 10)
    assert ari.originated() == [f"mb-{first}-1", f"mb-{second}-1"]
    assert any("ARI event stream failed" in r.getMessage() for r in caplog.records)
    assert any("not dialling: ARI event" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(
    "refusal",
    [
        AriError("cannot reach Asterisk ARI at http://127.0.0.1:8088", retryable=True),
        AriError("ARI POST /channels: 503 Shutdown in progress", status=503),
        AriError("ARI POST /channels timed out", retryable=True),
    ],
    ids=["unreachable", "503-shutdown", "timeout"],
)
async def test_an_originate_refused_by_asterisk_gives_the_attempt_back_and_holds_dialling(
    conn: psycopg.Connection[Row], pool: AsyncConnectionPool, refusal: AriError
) -> None:
    clock = ManualClock(TUESDAY_MORNING)
    phones = [f"+3361234560{i}" for i in range(5)]
    rows = seed(conn, phones, clock.now)
    answers = {
        f"PJSIP/{p}@trunk": lambda ch, args: [StasisStart(type="StasisStart", channel=ch)] for p in phones
    }
    ari = Pbx(fail=refusal, scripts=answers)
    controller = Controller(
        pool=pool,
        ari=ari,
        events=ari.events(),
        options=ControllerOptions(robot_id=ROBOT, poll_interval_s=0.01, reap_interval_s=3600),
        session_factory=lambda live: FixedSession(),
        clock=clock,
    )
    async with running(controller):
        await until(lambda: controller.stats.given_back >= 5)
        assert len(ari.originated()) == 1  # one refusal holds the dialler: the others are not tried
        assert controller.ari_health.problem() is not None
        for qid in rows:
            row = queue_row(conn, qid)
            assert (row["status"], row["attempt"], row["lease_owner"]) == ("pending", 0, None)
            assert str(row["wait_reason"]).startswith(("ARI unavailable", "not dialled: ARI refused"))
        assert conn.execute("SELECT count(*) AS n FROM calls").fetchone() == {"n": 0}
        ari.fail = None  # Asterisk is back: after the hold, every contact is dialled once
        await asyncio.wait_for(controller.wait_settled(5), 15)
    calls = conn.execute("SELECT attempt, outcome FROM calls ORDER BY id").fetchall()
    assert calls == [{"attempt": 1, "outcome": "answered"}] * 5
    assert all(queue_row(conn, qid)["attempt"] == 1 for qid in rows)


@dataclass
class FlakyHangups(Pbx):
    """A PBX whose REST fails for the first hangups (Asterisk unreachable for a moment)."""

    failing_hangups: int = 2

    async def hangup(self, channel_id: str, reason: str = "normal") -> None:
        if self.failing_hangups > 0:
            self.failing_hangups -= 1
            raise AriError("cannot reach Asterisk ARI", retryable=True)
        await super().hangup(channel_id, reason)


async def test_a_call_the_bot_is_done_with_is_hung_up_once_ari_answers_again(
    conn: psycopg.Connection[Row], pool: AsyncConnectionPool
) -> None:
    clock = ManualClock(TUESDAY_MORNING)
    [qid] = seed(conn, ["+33612345601"], clock.now)
    answers = {"PJSIP/+33612345601@trunk": lambda ch, args: [StasisStart(type="StasisStart", channel=ch)]}
    ari = FlakyHangups(scripts=answers)
    controller = Controller(
        pool=pool,
        ari=ari,
        events=ari.events(),
        options=ControllerOptions(robot_id=ROBOT, poll_interval_s=0.01, reap_interval_s=3600),
        session_factory=lambda live: FixedSession(),
        clock=clock,
    )
    async with running(controller):
        await asyncio.wait_for(controller.wait_settled(1), 10)
    assert ari.failing_hangups == 0 and f"mb-{qid}-1" not in ari.channels  # hung up on the third try
    assert controller.stats.outcomes == {"answered": 1}
