"""Dashboard in headless Chromium: login, leads filter, call detail with audio, live updates, CSV export."""

from __future__ import annotations

import psycopg
import pytest
from playwright.async_api import Page

from tests.browser.conftest import login, shot
from tests.browser.dashboard_seed import Seed

pytestmark = pytest.mark.browser
Conn = psycopg.Connection[dict[str, object]]


async def test_filter_leads_open_call_and_play_recording(page: Page, base_url: str, seeded: Seed) -> None:
    await login(page, base_url, "supervisor")
    await shot(page, "campaigns")
    await page.goto(f"{base_url}/leads")
    assert await page.locator("tr.lead").count() == 2
    await page.select_option("select[name=status]", "qualified")
    await page.click("#apply-filters")
    await page.wait_for_url("**/leads?*status=qualified*")
    rows = page.locator("tr.lead")
    assert await rows.count() == 1
    assert await rows.locator(".lead-status").inner_text() == "qualified"
    await shot(page, "leads-filtered")
    await rows.locator("a.open-call").click()
    await page.wait_for_url(f"{base_url}/calls/{seeded.ended_call_id}")
    await page.wait_for_function("document.getElementById('player').readyState >= 2")
    await page.click("#turn-4")  # caller turn starting at 2600 ms
    await page.wait_for_function("Math.abs(document.getElementById('player').currentTime - 2.6) < 0.3")
    await page.evaluate("document.getElementById('player').play()")
    await page.wait_for_function("document.getElementById('player').currentTime > 2.75")
    assert await page.locator("#amd").inner_text() == "human (Reason: speech then silence)"
    await shot(page, "call-detail")


async def test_live_page_follows_new_turns_and_calls(
    page: Page, base_url: str, conn: Conn, seeded: Seed
) -> None:
    await login(page, base_url, "viewer")
    await page.goto(f"{base_url}/live")
    await page.wait_for_selector(f"#live-call-{seeded.live_call_id}")
    conn.execute(
        "INSERT INTO turns (call_id, seq, speaker, text) VALUES (%s, 1, 'caller', 'oui je vous écoute')",
        (seeded.live_call_id,),
    )
    turn = await page.wait_for_selector(f"#live-call-{seeded.live_call_id} li.turn.caller")
    assert turn is not None and "oui je vous écoute" in await turn.inner_text()
    row = conn.execute(
        "INSERT INTO calls (campaign_id, status, current_step) VALUES (%s, 'ringing', NULL) RETURNING id",
        (seeded.campaign_id,),
    ).fetchone()
    assert row
    await page.wait_for_selector(f"#live-call-{row['id']}")
    # a call that arrives live reads like the ones rendered by the server (same header, translated status)
    server = await page.inner_text(f"#live-call-{seeded.live_call_id} h2")
    pushed = await page.inner_text(f"#live-call-{row['id']} h2")
    assert server.startswith(f"Call {seeded.live_call_id} · Alpha")
    assert pushed.startswith(f"Call {row['id']} · Alpha")
    assert await page.inner_text(f"#live-call-{row['id']} .call-status") == "ringing"
    assert await page.inner_text(f"#live-call-{seeded.live_call_id} .call-status") == "in conversation"
    conn.execute("UPDATE calls SET current_step = 'q1' WHERE id = %s", (seeded.live_call_id,))
    await page.wait_for_function(
        f"document.querySelector('#live-call-{seeded.live_call_id} .call-step').textContent === 'q1'"
    )
    await shot(page, "live")
    conn.execute("UPDATE calls SET status = 'ended' WHERE id = %s", (row["id"],))
    await page.wait_for_selector(f"#live-call-{row['id']}", state="detached")


async def test_export_csv_downloads_the_filtered_leads(page: Page, base_url: str, seeded: Seed) -> None:
    await login(page, base_url, "supervisor")
    await page.goto(f"{base_url}/leads?status=not_interested")
    async with page.expect_download() as info:
        await page.click("#export-csv")
    download = await info.value
    assert download.suggested_filename == "leads.csv"
    path = await download.path()
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].startswith("id;created_at;campaign;status")
    assert len(lines) == 2 and ";not_interested;" in lines[1]


async def test_viewer_sees_masked_numbers_and_no_controls(page: Page, base_url: str, seeded: Seed) -> None:
    await login(page, base_url, "viewer")
    await page.goto(f"{base_url}/leads")
    phones = await page.locator("tr.lead td.phone").all_inner_texts()
    assert phones == ["+33*****1234", "+33*****1234"]
    assert await page.locator("#export-csv").count() == 0
    await page.goto(f"{base_url}/campaigns")
    assert await page.locator("form[action$='/start']").count() == 0
