"""Whether a campaign dials now and why not, as the campaign page says it (French and English)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from campaigns.schedule import CampaignSchedule, parse_window
from dashboard.errors import Problem
from dashboard.schedule_page import dialling, plan_from_form, window_label

WEEKDAY_MORNINGS = CampaignSchedule(
    starts_at=datetime(2027, 1, 4, 8, 0, tzinfo=UTC),
    ends_at=datetime(2027, 3, 1, 18, 0, tzinfo=UTC),
    windows=(parse_window("mon-fri 10:00-12:30"),),
    holidays_country="FR",
)
OPEN = (True, "")


def why(status: str, at: datetime, gate: tuple[bool, str] = OPEN, lang: str = "fr") -> tuple[bool, list[str]]:
    return dialling(lang, status=status, plan=WEEKDAY_MORNINGS, gate=gate, now=at, bloctel_limit=60)


def test_running_inside_its_window_dials() -> None:
    assert why("running", datetime(2027, 1, 5, 10, 0, tzinfo=UTC)) == (True, [])  # Tuesday 11:00 Paris


@pytest.mark.parametrize(
    ("at", "reason"),
    [
        (datetime(2027, 1, 3, 10, 0, tzinfo=UTC), "le planning commence le 04/01/2027 09:00"),
        (datetime(2027, 3, 2, 10, 0, tzinfo=UTC), "le planning a pris fin le 01/03/2027 19:00"),
        (datetime(2027, 1, 5, 7, 0, tzinfo=UTC), "hors des plages d'appel (lun-ven 10:00-12:30)"),
        (
            datetime(2027, 1, 9, 10, 0, tzinfo=UTC),
            "hors des plages d'appel (lun-ven 10:00-12:30)",
        ),  # Saturday
        (datetime(2027, 3, 29, 10, 0, tzinfo=UTC), "le planning a pris fin le 01/03/2027 19:00"),
    ],
)
def test_a_closed_schedule_says_why(at: datetime, reason: str) -> None:
    dials, reasons = why("running", at, gate=(False, "closed by the scheduler"))
    assert not dials and reasons == [reason]


def test_a_public_holiday_is_named() -> None:
    plan = CampaignSchedule(holidays_country="FR")
    dials, reasons = dialling(
        "fr",
        status="running",
        plan=plan,
        gate=(False, "public holiday"),
        now=datetime(2027, 5, 1, 9, 0, tzinfo=UTC),
        bloctel_limit=60,
    )
    assert not dials and len(reasons) == 1 and reasons[0].startswith("jour férié (")


def test_a_paused_campaign_and_a_stale_bloctel_list_are_reasons_too() -> None:
    tuesday = datetime(2027, 1, 5, 10, 0, tzinfo=UTC)
    assert why("paused", tuesday) == (False, ["la campagne est en pause"])
    stale = (False, "the Bloctel list is 75 days old (limit 60): import a fresh list")
    dials, reasons = why("running", tuesday, gate=stale)
    assert not dials and reasons == [
        "la liste Bloctel a plus de 60 jours : importez une liste récente "
        "(minibot dnc import FICHIER --source bloctel)"
    ]


def test_a_new_schedule_not_applied_yet_is_said_so() -> None:
    tuesday_early = datetime(2027, 1, 5, 7, 0, tzinfo=UTC)
    dials, reasons = why("running", tuesday_early, gate=OPEN, lang="en")
    assert dials  # the gate is still open until the scheduler's next pass
    assert reasons == [
        "outside the run windows (mon-fri 10:00-12:30)",
        "the scheduler applies the new schedule within 30 seconds",
    ]


def test_windows_read_in_french_and_written_back() -> None:
    window = parse_window("mon-wed,fri 09:00-12:00")
    assert window_label("fr", window) == "lun-mer,ven 09:00-12:00"
    assert parse_window(window_label("fr", window)) == window
    plan = plan_from_form({"windows": "lun-ven 10:00-12:30\n\n", "timezone": "America/Martinique",
                           "starts_at": "2027-01-04T09:00", "holidays": "FR-972"})  # fmt: skip
    assert plan.starts_at == datetime(2027, 1, 4, 13, 0, tzinfo=UTC)  # 09:00 in Martinique
    assert [str(w) for w in plan.windows] == ["mon-fri 10:00-12:30"]
    for bad in ({"windows": "tous les jours"}, {"timezone": "Europe/Atlantis"}, {"starts_at": "lundi"}):
        with pytest.raises(Problem) as refused:
            plan_from_form(bad)
        assert refused.value.status == 422
