"""AMD mode ``asterisk``: the controller originates into the AMD dialplan context and hands the
session Asterisk's AMDSTATUS/AMDCAUSE, from the Stasis args or else from the channel variables."""

from __future__ import annotations

from dataclasses import dataclass, field

import psycopg
import pytest
from psycopg_pool import AsyncConnectionPool

from calls.controller import AMD_CONTEXT, LiveCall
from campaigns.models import CampaignSettings
from services.ari.events import StasisStart
from services.ari.models import Channel
from tests.e2e.helpers import ManualClock, seed_campaign
from tests.unit.test_controller import TUESDAY_MORNING, FixedSession, Pbx, controller_for, running, until

pytestmark = pytest.mark.unit
Row = dict[str, object]


@dataclass
class AmdPbx(Pbx):
    """Records originate keyword arguments; answers each call with the given Stasis args tail."""

    args_tail: tuple[str, ...] = ()
    variables_set: dict[str, str] = field(default_factory=dict)
    originates: list[dict[str, object]] = field(default_factory=list)

    async def originate(self, endpoint: str, **kwargs: object) -> Channel:
        self.originates.append(kwargs)
        channel = await super().originate(endpoint, **kwargs)
        for name, value in self.variables_set.items():
            self.variables[(channel.id, name)] = value
        call = dict(kwargs.get("variables") or {}).get("MINIBOT_CALL", "")  # type: ignore[call-overload]
        self.emit(StasisStart(type="StasisStart", channel=channel, args=(str(call), *self.args_tail)))
        return channel


async def answered_with(
    pool: AsyncConnectionPool, conn: psycopg.Connection[Row], ari: AmdPbx, mode: str = "asterisk"
) -> LiveCall:
    seed_campaign(conn, "amd", ["+33612345678"], CampaignSettings(compliance_profile="none", amd_mode=mode),
                  TUESDAY_MORNING)  # fmt: skip
    seen: list[LiveCall] = []

    def session(live: LiveCall) -> FixedSession:
        seen.append(live)
        return FixedSession()

    async with running(controller_for(pool, ari, ManualClock(TUESDAY_MORNING), session)):
        await until(lambda: bool(seen))
    return seen[0]


async def test_asterisk_mode_originates_into_the_amd_context_and_reads_the_stasis_args(
    pool: AsyncConnectionPool, conn: psycopg.Connection[Row]
) -> None:
    ari = AmdPbx(args_tail=("MACHINE", "MAXWORDS-3-2"))
    live = await answered_with(pool, conn, ari)
    assert live.asterisk_amd == ("MACHINE", "MAXWORDS-3-2")
    sent = ari.originates[0]
    assert sent["context"] == AMD_CONTEXT
    assert sent["variables"]["MINIBOT_CALL"] == str(live.call_id)  # type: ignore[index]


async def test_asterisk_mode_falls_back_to_the_channel_variables(
    pool: AsyncConnectionPool, conn: psycopg.Connection[Row]
) -> None:
    ari = AmdPbx(variables_set={"AMDSTATUS": "HUMAN", "AMDCAUSE": "HUMAN-500-500"})
    live = await answered_with(pool, conn, ari)
    assert live.asterisk_amd == ("HUMAN", "HUMAN-500-500")


async def test_other_modes_dial_straight_into_the_app(
    pool: AsyncConnectionPool, conn: psycopg.Connection[Row]
) -> None:
    ari = AmdPbx(args_tail=("MACHINE", "LONGGREETING"))
    live = await answered_with(pool, conn, ari, mode="hybrid")
    assert ari.originates[0]["context"] is None and live.asterisk_amd == ("", "")
