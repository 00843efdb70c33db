"""The dashboard shows objections (#15): on the lead list and the call page, and which turn raised one."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import psycopg
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from dashboard.app import create_app
from tests.browser.dashboard_seed import Seed, dashboard_settings, seed
from tests.integration.test_dashboard_pages import login_as

pytestmark = pytest.mark.integration
Client = TestClient[web.Request, web.Application]
Conn = psycopg.Connection[dict[str, object]]


@pytest.fixture
def seeded(conn: Conn, tmp_path: Path) -> Seed:
    data = seed(conn, tmp_path / "rec")
    conn.execute("UPDATE turns SET objection = 'price' WHERE call_id = %s AND seq = 2", (data.ended_call_id,))
    conn.execute("UPDATE leads SET objections = '{price,spouse}' WHERE id = %s", (data.lead_ids[0],))
    return data


@pytest.fixture
async def client(db_url: str, tmp_path: Path, seeded: Seed) -> AsyncIterator[Client]:
    app = create_app(dashboard_settings(tmp_path), db_url, poll_seconds=0.05)
    async with TestClient(TestServer(app)) as c:
        yield c


async def test_objections_are_shown_on_the_lead_and_the_call(client: Client, seeded: Seed) -> None:
    await login_as(client, "viewer")
    leads = await (await client.get("/leads")).text()
    assert "Objections : le prix, doit en parler à son conjoint" in leads
    call = await (await client.get(f"/calls/{seeded.ended_call_id}")).text()
    assert '<dd id="objections">le prix, doit en parler à son conjoint</dd>' in call
    assert call.count('class="badge objection warn"') == 1  # the one turn that raised it
