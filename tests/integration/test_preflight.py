"""Preflight: a campaign whose calls could not be held is paused with the reason and nothing of it is
dialled; a session failing on our side is `failed` (retried), never `answered`; the CLI refuses an
unknown scenario."""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path

import psycopg
import pytest
import typer
from psycopg_pool import AsyncConnectionPool
from typer.testing import CliRunner

from calls.controller import Controller, ControllerOptions, LiveCall
from calls.preflight import CampaignPreflight
from commands import campaign as campaign_cmd
from services.ari.events import StasisStart
from services.errors import NotFoundError
from services.tts import CachedTts, EspeakTts
from tests.e2e.helpers import ManualClock
from tests.unit.test_controller import (
    ROBOT,
    TUESDAY_MORNING,
    FixedSession,
    Pbx,
    queue_row,
    running,
    seed,
    until,
)

pytestmark = pytest.mark.integration

Row = dict[str, object]
PHONES = ["+33612345601", "+33612345602", "+33612345603"]


class Voice:
    """A TTS engine that speaks (a short tone stands for speech) and counts its uses."""

    def __init__(self) -> None:
        self.uses = 0

    async def synthesize(self, text: str, voice: str) -> bytes:
        self.uses += 1
        return b"\x10\x00" * 1600


def campaign_row(conn: psycopg.Connection[Row]) -> Row:
    row = conn.execute("SELECT status, status_reason FROM campaigns").fetchone()
    assert row is not None
    return row


def controller_with(
    pool: AsyncConnectionPool, ari: Pbx, preflight: CampaignPreflight, sessions: object = None
) -> Controller:
    return Controller(
        pool=pool,
        ari=ari,
        events=ari.events(),
        options=ControllerOptions(robot_id=ROBOT, poll_interval_s=0.01, reap_interval_s=3600),
        session_factory=sessions or (lambda live: FixedSession()),  # type: ignore[arg-type]
        preflight=preflight,
        clock=ManualClock(TUESDAY_MORNING),
    )


async def assert_paused_and_nothing_dialled(
    conn: psycopg.Connection[Row], controller: Controller, ari: Pbx, rows: list[int], reason: str
) -> None:
    async with running(controller):
        await until(lambda: campaign_row(conn)["status"] == "paused")
        await until(lambda: all(queue_row(conn, q)["status"] == "pending" for q in rows))
    assert reason in str(campaign_row(conn)["status_reason"])
    assert ari.originated() == []
    for qid in rows:
        row = queue_row(conn, qid)
        assert (row["status"], row["attempt"], row["lease_owner"]) == ("pending", 0, None)
    assert conn.execute("SELECT count(*) AS n FROM calls").fetchone() == {"n": 0}


