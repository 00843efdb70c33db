"""A supervisor in headless Chromium, in French: moves a booked appointment, sees it on the lead, and
sets the campaign's schedule; a screenshot of each page (tests/artifacts/fr-appointments*.png...)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import psycopg
import pytest
from playwright.async_api import Browser, Page

from campaigns import advisers
from campaigns.advisers import AdviserInput
from tests.browser.conftest import login, shot
from tests.browser.dashboard_seed import Seed

pytestmark = pytest.mark.browser
Conn = psycopg.Connection[dict[str, object]]


@pytest.fixture
async def fr_page(browser: Browser) -> AsyncIterator[Page]:
    context = await browser.new_context(
        locale="fr-FR", bypass_csp=True, viewport={"width": 1280, "height": 800}
    )
    page = await context.new_page()
    page.set_default_timeout(10_000)
    try:
        yield page
    finally:
        await context.close()


async def test_move_an_appointment_see_it_on_the_lead_and_schedule_the_campaign(
    fr_page: Page, base_url: str, conn: Conn, seeded: Seed
) -> None:
    page = fr_page
    claire = advisers.add(
        conn,  # type: ignore[arg-type]
        AdviserInput("Claire Martin", title="conseillère patrimoniale", hours=("mon-fri 09:00-12:30",)),
    )
    row = conn.execute(
        "INSERT INTO appointments (adviser_id, campaign_id, call_id, contact_id, starts_at, ends_at,"
        " blocked_until, status) VALUES (%s, %s, %s, %s, %s, %s, %s, 'confirmed') RETURNING id",
        (
            claire["id"],
            seeded.campaign_id,
            seeded.ended_call_id,
            seeded.contact_id,
            datetime(2027, 1, 6, 9, 0, tzinfo=UTC),
            datetime(2027, 1, 6, 9, 45, tzinfo=UTC),
            datetime(2027, 1, 6, 10, 0, tzinfo=UTC),
        ),
    ).fetchone()
    assert row
    await login(page, base_url, "supervisor")
    await page.click("nav >> text=Rendez-vous")
    await page.wait_for_url(f"{base_url}/appointments")
    assert "06/01/2027 10:00" in await page.inner_text("#appointments")
    await shot(page, "fr-appointments")
    await page.fill(".move-form input[name=starts_at]", "2027-01-08T11:00")
    await page.click(".move-form button")
    await page.wait_for_url(f"{base_url}/appointments")
    assert "08/01/2027 11:00" in await page.inner_text("#appointments")

    await page.click(f"#appointments a[href='/leads/{seeded.lead_ids[0]}']")
    card = page.locator("#lead-appointment")
    assert "confirmé" in await card.inner_text() and "08/01/2027 11:00" in await card.inner_text()
    await shot(page, "fr-lead-appointment")
    await page.goto(f"{base_url}/review")
    assert "RDV 08/01/2027 11:00" in await page.inner_text(f"[data-lead='{seeded.lead_ids[0]}']")

    await page.goto(f"{base_url}/advisers")
    assert "lun-ven 09:00-12:30" in await page.inner_text("#advisers")
    await shot(page, "fr-advisers")

    await page.goto(f"{base_url}/campaigns/{seeded.campaign_id}")
    await page.fill("#schedule-form textarea[name=windows]", "lun-ven 10:00-12:30\nlun-ven 17:00-19:30")
    await page.fill("#schedule-form input[name=starts_at]", "2099-01-05T09:00")
    await page.click("#schedule-form button.primary")
    await page.wait_for_url(f"{base_url}/campaigns/{seeded.campaign_id}")
    schedule = await page.inner_text("#schedule")
    assert "lun-ven 10:00-12:30, lun-ven 17:00-19:30" in schedule
    assert "le planning commence le 05/01/2099 09:00" in schedule
    await page.locator("#schedule").scroll_into_view_if_needed()
    await shot(page, "fr-campaign-schedule")
