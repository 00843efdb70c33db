"""The supervisor's review in headless Chromium, in French: from the queue to "qualified + assigned" with
keyboard shortcuts, the transcript following the recording; a screenshot of every page."""

from __future__ import annotations

from collections.abc import AsyncIterator

import psycopg
import pytest
from playwright.async_api import Browser, Page

from tests.browser.conftest import ARTIFACTS, login, shot
from tests.browser.dashboard_seed import Seed

pytestmark = pytest.mark.browser
Conn = psycopg.Connection[dict[str, object]]


@pytest.fixture
async def fr_page(browser: Browser) -> AsyncIterator[Page]:
    """A French browser on a laptop-sized screen."""
    context = await browser.new_context(
        locale="fr-FR", bypass_csp=True, viewport={"width": 1280, "height": 800}
    )
    page = await context.new_page()
    page.set_default_timeout(10_000)
    try:
        yield page
    finally:
        await context.close()


async def small_shot(page: Page, name: str) -> None:
    """A reduced copy of the page (60 %, same layout) for the docs: tests/artifacts/<name>-small.png."""
    browser = page.context.browser
    assert browser is not None
    context = await browser.new_context(
        locale="fr-FR",
        viewport={"width": 1280, "height": 800},
        device_scale_factor=0.6,
        storage_state=await page.context.storage_state(),
    )
    try:
        copy = await context.new_page()
        await copy.goto(page.url)
        await copy.screenshot(path=str(ARTIFACTS / f"{name}-small.png"))
    finally:
        await context.close()


async def playing(page: Page) -> str:
    """Id of the highlighted transcript turn."""
    return str(await page.evaluate("(document.querySelector('.turn.playing') || {}).id || ''"))


async def test_review_a_qualified_lead_with_the_keyboard(
    fr_page: Page, base_url: str, conn: Conn, seeded: Seed
) -> None:
    page = fr_page
    qualified, other = seeded.lead_ids
    conn.execute(
        'UPDATE leads SET answers = \'{"livret_a": {"intent": "no", "text": "non pas du tout"}}\''
        " WHERE id = %s",
        (qualified,),
    )
    conn.execute("UPDATE turns SET objection = 'already_adviser' WHERE seq = 4")
    await login(page, base_url, "supervisor")
    assert await page.locator("html").get_attribute("lang") == "fr"
    await shot(page, "fr-campaigns")
    for path, name in (
        (f"/campaigns/{seeded.campaign_id}", "fr-campaign"),
        ("/calls", "fr-calls"),
        ("/leads", "fr-leads"),
        (f"/calls/{seeded.ended_call_id}", "fr-call"),
        ("/live", "fr-live"),
    ):
        await page.goto(base_url + path)
        await shot(page, name)
        if name == "fr-campaign":
            await small_shot(page, name)

    await page.goto(f"{base_url}/review")
    assert await page.locator(".queue-item").first.get_attribute("data-lead") == str(qualified)
    await shot(page, "fr-review")
    await small_shot(page, "fr-review")
    await page.keyboard.press("n")  # open the first lead of the queue
    await page.wait_for_url(f"{base_url}/leads/{qualified}")

    # the transcript follows the recording
    await page.wait_for_function("document.getElementById('player').readyState >= 2")
    await page.click("#turn-4")  # caller turn from 2.6 s
    await page.wait_for_function("Math.abs(document.getElementById('player').currentTime - 2.6) < 0.3")
    assert await playing(page) == "turn-4"
    await page.evaluate("const p = document.getElementById('player'); p.pause(); p.currentTime = 2.1")
    await page.wait_for_function("document.querySelector('.turn.playing').id === 'turn-3'")  # bot turn 2.0 s
    await page.keyboard.press("j")  # next turn
    await page.wait_for_function("document.querySelector('.turn.playing').id === 'turn-4'")
    await page.keyboard.press("k")  # previous turn
    await page.wait_for_function("document.querySelector('.turn.playing').id === 'turn-3'")
    await shot(page, "fr-lead")
    await small_shot(page, "fr-lead")

    # A: assign to an adviser, Enter submits
    await page.keyboard.press("a")
    assert await page.evaluate("document.activeElement.id") == "assign-select"
    await page.select_option("#assign-select", label="supervisor@example.com")
    async with page.expect_navigation():
        await page.keyboard.press("Enter")
    assert await page.locator("#lead-assignee").inner_text() == "supervisor@example.com"

    # Q: qualify, and the next lead of the queue opens
    await page.locator("body").click(position={"x": 5, "y": 300})  # leave any field
    async with page.expect_navigation():
        await page.keyboard.press("q")
    assert page.url == f"{base_url}/leads/{other}"
    row = conn.execute(
        "SELECT l.review_decision, u.email FROM leads l JOIN users u ON u.id = l.assigned_to WHERE l.id = %s",
        (qualified,),
    ).fetchone()
    assert row == {"review_decision": "qualified", "email": "supervisor@example.com"}
    audit = [r["action"] for r in conn.execute("SELECT action FROM audit_log ORDER BY id").fetchall()]
    assert audit == ["lead.assign", "lead.qualified"]
