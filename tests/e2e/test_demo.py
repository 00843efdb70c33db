"""`minibot demo` dials its campaign end to end: every persona ends with the outcome it should."""

from __future__ import annotations

from pathlib import Path

import pytest

from calls.demo import run_demo
from calls.runner import scenario_conversation
from services.config import load_settings

pytestmark = pytest.mark.e2e

EXPECTED = {"01": "busy", "03": "no_answer", "04": "invalid_number", "05": "machine"}


async def test_demo_campaign_settles_every_persona(db_url: str, tmp_path: Path) -> None:
    settings = load_settings(
        {},
        database_url=db_url,
        data_dir=tmp_path,
        recordings_dir=tmp_path / "rec",
        tts_cache_dir=tmp_path / "tts",
    )
    seen: list[tuple[int, int]] = []
    result = await run_demo(
        settings, scenario_conversation(settings), lambda done, total: seen.append((done, total))
    )

    assert result.imported.imported == 8
    assert seen[-1] == (8, 8)
    by_suffix = {str(row["phone"])[-2:]: row for row in result.outcomes}
    for suffix, outcome in EXPECTED.items():
        assert by_suffix[suffix]["outcome"] == outcome, by_suffix[suffix]
    humans = [row for suffix, row in by_suffix.items() if suffix not in EXPECTED]
    assert all(row["outcome"] == "answered" and row["amd_result"] == "human" for row in humans)
    assert all(int(row["turns"]) >= 2 for row in humans)  # the bot spoke and heard the caller
    assert {str(lead["phone"])[-2:] for lead in result.leads} >= {"10", "11"}
    recordings = sorted((tmp_path / "rec").glob("*.wav"))
    assert len(recordings) >= len(humans)
