"""Pure, synchronous scenario engine: ``step(state, event) -> (state, actions)``.

No I/O and no clock: the adapter (calls layer) feeds events (intents, silences, timeouts,
barge-ins, AMD verdicts, hangups) and performs the actions it gets back.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from types import MappingProxyType
from typing import Literal

from scenarios.schema import RESUME, Prompt, PromptPart, Scenario, Step, Transition
from scenarios.strings import spoken_datetime
from scenarios.when import parse_when
from services.nlp.objections import ObjectionSpec

# ---- events -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Intent:
    """The caller said something; ``now`` (aware) lets the engine read "demain à 14h"."""

    name: str
    confidence: float = 1.0
    text: str = ""
    entities: Mapping[str, str] = field(default_factory=dict)
    sentiment: str = "neutral"
    now: datetime | None = None


@dataclass(frozen=True)
class Silence:
    """No speech in the answer window."""


@dataclass(frozen=True)
class NoMatch:
    """Speech that could not be understood at all."""


@dataclass(frozen=True)
class Timeout:
    """A timer fired: ``step`` (same as silence) or ``max_duration`` (end the call)."""

    kind: Literal["step", "max_duration"] = "step"


@dataclass(frozen=True)
class BargeIn:
    """The caller started speaking over the bot."""


@dataclass(frozen=True)
class AmdVerdict:
    """Answering-machine detection result."""

    verdict: Literal["human", "machine", "notsure"]


@dataclass(frozen=True)
class Hangup:
    """The caller hung up."""


@dataclass(frozen=True)
class BookingResult:
    """The booking dialogue of a ``book`` step ended: an appointment (``booked``) or none."""

    outcome: Literal["booked", "no_slot"]
    summary: str = ""  # e.g. "mardi 12 janvier à 10 h avec Claire Martin"


Event = Intent | Silence | NoMatch | Timeout | BargeIn | AmdVerdict | Hangup | BookingResult

# ---- actions ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Say:
    """Play ``audio`` if set, else synthesize ``text``; then listen for ``timeout_s`` (0: don't)."""

    text: str
    audio: str | None = None
    step: str = ""
    timeout_s: float = 0.0
    barge_in: bool = True
    parts: tuple[PromptPart, ...] = ()  # a spliced prompt: recordings and texts to synthesize, in order


@dataclass(frozen=True)
class StopSpeaking:
    """Stop the bot audio now (barge-in)."""


@dataclass(frozen=True)
class EndCall:
    """Hang up the call."""

    reason: str


@dataclass(frozen=True)
class Transfer:
    """Bridge the caller to ``endpoint`` (e.g. ``PJSIP/advisor@trunk``)."""

    endpoint: str


@dataclass(frozen=True)
class ScheduleCallback:
    """Call back at ``at`` (aware) or, when unparsed, at a time the caller said in ``text``."""

    at: datetime | None
    text: str


@dataclass(frozen=True)
class AddDnc:
    """Put the number on the do-not-call list."""

    text: str


@dataclass(frozen=True)
class Book:
    """Offer the caller an appointment with an adviser (``skill``: "" for any); the adapter runs
    the booking dialogue and answers with a :class:`BookingResult`."""

    skill: str
    step: str
    timeout_s: float


@dataclass(frozen=True)
class LeaveVoicemail:
    """Leave a message on an answering machine."""

    text: str
    audio: str | None = None


@dataclass(frozen=True)
class Finish:
    """The conversation is over: the lead outcome."""

    status: str
    score: int
    answers: Mapping[str, Mapping[str, str]]
    reason: str
    sentiment: str = "neutral"
    callback_at: datetime | None = None
    objections: tuple[str, ...] = ()  # objections the caller raised, in order


Action = Say | StopSpeaking | EndCall | Transfer | ScheduleCallback | AddDnc | LeaveVoicemail | Book | Finish

# ---- state --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CallState:
    """Everything the engine remembers about one call (immutable; each step returns a new one)."""

    step: str
    variables: Mapping[str, str]
    started_at: datetime | None = None
    score: int = 0
    answers: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    retries: Mapping[str, int] = field(default_factory=dict)
    awaiting_callback: bool = False
    turns: int = 0
    sentiments: tuple[str, ...] = ()
    path: tuple[str, ...] = ()
    finished: bool = False
    status: str = ""
    callback_at: datetime | None = None
    objections: tuple[str, ...] = ()  # raised so far; each got a rebuttal up to ``max_rebuttals``


@dataclass(frozen=True)
class NluContext:
    """What the language layer needs for the current step (plain data)."""

    step: str
    allowed: tuple[str, ...]
    keywords: Mapping[str, tuple[str, ...]]
    question: str = ""  # what the bot just asked, as context for the language model
    objections: Mapping[str, ObjectionSpec] = field(default_factory=dict)


class _Vars(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return ""


class Engine:
    """Runs one scenario; holds no per-call data (that is :class:`CallState`)."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario

    # -- public API -----------------------------------------------------------------------

    def start(
        self, contact_vars: Mapping[str, str], started_at: datetime | None = None
    ) -> tuple[CallState, list[Action]]:
        """Begin a call: the first prompt(s)."""
        variables = {**self.scenario.variables, **{k: str(v) for k, v in contact_vars.items()}}
        state = CallState(
            step=self.scenario.start, variables=MappingProxyType(variables), started_at=started_at
        )
        return self._enter(state, self.scenario.start, [])

    def step(self, state: CallState, event: Event) -> tuple[CallState, list[Action]]:
        """Apply one event; returns the new state and the actions to perform in order."""
        if state.finished:
            return state, []
        match event:
            case Hangup():
                status = self._computed_status(state) if state.turns else "unreachable"
                return self._finish(state, [], status, "remote_hangup", hangup=False)
            case AmdVerdict(verdict="machine"):
                return self._machine(state)
            case AmdVerdict():
                return state, []
            case BargeIn():
                return state, [StopSpeaking()] if self._current(state).barge_in else []
            case Timeout(kind="max_duration"):
                say = Say(self._text(state, self.scenario.strings["max_duration"]), step=state.step)
                return self._finish(state, [say], self._computed_status(state), "max_duration")
            case Silence() | Timeout():
                if state.awaiting_callback:
                    return self._schedule(state, None, "")
                return self._follow(state, "silence", event)
            case NoMatch():
                return self._follow(state, "no_match", event)
            case Intent():
                return self._intent(state, event)
            case BookingResult():
                return self._booked(state, event)
        raise TypeError(f"unknown event {event!r}")  # pragma: no cover - exhaustive match

    def nlu_context(self, state: CallState) -> NluContext:
        """Allowed intents, keyword tables and objections for the step the call is in."""
        allowed = self.scenario.allowed_intents(state.step)
        say = self._current(state).say
        question = self._text(state, say.text) if say else ""
        keywords = self.scenario.keywords_for(state.step)
        return NluContext(state.step, allowed, keywords, question, self.scenario.objection_examples())

    # -- event handlers -------------------------------------------------------------------

    def _intent(self, state: CallState, event: Intent) -> tuple[CallState, list[Action]]:
        state = replace(state, turns=state.turns + 1, sentiments=(*state.sentiments, event.sentiment))
        name = event.name
        globals_ = self.scenario.global_intents
        strings = self.scenario.strings
        if name == "do_not_call":  # always honoured, whatever the scenario's global intents
            actions: list[Action] = [
                AddDnc(event.text),
                Say(self._text(state, strings["dnc"]), step=state.step),
            ]
            return self._finish(state, actions, "do_not_call", "do_not_call")
        if name == "insult" and name in globals_:
            state = replace(state, sentiments=(*state.sentiments, "negative"))
            say = Say(self._text(state, strings["insult"]), step=state.step)
            return self._finish(state, [say], "not_interested", "insult")
        if name == "wrong_person" and name in globals_:
            say = Say(self._text(state, strings["wrong_person"]), step=state.step)
            return self._finish(state, [say], "unreachable", "wrong_person")
        if name in self.scenario.objections and not state.awaiting_callback:
            return self._objection(state, name, event)
        if state.awaiting_callback or (name == "callback" and name in globals_):
            return self._callback(state, event)
        if name == "who_are_you" and name in globals_:
            return state, [Say(self._text(state, strings["identity"]), step=state.step), *self._prompt(state)]
        step = self._current(state)
        if name in step.on and name not in ("silence", "no_match"):
            return self._answer(state, step, event)
        return self._follow(state, "no_match", event)

    def _objection(self, state: CallState, name: str, event: Intent) -> tuple[CallState, list[Action]]:
        """A rebuttal, then the step the objection names (or the same question again); past
        ``max_rebuttals`` the objection goes to ``after_rebuttals`` or counts as a "no"."""
        rebutted = len(state.objections)
        state = replace(state, objections=(*state.objections, name))
        if rebutted >= self.scenario.max_rebuttals:
            if self.scenario.after_rebuttals:
                return self._enter(state, self.scenario.after_rebuttals, [])
            step = self._current(state)
            if "no" in step.on:
                return self._answer(state, step, replace(event, name="no"))
            return self._follow(state, "no_match", event)
        objection = self.scenario.objections[name]
        rebuttal = self._say(state, self._current(state), objection.say)
        if objection.then == RESUME:
            return state, [replace(rebuttal, timeout_s=0.0), *self._prompt(state)]
        return self._enter(state, objection.then, [replace(rebuttal, timeout_s=0.0)])

    def _answer(self, state: CallState, step: Step, event: Intent) -> tuple[CallState, list[Action]]:
        transition = step.on[event.name]
        if transition.retry:
            return self._retry(state, step, event.name, transition, [])
        answers = dict(state.answers)
        if step.answer_key:
            answers[step.answer_key] = MappingProxyType({"intent": event.name, "text": event.text})
        state = replace(
            state, score=state.score + step.score.get(event.name, 0), answers=MappingProxyType(answers)
        )
        return self._enter(state, transition.target, [])

    def _follow(self, state: CallState, kind: str, event: Event) -> tuple[CallState, list[Action]]:
        step = self._current(state)
        if step.action == "book":
            return state, []  # the booking dialogue (the adapter's) handles silences and the rest
        transition = step.on.get("unknown") if isinstance(event, Intent) and "unknown" in step.on else None
        transition = transition or step.on[kind]
        return self._retry(state, step, kind, transition, [])

    def _retry(
        self, state: CallState, step: Step, kind: str, transition: Transition, actions: list[Action]
    ) -> tuple[CallState, list[Action]]:
        key = f"{step.name}:{kind}"
        used = state.retries.get(key, 0)
        if used >= transition.retry:
            return self._enter(state, transition.target, actions)
        state = replace(state, retries=MappingProxyType({**state.retries, key: used + 1}))
        if step.reprompt:
            return state, [*actions, self._say(state, step, step.reprompt)]
        prefix = "reprompt_silence" if kind == "silence" else "reprompt_no_match"
        lead = Say(self._text(state, self.scenario.strings[prefix]), step=step.name, barge_in=step.barge_in)
        return state, [*actions, lead, *self._prompt(state)]

    def _callback(self, state: CallState, event: Intent) -> tuple[CallState, list[Action]]:
        raw = event.text  # the caller's own words, never a time a language model wrote
        now = event.now or state.started_at
        at = parse_when(raw, now) if now is not None and raw else None
        if at is not None or state.awaiting_callback:
            return self._schedule(state, at, raw)
        state = replace(state, awaiting_callback=True)
        say = Say(
            self._text(state, self.scenario.strings["callback_ask"]),
            step=state.step,
            timeout_s=self._current(state).timeout_s,
        )
        return state, [say]

    def _schedule(self, state: CallState, at: datetime | None, raw: str) -> tuple[CallState, list[Action]]:
        strings = self.scenario.strings
        if at is not None:
            when = spoken_datetime(at.weekday(), at.day, at.month, at.hour, at.minute)
            text = strings["callback_confirmed"].replace("{when}", when)
        else:
            text = strings["callback_unparsed"]
        state = replace(state, callback_at=at, awaiting_callback=False)
        actions: list[Action] = [ScheduleCallback(at, raw), Say(self._text(state, text), step=state.step)]
        return self._finish(state, actions, "callback", "callback")

    def _booked(self, state: CallState, event: BookingResult) -> tuple[CallState, list[Action]]:
        step = self._current(state)
        if step.action != "book":
            return state, []
        answers = {
            **state.answers,
            "appointment": MappingProxyType({"intent": event.outcome, "text": event.summary}),
        }
        return self._enter(
            replace(state, answers=MappingProxyType(answers)), step.on[event.outcome].target, []
        )

    def _machine(self, state: CallState) -> tuple[CallState, list[Action]]:
        voicemail = self.scenario.voicemail
        if self.scenario.on_machine == "voicemail" and voicemail is not None:
            audio = str(voicemail.audio) if voicemail.audio else None
            actions: list[Action] = [LeaveVoicemail(self._text(state, voicemail.text), audio)]
            return self._finish(state, actions, "unreachable", "voicemail")
        return self._finish(state, [], "unreachable", "machine")

    # -- steps ----------------------------------------------------------------------------

    def _enter(self, state: CallState, name: str, actions: list[Action]) -> tuple[CallState, list[Action]]:
        for _ in range(len(self.scenario.steps) + 1):  # validation rejects branch loops
            step = self.scenario.steps[name]
            state = replace(state, step=name, path=(*state.path, name))
            if step.branch is None:
                break
            name = step.branch[0] if state.score >= self.scenario.qualify.min_score else step.branch[1]
        said = [self._say(state, step, step.say)] if step.say else []
        if step.is_question:
            return state, [*actions, *said]
        if step.action == "callback":
            state = replace(state, awaiting_callback=True)
            return state, [*actions, *said]
        if step.action == "book":
            return state, [*actions, *said, Book(step.skill, step.name, step.timeout_s)]
        if step.action == "dnc":
            return self._finish(state, [*actions, AddDnc(""), *said], step.status or "do_not_call", "dnc")
        if step.action == "transfer":
            endpoint = step.endpoint or self.scenario.transfer_endpoint
            status = step.status or self.scenario.qualify.status_if_met
            transfer = [*actions, *said, Transfer(endpoint)]
            return self._finish(state, transfer, status, "transfer", hangup=False)
        return self._finish(
            state, [*actions, *said], step.status or self._computed_status(state), "completed"
        )

    def _finish(
        self, state: CallState, actions: list[Action], status: str, reason: str, *, hangup: bool = True
    ) -> tuple[CallState, list[Action]]:
        state = replace(state, finished=True, status=status)
        final: list[Action] = [*actions]
        if hangup:
            final.append(EndCall(reason))
        answers = {key: dict(value) for key, value in state.answers.items()}  # plain dicts: JSON-ready
        final.append(
            Finish(
                status,
                state.score,
                answers,
                reason,
                self._sentiment(state),
                state.callback_at,
                state.objections,
            )
        )
        return state, final

    def _computed_status(self, state: CallState) -> str:
        qualify = self.scenario.qualify
        return qualify.status_if_met if state.score >= qualify.min_score else qualify.status_otherwise

    @staticmethod
    def _sentiment(state: CallState) -> str:
        counts = Counter(state.sentiments)
        if counts["negative"] and counts["negative"] >= counts["positive"]:
            return "negative"
        return "positive" if counts["positive"] else "neutral"

    def _current(self, state: CallState) -> Step:
        return self.scenario.steps[state.step]

    def _prompt(self, state: CallState) -> list[Action]:
        step = self._current(state)
        return [self._say(state, step, step.say)] if step.say else []

    def _say(self, state: CallState, step: Step, prompt: Prompt) -> Say:
        timeout = step.timeout_s if step.is_question or step.action == "callback" else 0.0
        audio = str(prompt.audio) if prompt.audio else None
        parts = tuple(PromptPart(self._text(state, text), path) for text, path in prompt.parts)
        return Say(self._text(state, prompt.text), audio, step.name, timeout, step.barge_in, parts)

    @staticmethod
    def _text(state: CallState, template: str) -> str:
        return template.format_map(_Vars(state.variables)) if template else ""
