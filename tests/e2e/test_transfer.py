"""A qualified caller is handed to a human adviser through the simulated PBX (see tests/e2e/scripted.py).

The adviser is a second simulated persona behind ``PJSIP/conseiller@trunk``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from psycopg_pool import AsyncConnectionPool

from scenarios.schema import parse_yaml, scenario_from_dict
from services.simulator.personas import Persona
from tests.e2e.scripted import (
    ADVISER_ENDPOINT,
    CALLER,
    Conn,
    bot_steps,
    destroyed_channels,
    run_scripted_call,
)

pytestmark = pytest.mark.e2e

ANSWER = "Oui, je veux bien."
SCENARIO = scenario_from_dict(
    parse_yaml(
        """\
name: passage
start: offer
on_machine: hangup
transfer_endpoint: "PJSIP/conseiller@trunk"
qualify: {min_score: 1, status_if_met: qualified, status_otherwise: not_interested}
steps:
  offer:
    say: {text: "Un conseiller peut vous rappeler. Voulez-vous lui parler maintenant ?"}
    timeout_s: 6
    answer_key: wants_adviser
    score: {yes: 1}
    on: {yes: transfer, no: bye, unknown: bye, no_match: bye, silence: bye}
  transfer:
    say: {text: "Parfait, je vous mets en relation. Ne quittez pas."}
    action: transfer
    status: qualified
  bye:
    say: {text: "Au revoir."}
    action: hangup
"""
    ),
    "passage.yaml",
)


async def test_qualified_caller_talks_with_the_adviser_until_the_adviser_hangs_up(
    pool: AsyncConnectionPool, conn: Conn, tmp_path: Path
) -> None:
    adviser = Persona(name="adviser", answer_after_s=1.0, greeting=None, lines=(), hangup_after_s=3.0)
    run = await run_scripted_call(pool, conn, tmp_path, SCENARIO, [ANSWER], adviser=adviser)

    call = run.call
    assert (call["transfer_endpoint"], call["transfer_result"]) == (ADVISER_ENDPOINT, "connected")
    assert call["outcome"] == "answered" and run.controller.stats.outcomes == {"answered": 1}
    assert call["lead_status"] == "qualified"
    assert call["answers"] == {"wants_adviser": {"intent": "yes", "text": ANSWER}}
    assert bot_steps(conn, call["id"]) == ["offer", "transfer"]

    callee, leg = str(call["channel_id"]), str(call["channel_id"]) + "-xfer"
    # the bot leaves the bridge, the adviser hangs up first, then the robot hangs the callee up
    assert destroyed_channels(run.events) == [callee + "-media", leg, callee]
    leg_start = next(e for e in run.events if e["type"] == "StasisStart" and e["channel"]["id"] == leg)
    assert leg_start["args"] == ["transfer", str(call["id"])]
    assert leg_start["channel"]["caller"]["number"] == CALLER
    end = next(e for e in run.events if e["type"] == "ChannelDestroyed" and e["channel"]["id"] == callee)
    assert end["cause"] == 16


async def test_busy_adviser_gets_an_apology_and_the_lead_stays_qualified(
    pool: AsyncConnectionPool, conn: Conn, tmp_path: Path
) -> None:
    adviser = Persona(name="adviser", outcome="busy", answer_after_s=0.5)
    run = await run_scripted_call(pool, conn, tmp_path, SCENARIO, [ANSWER], adviser=adviser)

    call = run.call
    assert run.controller.stats.outcomes == {"answered": 1}
    assert call["transfer_endpoint"] == ADVISER_ENDPOINT
    assert str(call["transfer_result"]) == "adviser unreachable: User busy"
    assert call["outcome"] == "answered" and call["lead_status"] == "qualified"
    assert bot_steps(conn, call["id"]) == ["offer", "transfer", "transfer_failed"]
    callee = str(call["channel_id"])
    destroyed = destroyed_channels(run.events)
    assert destroyed[0] == callee + "-xfer" and destroyed[-1] == callee
