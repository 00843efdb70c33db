"""Booking in French: offers read aloud, and a table of caller answers to an offer of two slots."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from scenarios.booking import (
    Counter,
    Pick,
    Preference,
    Refuse,
    Unclear,
    confirm_text,
    is_yes,
    offer_text,
    understand,
)

pytestmark = pytest.mark.unit
PARIS = ZoneInfo("Europe/Paris")
TODAY = date(2027, 1, 11)  # a Monday
TUESDAY_10H = datetime(2027, 1, 12, 10, 0, tzinfo=PARIS)
THURSDAY_15H30 = datetime(2027, 1, 14, 15, 30, tzinfo=PARIS)
OFFERED = (TUESDAY_10H, THURSDAY_15H30)


def test_offer_reads_like_a_person() -> None:
    assert offer_text(OFFERED) == (
        "Je peux vous proposer mardi 12 janvier à 10 h, ou jeudi à 15 h 30. Qu'est-ce qui vous arrange ?"
    )
    later = datetime(2027, 1, 26, 12, 0, tzinfo=PARIS)
    assert "ou mardi 26 janvier à midi" in offer_text((TUESDAY_10H, later))
    assert offer_text((TUESDAY_10H,)).endswith("Est-ce que cela vous convient ?")
    assert confirm_text(THURSDAY_15H30, "Claire Martin", "conseillère patrimoniale") == (
        "Je récapitule : rendez-vous le jeudi 14 janvier à 15 h 30 avec Claire Martin, "
        "votre conseillère patrimoniale. C'est bien d'accord ?"
    )


ANSWERS: list[tuple[str, object]] = [
    ("le premier", Pick(0)),
    ("la première", Pick(0)),
    ("le premier créneau", Pick(0)),
    ("euh le premier ça ira", Pick(0)),
    ("le deuxième", Pick(1)),
    ("le second", Pick(1)),
    ("plutôt le deuxième", Pick(1)),
    ("le dernier", Pick(1)),
    ("mardi", Pick(0)),
    ("mardi c'est parfait", Pick(0)),
    ("va pour mardi", Pick(0)),
    ("jeudi", Pick(1)),
    ("jeudi ça me va", Pick(1)),
    ("plutôt jeudi", Pick(1)),
    ("à 10 h", Pick(0)),
    ("dix heures", Pick(0)),
    ("10h c'est bien", Pick(0)),
    ("15 h 30", Pick(1)),
    ("quinze heures trente", Pick(1)),
    ("celui de l'après-midi", Pick(1)),
    ("plutôt l'après-midi", Pick(1)),
    ("l'aprem", Pick(1)),
    ("le matin", Pick(0)),
    ("celui du matin ça m'arrange", Pick(0)),
    ("peu importe", Pick(0)),
    ("comme vous voulez", Pick(0)),
    ("n'importe lequel", Pick(0)),
    ("ni l'un ni l'autre", Refuse()),
    ("aucun des deux", Refuse()),
    ("non ça ne m'arrange pas", Refuse()),
    ("non", Refuse()),
    ("je peux pas", Refuse()),
    ("plutôt vendredi matin", Counter(Preference(weekday=4, part="morning"))),
    ("vendredi", Counter(Preference(weekday=4))),
    ("la semaine prochaine après 17 h", Counter(Preference(after=time(17), from_date=date(2027, 1, 18)))),
    ("mercredi après 14 heures", Counter(Preference(weekday=2, after=time(14)))),
    ("lundi prochain en fin de journée", Counter(Preference(weekday=0, part="evening"))),
    ("plutôt en soirée", Counter(Preference(part="evening"))),
    ("avant midi", Pick(0)),  # only Tuesday 10 h is before noon
    ("plutôt avant 9 h 30", Counter(Preference(before=time(9, 30)))),
    ("le 20 vers 11 h", Counter(Preference(day=date(2027, 1, 20), at=time(11)))),
    ("demain à 9 h", Counter(Preference(day=date(2027, 1, 12), at=time(9)))),
    ("non plutôt jeudi matin", Counter(Preference(weekday=3, part="morning"))),
    ("pas mardi, jeudi", Pick(1)),
    ("euh", Unclear()),
    ("je sais pas trop", Unclear()),
    ("", Unclear()),
]


@pytest.mark.parametrize(("text", "expected"), ANSWERS, ids=[t or "(empty)" for t, _ in ANSWERS])
def test_answers_to_an_offer(text: str, expected: object) -> None:
    assert understand(text, OFFERED, TODAY) == expected


def test_the_table_is_big_enough() -> None:
    assert len(ANSWERS) >= 40


def test_a_single_offer_takes_a_plain_yes() -> None:
    assert understand("oui", OFFERED[:1], TODAY) == Pick(0)
    assert understand("oui", OFFERED, TODAY) == Unclear()  # which one?


@pytest.mark.parametrize(
    ("text", "yes"),
    [
        ("oui", True),
        ("oui c'est ça", True),
        ("parfait", True),
        ("d'accord", True),
        ("ouais ça marche", True),
        ("non", False),
        ("non pas du tout", False),
        ("pas d'accord", False),
        ("euh attendez", False),
    ],
)
def test_confirmation(text: str, yes: bool) -> None:
    assert is_yes(text) is yes