async def test_without_espeak_ng_the_campaign_is_paused_with_the_reason_and_nothing_dialled(
    conn: psycopg.Connection[Row], pool: AsyncConnectionPool, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    rows = seed(conn, PHONES, TUESDAY_MORNING)
    tts = CachedTts(EspeakTts(binary="espeak-ng-not-installed"), tmp_path)
    ari = Pbx()
    controller = controller_with(pool, ari, CampaignPreflight(tts, "fr", "fr"))
    await assert_paused_and_nothing_dialled(
        conn, controller, ari, rows, "espeak-ng-not-installed is not installed"
    )
    assert any("paused, nothing of it dialled" in r.getMessage() for r in caplog.records)


async def test_an_unknown_scenario_pauses_the_campaign(
    conn: psycopg.Connection[Row], pool: AsyncConnectionPool
) -> None:
    rows = seed(conn, PHONES, TUESDAY_MORNING)
    conn.execute("UPDATE campaigns SET scenario = 'no-such-scenario'")
    ari = Pbx()
    controller = controller_with(pool, ari, CampaignPreflight(Voice(), "fr", "fr"))
    await assert_paused_and_nothing_dialled(
        conn, controller, ari, rows, "no scenario named 'no-such-scenario'"
    )


async def test_a_passing_preflight_runs_once_per_campaign_and_warns_on_the_language(
    conn: psycopg.Connection[Row], pool: AsyncConnectionPool, caplog: pytest.LogCaptureFixture
) -> None:
    seed(conn, PHONES, TUESDAY_MORNING)
    answers = {
        f"PJSIP/{p}@trunk": lambda ch, args: [StasisStart(type="StasisStart", channel=ch)] for p in PHONES
    }
    ari = Pbx(scripts=answers)
    voice = Voice()
    controller = controller_with(pool, ari, CampaignPreflight(voice, "fr", "ko"))
    with caplog.at_level(logging.WARNING):
        async with running(controller):
            await asyncio.wait_for(controller.wait_settled(3), 10)
    assert voice.uses == 1 and len(ari.originated()) == 3
    assert campaign_row(conn) == {"status": "running", "status_reason": None}
    warnings = [r.getMessage() for r in caplog.records if "speech model is 'ko'" in r.getMessage()]
    assert len(warnings) == 1 and "speaks 'fr-FR'" in warnings[0]


class BrokenSession(FixedSession):
    async def run(self) -> None:
        raise RuntimeError("media never connected")


async def test_a_session_failing_on_our_side_is_failed_and_retried_never_answered(
    conn: psycopg.Connection[Row], pool: AsyncConnectionPool
) -> None:
    [qid] = seed(conn, PHONES[:1], TUESDAY_MORNING)
    answers = {f"PJSIP/{PHONES[0]}@trunk": lambda ch, args: [StasisStart(type="StasisStart", channel=ch)]}
    ari = Pbx(scripts=answers)

    def broken(live: LiveCall) -> BrokenSession:
        return BrokenSession()

    controller = controller_with(pool, ari, CampaignPreflight(Voice(), "fr", "fr"), broken)
    async with running(controller):
        await asyncio.wait_for(controller.wait_settled(1), 10)
    call = conn.execute("SELECT outcome, hangup_cause_text FROM calls").fetchone()
    assert call is not None and call["outcome"] == "failed"
    assert "RuntimeError: media never connected" in str(call["hangup_cause_text"])
    row = queue_row(conn, qid)
    assert (row["status"], row["last_result"], row["attempt"]) == (
        "pending",
        "failed",
        1,
    )  # retried by policy


def test_campaign_create_and_start_refuse_an_unknown_scenario(
    db_url: str, conn: psycopg.Connection[Row], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MINIBOT_DATABASE_URL", db_url)
    root = typer.Typer()
    root.add_typer(campaign_cmd.app, name="campaign")
    runner = CliRunner()
    created = runner.invoke(root, ["campaign", "create", "c1", "--scenario", "nope", "--profile", "none"])
    assert isinstance(created.exception, NotFoundError) and "no scenario named 'nope'" in str(
        created.exception
    )
    assert runner.invoke(root, ["campaign", "create", "c1", "--profile", "none"]).exit_code == 0
    conn.execute("UPDATE campaigns SET scenario = 'nope'")  # e.g. the file was removed since
    started = runner.invoke(root, ["campaign", "start", "c1"])
    assert isinstance(started.exception, NotFoundError)
    assert campaign_row(conn)["status"] == "draft"


def test_campaign_status_shows_why_the_robot_paused_it(
    db_url: str, conn: psycopg.Connection[Row], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MINIBOT_DATABASE_URL", db_url)
    seed(conn, PHONES[:1], TUESDAY_MORNING)
    conn.execute("UPDATE campaigns SET status = 'paused', status_reason = 'preflight failed: no TTS'")
    root = typer.Typer()
    root.add_typer(campaign_cmd.app, name="campaign")
    name = str(conn.execute("SELECT name FROM campaigns").fetchone()["name"])  # type: ignore[index]
    shown = CliRunner().invoke(root, ["campaign", "status", name])
    assert shown.exit_code == 0 and "preflight failed: no TTS" in shown.output
    as_json = CliRunner().invoke(root, ["campaign", "status", name, "--json"])
    assert json.loads(as_json.output)["status_reason"] == "preflight failed: no TTS"
