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

from scenarios.engine import (
    Action,
    AddDnc,
    AmdVerdict,
    BargeIn,
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
) -> CallState:
    """Run one conversation until the engine finishes or input ends; returns the final state."""
    state, actions = engine.start(contact_vars or {}, started_at=now() if now else None)
    for action in actions:
        write(describe(action))
    while not state.finished:
        line = read()
        event: Event
        decided_by = ""  # who understood the line, when not the keywords alone
        if line is None:
            event = Hangup()
        elif line.strip() in COMMANDS:
            event = COMMANDS[line.strip()]
        elif not line.strip():
            event = Silence()
        else:
            understood = classifier(line, engine.nlu_context(state))
            decided_by = "" if understood.source == "fast" else f" · {understood.source}"
            event = Intent(
                understood.intent,
                understood.confidence,
                line,
                dict(understood.entities or {}),
                understood.sentiment,
                now() if now else None,
            )
        before = state.step
        state, actions = engine.step(state, event)
        label = f"{event.name} {event.confidence:.2f}" if isinstance(event, Intent) else type(event).__name__
        label += decided_by
        write(f"   [{label}] {before} → {state.step}")
        for action in actions:
            write(describe(action))
    return state
