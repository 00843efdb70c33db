"""Browser-test fixtures: the dashboard served on a real port with seeded data, and headless Chromium."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import psycopg
import pytest
from aiohttp.test_utils import TestServer
from playwright.async_api import Browser, Page, async_playwright

from dashboard.app import create_app
from tests.browser.dashboard_seed import PASSWORD, Seed, dashboard_settings, seed

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
]  # fmt: skip
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"


@pytest.fixture
def seeded(conn: psycopg.Connection[dict[str, object]], tmp_path: Path) -> Seed:
    return seed(conn, tmp_path / "rec")


@pytest.fixture
async def base_url(db_url: str, tmp_path: Path, seeded: Seed) -> AsyncIterator[str]:
    """URL of a dashboard bound to a free local port."""
    server = TestServer(create_app(dashboard_settings(tmp_path), db_url, poll_seconds=0.2))
    await server.start_server()
    try:
        yield str(server.make_url("")).rstrip("/")
    finally:
        await server.close()


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as pw:
        chromium = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            await chromium.close()


@pytest.fixture
async def page(browser: Browser) -> AsyncIterator[Page]:
    # bypass_csp: the page CSP forbids eval, which wait_for_function needs; CSP is tested in integration
    context = await browser.new_context(accept_downloads=True, locale="en-US", bypass_csp=True)
    new_page = await context.new_page()
    new_page.set_default_timeout(10_000)
    try:
        yield new_page
    finally:
        await context.close()


async def login(page: Page, base_url: str, role: str) -> None:
    """Log in through the form as the seeded user of ``role``."""
    await page.goto(f"{base_url}/login")
    await page.fill("input[name=email]", f"{role}@example.com")
    await page.fill("input[name=password]", PASSWORD)
    await page.click("#login-submit")
    await page.wait_for_url(f"{base_url}/campaigns")


async def shot(page: Page, name: str) -> None:
    """Save a screenshot under tests/artifacts/ (gitignored)."""
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
