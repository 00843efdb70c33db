"""Typed conversation with the engine (``minibot simulate chat``): the loop, I/O via callbacks.

Each typed line is classified (keyword fast path by default), fed to the engine as an
:class:`Intent`, and the bot's answer is written with the intent, confidence and step taken.
Special inputs: an empty line is silence; ``/machine``, ``/bargein``, ``/hangup``, ``/timeout``.
End of input hangs up.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from scenarios.engine import (
    Action,
    AddDnc,
    AmdVerdict,
    BargeIn,
    Book,
    BookingResult,
    CallState,
    EndCall,
    Engine,
    Event,
    Finish,
    Hangup,
    Intent,
    LeaveVoicemail,
    NluContext,
    Say,
    ScheduleCallback,
    Silence,
    StopSpeaking,
    Timeout,
    Transfer,
)
from services.nlp.keywords import classify


@dataclass(frozen=True)
class Understood:
    """What the classifier made of a typed line."""

    intent: str
    confidence: float
    sentiment: str = "neutral"
    entities: Mapping[str, str] | None = None
    source: str = "fast"  # "fast" (keywords), "llm" or "fallback" (the model failed or was not trusted)


Classifier = Callable[[str, NluContext], Understood]

BOOKING_INTERRUPTIONS = ("do_not_call", "insult", "wrong_person", "who_are_you")


@dataclass(frozen=True)
class BookingTurn:
    """What the booking dialogue says, and how it ended (``booked`` / ``no_slot``) when it did."""

    say: str
    outcome: str | None = None
    summary: str = ""


class Booker(Protocol):
    """Runs the booking dialogue of a ``book`` step (the advisers' diary lives outside scenarios)."""

    def start(self, skill: str) -> BookingTurn:
        """The first offer."""

    def hear(self, text: str) -> BookingTurn:
        """The caller's answer ("" for silence)."""


COMMANDS: dict[str, Event] = {
    "/machine": AmdVerdict("machine"),
    "/bargein": BargeIn(),
    "/hangup": Hangup(),
    "/timeout": Timeout("max_duration"),
}


def keyword_classifier(text: str, context: NluContext) -> Understood:
    """The fast path alone, with the step's keywords, allowed intents and the scenario's objections."""
    result = classify(text, context.keywords, context.allowed, context.objections)
    return Understood(result.intent, result.confidence, result.sentiment)


def describe(action: Action) -> str:
    """One printable line for an action."""
    match action:
        case Say(text=text, audio=audio):
            return f"🤖 {text}" + (f"  [audio {audio}]" if audio else "")
        case StopSpeaking():
            return "   (bot stops speaking)"
        case EndCall(reason=reason):
            return f"   ☎ hang up ({reason})"
        case Transfer(endpoint=endpoint):
            return f"   ☎ transfer to {endpoint}"
        case ScheduleCallback(at=at, text=text):
            return f"   ⏰ callback {at.isoformat() if at else 'time not understood'} ({text!r})"
        case AddDnc():
            return "   ⛔ number added to the do-not-call list"
        case LeaveVoicemail(text=text):
            return f"   📼 voicemail: {text}"
        case Book(skill=skill):
            return f"   📅 booking an appointment ({skill or 'any adviser'})"
        case Finish(status=status, score=score, answers=answers, sentiment=sentiment, objections=objections):
            listed = ", ".join(f"{k}={v.get('intent')}" for k, v in answers.items()) or "none"
            raised = f", objections: {', '.join(objections)}" if objections else ""
            return f"   ✔ lead {status}, score {score}, sentiment {sentiment}, answers: {listed}{raised}"
    return repr(action)  # pragma: no cover - every action is listed above


def run_chat(
    engine: Engine,
    read: Callable[[], str | None],
    write: Callable[[str], None],
    *,
    contact_vars: Mapping[str, str] | None = None,
    classifier: Classifier = keyword_classifier,
    now: Callable[[], datetime] | None = None,
    booker: Booker | None = None,
) -> CallState:
    """Run one conversation until the engine finishes or input ends; returns the final state."""
    state, actions = engine.start(contact_vars or {}, started_at=now() if now else None)
    booking = _show(actions, write, booker)
    while not state.finished:
        decided_by = ""
        if booking is None or booking.outcome is None:
            line = read()
            event, decided_by = _typed_event(line, engine, state, classifier, now)
            if booking is not None and booker is not None and _for_booking(event):
                booking = booker.hear(line or "")
                write(f"🤖 {booking.say}" if booking.say else "   (booking)")
                if booking.outcome is None:
                    continue
        if booking is not None and booking.outcome is not None:
            event = BookingResult("booked" if booking.outcome == "booked" else "no_slot", booking.summary)
        booking = None
        before = state.step
        state, actions = engine.step(state, event)
        label = f"{event.name} {event.confidence:.2f}" if isinstance(event, Intent) else type(event).__name__
        write(f"   [{label}{decided_by}] {before} → {state.step}")
        booking = _show(actions, write, booker)
    return state


def _typed_event(
    line: str | None,
    engine: Engine,
    state: CallState,
    classifier: Classifier,
    now: Callable[[], datetime] | None,
) -> tuple[Event, str]:
    """The engine event for a typed line, and who understood it (when not the keywords alone)."""
    if line is None:
        return Hangup(), ""
    if line.strip() in COMMANDS:
        return COMMANDS[line.strip()], ""
    if not line.strip():
        return Silence(), ""
    understood = classifier(line, engine.nlu_context(state))
    event = Intent(
        understood.intent,
        understood.confidence,
        line,
        dict(understood.entities or {}),
        understood.sentiment,
        now() if now else None,
    )
    return event, "" if understood.source == "fast" else f" · {understood.source}"


def _for_booking(event: Event) -> bool:
    """Does the booking dialogue take this answer (not a hangup, not a DNC request...)?"""
    return isinstance(event, Silence) or (
        isinstance(event, Intent) and event.name not in BOOKING_INTERRUPTIONS
    )


def _show(actions: list[Action], write: Callable[[str], None], booker: Booker | None) -> BookingTurn | None:
    """Print the actions; a ``Book`` action opens the booking dialogue (its first offer)."""
    booking = None
    for action in actions:
        write(describe(action))
        if isinstance(action, Book):
            booking = booker.start(action.skill) if booker is not None else BookingTurn("", "no_slot")
            if booking.say:
                write(f"🤖 {booking.say}")
    return booking
