"""The booking dialogue on an in-memory diary: a whole booking, a counter-proposal, refusals that
fall back to a callback, a collision with another call, and a hangup during the confirmation."""

from __future__ import annotations

import asyncio
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from calls.booking import BookingDialog, MemorySlots
from commands.simulate_chat import DiaryBooker
from scenarios.chat import run_chat
from scenarios.engine import Engine
from scenarios.library import resolve
from scenarios.strings import DEFAULT_STRINGS

pytestmark = pytest.mark.unit
PARIS = ZoneInfo("Europe/Paris")
MONDAY_11H = datetime(2027, 1, 11, 11, 0, tzinfo=PARIS)


def dialog(source: MemorySlots | None = None, tz: str = "Europe/Paris") -> BookingDialog:
    return BookingDialog(source or MemorySlots(), "patrimoine", tz, dict(DEFAULT_STRINGS))


async def test_a_whole_booking() -> None:
    diary = MemorySlots()
    talk = dialog(diary)
    offer = await talk.start(MONDAY_11H)
    assert offer.say == (
        "Je peux vous proposer lundi 11 janvier à 14 h, ou mardi à 9 h. Qu'est-ce qui vous arrange ?"
    )
    confirm = await talk.hear("le deuxième", MONDAY_11H)
    assert confirm.say.startswith("Je récapitule : rendez-vous le mardi 12 janvier à 9 h avec Claire Martin")
    done = await talk.hear("oui c'est parfait", MONDAY_11H)
    assert done.outcome == "booked" and done.summary == "mardi 12 janvier à 9 h avec Claire Martin"
    assert "C'est noté : rendez-vous mardi 12 janvier à 9 h avec Claire Martin" in done.say
    assert diary.confirmed == {1}


async def test_a_counter_proposal_gets_the_nearest_fitting_slots() -> None:
    talk = dialog()
    await talk.start(MONDAY_11H)
    offer = await talk.hear("plutôt vendredi matin", MONDAY_11H)
    assert offer.say.startswith("Je peux vous proposer vendredi 15 janvier à 9 h, ou vendredi à 10 h")
    confirm = await talk.hear("10 h", MONDAY_11H)
    assert "vendredi 15 janvier à 10 h" in confirm.say


async def test_nothing_fits_after_two_rounds_falls_back() -> None:
    talk = dialog()
    await talk.start(MONDAY_11H)
    second = await talk.hear("ni l'un ni l'autre", MONDAY_11H)
    assert second.say.startswith("Je comprends. Je peux vous proposer") and second.outcome is None
    assert (await talk.hear("non plus", MONDAY_11H)).outcome == "no_slot"


async def test_a_counter_proposal_with_nothing_free_says_so() -> None:
    talk = dialog()
    await talk.start(MONDAY_11H)
    reply = await talk.hear("samedi matin", MONDAY_11H)  # the adviser does not work on Saturdays
    assert reply.say.startswith("Je n'ai malheureusement rien de libre à ce moment-là. Je peux vous proposer")


async def test_a_slot_taken_by_another_call_is_replaced() -> None:
    diary = MemorySlots()
    caller, other = dialog(diary), dialog(diary)
    await caller.start(MONDAY_11H)
    await other.start(MONDAY_11H)
    await other.hear("le premier", MONDAY_11H)  # the other call holds Monday 14 h first
    reply = await caller.hear("le premier", MONDAY_11H)
    assert reply.say.startswith("Ce créneau vient d'être pris, je suis désolé. Je peux vous proposer")
    assert "lundi 11 janvier à 14 h" not in reply.say


async def test_hanging_up_during_the_confirmation_releases_the_hold() -> None:
    diary = MemorySlots()
    talk = dialog(diary)
    await talk.start(MONDAY_11H)
    await talk.hear("le premier", MONDAY_11H)
    assert len(diary.taken) == 1
    await talk.release(MONDAY_11H)
    assert diary.taken == {} and diary.confirmed == set()
    assert (await dialog(diary).start(MONDAY_11H)).say.startswith(
        "Je peux vous proposer lundi 11 janvier à 14 h"
    )


async def test_times_are_spoken_in_the_callers_zone() -> None:
    talk = dialog(tz="Indian/Reunion")  # Paris + 3 h in winter
    offer = await talk.start(MONDAY_11H)
    assert offer.say.startswith("Je peux vous proposer lundi 11 janvier à 17 h")


async def test_a_no_to_the_confirmation_offers_again() -> None:
    talk = dialog()
    await talk.start(MONDAY_11H)
    await talk.hear("le premier", MONDAY_11H)
    reply = await talk.hear("non finalement", MONDAY_11H)
    assert reply.say.startswith("Je comprends. Je peux vous proposer") and talk.held is None


QUALIFIED = ["oui", "oui", "oui", "non", "non merci", "oui"]  # patrimoine up to the booking offer


def _chat(lines: list[str], diary: MemorySlots) -> tuple[str, str, str]:
    loop = asyncio.new_event_loop()
    out: list[str] = []
    feed = iter(lines)
    try:
        state = run_chat(
            Engine(resolve("patrimoine")),
            lambda: next(feed, None),
            out.append,
            now=lambda: MONDAY_11H,
            booker=DiaryBooker(loop, dict(DEFAULT_STRINGS), lambda: MONDAY_11H, diary),
        )
    finally:
        loop.close()
    return "\n".join(out), state.status, state.step


def test_chat_simulator_books_a_whole_appointment() -> None:
    diary = MemorySlots()
    text, status, step = _chat([*QUALIFIED, "le premier", "oui"], diary)
    assert "📅 booking an appointment (patrimoine)" in text
    assert "Je récapitule : rendez-vous le lundi 11 janvier à 14 h avec Claire Martin" in text
    assert "[BookingResult] book_meeting → goodbye_booked" in text
    assert (status, step) == ("qualified", "goodbye_booked") and diary.confirmed == {1}


def test_chat_simulator_counter_proposal_and_collision() -> None:
    diary = MemorySlots()
    _chat([*QUALIFIED, "le premier", "oui"], diary)  # an earlier call took Monday 14 h
    text, status, _ = _chat([*QUALIFIED, "plutôt mercredi après 16 h", "le premier", "oui"], diary)
    assert "Je peux vous proposer lundi 11 janvier à 15 h" in text  # 14 h is booked already
    assert "Je peux vous proposer mercredi 13 janvier à 16 h, ou mercredi à 17 h" in text
    assert "rendez-vous mercredi 13 janvier à 16 h avec Claire Martin" in text and status == "qualified"


def test_chat_simulator_falls_back_to_a_callback() -> None:
    text, status, _ = _chat([*QUALIFIED, "aucun", "ni l'un ni l'autre", "demain à 18 h"], MemorySlots())
    assert "book_meeting → ask_callback" in text
    assert status == "callback"
