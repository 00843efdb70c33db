"""Scenario files: load, validate and model them (pure: a path or a dict in, a Scenario out).

Every validation error is a :class:`ScenarioError` naming the file, the step and the field.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, NamedTuple

import yaml

from scenarios.strings import DEFAULT_STRINGS
from services.errors import ScenarioError
from services.nlp.objections import ObjectionSpec
from services.tts_choice import ENGINES, VoiceChoice

GLOBAL_INTENTS = ("do_not_call", "callback", "who_are_you", "insult", "wrong_person")
BASE_INTENTS = ("yes", "no", "unknown", *GLOBAL_INTENTS)
SIGNALS = ("silence", "no_match")
ACTIONS = ("hangup", "transfer", "callback", "dnc", "book")
BOOK_OUTCOMES = ("booked", "no_slot")  # where a book step goes: an appointment, or none fits
STATUSES = ("qualified", "not_interested", "callback", "do_not_call", "unreachable")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
RESUME = "resume"  # an objection's ``then``: ask the interrupted step's question again


class PromptPart(NamedTuple):
    """A part of a spliced prompt: a recording of ``text``, or ``text`` synthesized (audio None)."""

    text: str
    audio: Path | None = None


@dataclass(frozen=True)
class Prompt:
    """Something to say: text (synthesized when no recording), an optional recording, or parts
    (recorded fixed parts with synthesized variable ones in between)."""

    text: str = ""
    audio: Path | None = None  # resolved recording that exists, else None
    slot: str = ""  # optional recording slot name (prompts/<scenario>/<slot>.wav)
    parts: tuple[PromptPart, ...] = ()

    @property
    def kind(self) -> str:
        """How it plays: ``recorded``, ``spliced`` (recordings + synthesis) or ``synthesized``."""
        if self.audio is not None:
            return "recorded"
        if any(part.audio is not None for part in self.parts):
            return "spliced"
        return "synthesized"


@dataclass(frozen=True)
class Transition:
    """Where an intent leads: ``target`` directly, or after ``retry`` re-prompts."""

    target: str
    retry: int = 0


@dataclass(frozen=True)
class Step:
    """One step of the conversation."""

    name: str
    say: Prompt | None = None
    reprompt: Prompt | None = None
    on: Mapping[str, Transition] = field(default_factory=dict)
    score: Mapping[str, int] = field(default_factory=dict)
    answer_key: str = ""
    intents: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    timeout_s: float = 6.0
    action: str = ""  # hangup | transfer | callback | dnc | book | "" (a question)
    endpoint: str = ""
    skill: str = ""  # book: the advisers' skill ("" for any adviser)
    status: str = ""
    branch: tuple[str, str] | None = None  # (if qualified, otherwise)
    barge_in: bool = True

    @property
    def is_question(self) -> bool:
        """A step that waits for the caller's answer."""
        return not self.action and self.branch is None


@dataclass(frozen=True)
class Objection:
    """A named objection: how callers say it, what the bot answers, where the call goes next."""

    name: str
    say: Prompt
    examples: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    then: str = RESUME  # "resume" or a step name


@dataclass(frozen=True)
class Qualify:
    """Lead status from the total score."""

    min_score: int = 1
    status_if_met: str = "qualified"
    status_otherwise: str = "not_interested"


@dataclass(frozen=True)
class Scenario:
    """A validated scenario."""

    name: str
    language: str
    start: str
    steps: Mapping[str, Step]
    qualify: Qualify = field(default_factory=Qualify)
    intents: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    global_intents: tuple[str, ...] = GLOBAL_INTENTS
    max_duration_s: float = 300.0
    on_machine: str = "voicemail"
    voicemail: Prompt | None = None
    transfer_endpoint: str = ""
    variables: Mapping[str, str] = field(default_factory=dict)
    strings: Mapping[str, str] = field(default_factory=lambda: DEFAULT_STRINGS)
    objections: Mapping[str, Objection] = field(default_factory=dict)
    max_rebuttals: int = 2  # rebuttals per call; the next objection goes to ``after_rebuttals``
    after_rebuttals: str = ""  # a step, or "" to take the objection as a "no" at the current step
    tts: VoiceChoice = field(default_factory=VoiceChoice)
    file: str = ""

    def objection_examples(self) -> dict[str, ObjectionSpec]:
        """What the language layer needs to recognise this scenario's objections."""
        return {name: ObjectionSpec(o.examples, o.keywords) for name, o in self.objections.items()}

    def keywords_for(self, step: str) -> dict[str, tuple[str, ...]]:
        """Fast-path keyword table for ``step``: scenario intents extended by the step's."""
        merged = {name: list(phrases) for name, phrases in self.intents.items()}
        for name, phrases in self.steps[step].intents.items():
            merged.setdefault(name, []).extend(phrases)
        return {name: tuple(phrases) for name, phrases in merged.items()}

    def allowed_intents(self, step: str) -> tuple[str, ...]:
        """Intents the caller may use at ``step``: its ``on`` intents plus the global ones."""
        own = {key for key in self.steps[step].on if key not in SIGNALS and key not in BOOK_OUTCOMES}
        return tuple(sorted(own | set(self.global_intents)))

    def slots(self) -> list[tuple[str, str, Prompt]]:
        """Every prompt as ``(step, field, prompt)``, for reports on recordings."""
        found = [(step.name, "say", step.say) for step in self.steps.values() if step.say]
        found += [(step.name, "reprompt", step.reprompt) for step in self.steps.values() if step.reprompt]
        found += [("", f"objections.{o.name}", o.say) for o in self.objections.values()]
        if self.voicemail:
            found.append(("", "voicemail", self.voicemail))
        return found


class ScenarioErrors(ScenarioError):
    """Every error found in one scenario file, one per line; ``file``/``step``/``field`` of the first."""

    def __init__(self, errors: list[ScenarioError]) -> None:
        first = errors[0]
        super().__init__("", file=first.file, step=first.step, field=first.field)
        self.errors = errors
        self.message = f"{len(errors)} errors:\n" + "\n".join(f"  {error}" for error in errors)


class _Reader:
    """Typed access to raw YAML values with errors that say where."""

    def __init__(self, file: str, base_dir: Path, prompts_dir: Path) -> None:
        self.file = file
        self.base_dir = base_dir
        self.prompts_dir = prompts_dir
        self.errors: list[ScenarioError] = []  # every error found so far, reported together
        self.broken: set[str] = set()  # steps that could not be read (their targets are unknown)

    def fail(self, message: str, step: str = "", field_: str = "") -> ScenarioError:
        return ScenarioError(message, file=self.file, step=step, field=field_)

    def report(self, message: str, step: str = "", field_: str = "") -> None:
        """Record an error and go on checking the rest of the file."""
        self.errors.append(self.fail(message, step, field_))

    def typed(self, value: Any, kind: type | tuple[type, ...], step: str, field_: str) -> Any:
        if isinstance(value, bool) and kind in (int, float, (int, float)):
            raise self.fail(f"expected a number, got {value!r}", step, field_)
        if not isinstance(value, kind):
            names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
            raise self.fail(f"expected {names}, got {type(value).__name__} {value!r}", step, field_)
        return value

    def prompt(self, raw: Any, step: str, field_: str) -> Prompt:
        if isinstance(raw, str):
            return Prompt(text=raw)
        raw = self.typed(raw, dict, step, field_)
        unknown = set(raw) - {"text", "audio", "slot", "parts"}
        if unknown:
            raise self.fail(f"unknown key(s) {sorted(unknown)} (use text, audio, slot, parts)", step, field_)
        if "parts" in raw:
            if set(raw) != {"parts"}:
                raise self.fail("'parts' goes alone (its items carry text and audio)", step, field_)
            parts = self.parts(raw["parts"], step, f"{field_}.parts")
            return Prompt(text="".join(part.text for part in parts), parts=parts)
        text = self.typed(raw.get("text", ""), str, step, f"{field_}.text")
        slot = self.typed(raw.get("slot", ""), str, step, f"{field_}.slot")
        audio: Path | None = None
        if "audio" in raw:
            path = self.base_dir / self.typed(raw["audio"], str, step, f"{field_}.audio")
            if not path.is_file():
                raise self.fail(f"missing prompt file {path}", step, f"{field_}.audio")
            audio = path
        elif slot:
            if not _NAME.match(slot):
                raise self.fail(
                    f"bad slot name {slot!r} (lowercase letters, digits, _)", step, f"{field_}.slot"
                )
            candidate = self.prompts_dir / f"{slot}.wav"
            audio = candidate if candidate.is_file() else None
        if not text and audio is None:
            raise self.fail("needs text (or an audio file that exists)", step, field_)
        return Prompt(text=text, audio=audio, slot=slot)

    def parts(self, raw: Any, step: str, field_: str) -> tuple[PromptPart, ...]:
        """``parts: ["text {var}", {audio: file.wav, text: what it says}, ...]``."""
        items = self.typed(raw, list, step, field_)
        if not items:
            raise self.fail("needs at least one part", step, field_)
        parts = []
        for i, item in enumerate(items):
            where = f"{field_}[{i}]"
            if isinstance(item, str):
                parts.append(PromptPart(item))
                continue
            recorded = self.typed(item, dict, step, where)
            if set(recorded) != {"audio", "text"}:
                raise self.fail("a recorded part is {audio: file.wav, text: what it says}", step, where)
            path = self.base_dir / self.typed(recorded["audio"], str, step, f"{where}.audio")
            if not path.is_file():
                raise self.fail(f"missing prompt file {path}", step, f"{where}.audio")
            parts.append(PromptPart(self.typed(recorded["text"], str, step, f"{where}.text"), path))
        return tuple(parts)

    def voice_choice(self, raw: Any) -> VoiceChoice:
        """``tts: {engine: piper, voice: fr_FR-siwis-medium, lexicon: {Word: how to say it}}``."""
        raw = self.typed(raw, dict, "", "tts")
        unknown = set(raw) - {"engine", "voice", "lexicon"}
        if unknown:
            raise self.fail(f"unknown key(s) {sorted(unknown)} (use engine, voice, lexicon)", field_="tts")
        engine = self.typed(raw.get("engine", ""), str, "", "tts.engine")
        if engine and engine not in ENGINES:
            raise self.fail(f"unknown engine {engine!r} (one of {', '.join(ENGINES)})", field_="tts.engine")
        lexicon = self.typed(raw.get("lexicon", {}), dict, "", "tts.lexicon")
        for word, said in lexicon.items():
            self.typed(said, str, "", f"tts.lexicon.{word}")
        return VoiceChoice(
            engine=engine,
            voice=self.typed(raw.get("voice", ""), str, "", "tts.voice"),
            lexicon=MappingProxyType({str(word): said for word, said in lexicon.items()}),
        )

    def transition(self, raw: Any, step: str, field_: str) -> Transition:
        if isinstance(raw, str):
            return Transition(raw)
        raw = self.typed(raw, dict, step, field_)
        if set(raw) - {"retry", "then"} or "then" not in raw:
            raise self.fail("expected a step name or {retry: N, then: step}", step, field_)
        retry = self.typed(raw.get("retry", 0), int, step, f"{field_}.retry")
        if retry < 0:
            raise self.fail("retry must be >= 0", step, f"{field_}.retry")
        return Transition(self.typed(raw["then"], str, step, f"{field_}.then"), retry)

    def keyword_table(self, raw: Any, step: str, field_: str) -> dict[str, tuple[str, ...]]:
        table: dict[str, tuple[str, ...]] = {}
        for name, phrases in self.typed(raw or {}, dict, step, field_).items():
            self.intent_name(name, step, f"{field_}.{name}")
            items = self.typed(phrases, list, step, f"{field_}.{name}")
            table[name] = tuple(self.typed(p, str, step, f"{field_}.{name}") for p in items)
        return table

    def intent_name(self, name: Any, step: str, field_: str) -> str:
        if not isinstance(name, str) or not _NAME.match(name):
            raise self.fail(f"bad intent name {name!r} (lowercase letters, digits, _)", step, field_)
        return name


def _step(reader: _Reader, name: str, raw: Any, defaults: Mapping[str, Transition]) -> Step:
    raw = reader.typed(raw, dict, name, "")
    allowed = {
        "say",
        "reprompt",
        "on",
        "score",
        "answer_key",
        "intents",
        "timeout_s",
        "action",
        "status",
        "branch",
        "barge_in",
        "skill",
    }
    unknown = set(raw) - allowed
    if unknown:
        raise reader.fail(f"unknown field(s) {sorted(unknown)}", name, sorted(unknown)[0])
    say = reader.prompt(raw["say"], name, "say") if "say" in raw else None
    reprompt = reader.prompt(raw["reprompt"], name, "reprompt") if "reprompt" in raw else None
    action, endpoint = "", ""
    if "action" in raw:
        value = raw["action"]
        if isinstance(value, dict) and set(value) == {"transfer"}:
            action, endpoint = "transfer", reader.typed(value["transfer"], str, name, "action.transfer")
        elif value in ACTIONS:
            action = value
        else:
            raise reader.fail(f"unknown action {value!r} (one of {', '.join(ACTIONS)})", name, "action")
    branch = None
    if "branch" in raw:
        spec = reader.typed(raw["branch"], dict, name, "branch")
        if set(spec) != {"qualified", "otherwise"}:
            raise reader.fail("expected {qualified: step, otherwise: step}", name, "branch")
        branch = (
            reader.typed(spec["qualified"], str, name, "branch.qualified"),
            reader.typed(spec["otherwise"], str, name, "branch.otherwise"),
        )
    on: dict[str, Transition] = {}
    if not action and branch is None:
        on.update(defaults)
        for key, value in reader.typed(raw.get("on", {}), dict, name, "on").items():
            on[reader.intent_name(key, name, f"on.{key}")] = reader.transition(value, name, f"on.{key}")
        if say is None:
            raise reader.fail("a question step needs 'say'", name, "say")
        for signal in SIGNALS:
            if signal not in on:
                reader.report(f"no '{signal}' handler (add it to the step or to defaults)", name, "on")
    elif action == "book":
        for key, value in reader.typed(raw.get("on", {}), dict, name, "on").items():
            if key not in BOOK_OUTCOMES:
                raise reader.fail(f"a book step goes on booked or no_slot, not {key!r}", name, f"on.{key}")
            on[key] = reader.transition(value, name, f"on.{key}")
        for outcome in BOOK_OUTCOMES:
            if outcome not in on:
                reader.report(f"a book step needs 'on.{outcome}'", name, "on")
    elif "on" in raw:
        raise reader.fail("'on' is only for question and book steps", name, "on")
    if "skill" in raw and action != "book":
        raise reader.fail("'skill' is only for book steps", name, "skill")
    status = reader.typed(raw.get("status", ""), str, name, "status")
    if status and status not in STATUSES:
        raise reader.fail(f"unknown status {status!r} (one of {', '.join(STATUSES)})", name, "status")
    score = {
        reader.intent_name(k, name, f"score.{k}"): reader.typed(v, int, name, f"score.{k}")
        for k, v in reader.typed(raw.get("score", {}), dict, name, "score").items()
    }
    return Step(
        name=name,
        say=say,
        reprompt=reprompt,
        on=MappingProxyType(on),
        score=MappingProxyType(score),
        answer_key=reader.typed(raw.get("answer_key", ""), str, name, "answer_key"),
        intents=MappingProxyType(reader.keyword_table(raw.get("intents"), name, "intents")),
        timeout_s=float(reader.typed(raw.get("timeout_s", 6.0), (int, float), name, "timeout_s")),
        action=action,
        endpoint=endpoint,
        status=status,
        branch=branch,
        barge_in=reader.typed(raw.get("barge_in", True), bool, name, "barge_in"),
        skill=reader.typed(raw.get("skill", ""), str, name, "skill"),
    )


def _targets(step: Step) -> list[tuple[str, str]]:
    pairs = [(f"on.{key}", t.target) for key, t in step.on.items()]
    if step.branch:
        pairs += [("branch.qualified", step.branch[0]), ("branch.otherwise", step.branch[1])]
    return pairs


def _branch_loop(steps: Mapping[str, Step], chain: list[str]) -> list[str]:
    """A chain of branch steps that comes back on itself (a call would never settle), or []."""
    branch = steps[chain[-1]].branch
    for target in branch or ():
        if target not in steps:
            continue  # reported as an unknown target
        if target in chain:
            return [*chain, target]
        loop = _branch_loop(steps, [*chain, target])
        if loop:
            return loop
    return []


def _check_graph(
    reader: _Reader, start: str, steps: Mapping[str, Step], known: set[str], anywhere: Sequence[str] = ()
) -> None:
    """Targets exist, intents are defined, no branch loops, every step reachable (from ``start``
    or, for objection targets, from ``anywhere``)."""
    for step in steps.values():
        for field_, target in _targets(step):
            if target not in steps and target not in reader.broken:
                reader.report(f"unknown target step {target!r}", step.name, field_)
        for prefix, keys in (("on", step.on), ("score", step.score)):
            for key in keys:
                if (
                    key not in known
                    and key not in SIGNALS
                    and not (step.action == "book" and key in BOOK_OUTCOMES)
                ):
                    message = f"intent {key!r} is not defined (add it under intents:)"
                    reader.report(message, step.name, f"{prefix}.{key}")
    for step in steps.values():
        loop = _branch_loop(steps, [step.name])
        if loop:
            reader.report(f"branch loop {' -> '.join(loop)}", step.name, "branch")
    if reader.broken:
        return  # what a broken step leads to is unknown: reachability cannot be judged
    seen, todo = {start, *anywhere}, [start, *anywhere]
    while todo:
        for _, target in _targets(steps[todo.pop()]):
            if target not in seen and target in steps:
                seen.add(target)
                todo.append(target)
    for name in steps:
        if name not in seen:
            reader.report(f"unreachable from {start!r}", name, "steps")


def _objections(
    reader: _Reader, raw: Any, steps: Mapping[str, Step], known: set[str]
) -> dict[str, Objection]:
    """``objections: {name: {examples, keywords, say, then}}``; each objection's first error is
    reported and the others are still checked."""
    found: dict[str, Objection] = {}
    for name, raw_spec in reader.typed(raw or {}, dict, "", "objections").items():
        try:
            found[name] = _objection(reader, name, raw_spec, steps, known)
        except ScenarioError as exc:
            reader.errors.append(exc)
    return found


def _objection(
    reader: _Reader, name: Any, raw_spec: Any, steps: Mapping[str, Step], known: set[str]
) -> Objection:
    """One objection, checked; raises its first error."""
    where = f"objections.{name}"
    reader.intent_name(name, "", where)
    if name in known:
        raise reader.fail(f"objection {name!r} has the name of an intent (rename it)", field_=where)
    spec = reader.typed(raw_spec, dict, "", where)
    unknown = set(spec) - {"examples", "keywords", "say", "then"}
    if unknown:
        raise reader.fail(f"unknown key(s) {sorted(unknown)} (use examples, keywords, say, then)", "", where)
    lists = {}
    for key in ("examples", "keywords"):
        items = reader.typed(spec.get(key, []), list, "", f"{where}.{key}")
        lists[key] = tuple(reader.typed(item, str, "", f"{where}.{key}") for item in items)
    if not lists["examples"] and not lists["keywords"]:
        raise reader.fail("needs examples (or keywords) to be recognised", field_=f"{where}.examples")
    if "say" not in spec:
        raise reader.fail("needs 'say': the rebuttal", field_=f"{where}.say")
    then = reader.typed(spec.get("then", RESUME), str, "", f"{where}.then")
    if then != RESUME and then not in steps and then not in reader.broken:
        raise reader.fail(f"unknown target step {then!r} (or 'resume')", field_=f"{where}.then")
    say = reader.prompt(spec["say"], "", f"{where}.say")
    return Objection(name, say, lists["examples"], lists["keywords"], then)


def scenario_from_dict(data: Any, file: str = "<dict>", base_dir: Path | None = None) -> Scenario:
    """Validate a parsed YAML document; ``base_dir`` resolves audio paths (default: cwd)."""
    base = base_dir or Path.cwd()
    probe = _Reader(file, base, base)
    data = probe.typed(data, dict, "", "")
    name = probe.typed(data.get("name", ""), str, "", "name")
    if not name:
        raise probe.fail("missing scenario name", field_="name")
    prompts_dir = base / probe.typed(data.get("prompts_dir", f"prompts/{name}"), str, "", "prompts_dir")
    reader = _Reader(file, base, prompts_dir)
    intents = reader.keyword_table(data.get("intents"), "", "intents")
    defaults = {
        reader.intent_name(k, "", f"defaults.{k}"): reader.transition(v, "", f"defaults.{k}")
        for k, v in reader.typed(data.get("defaults", {}), dict, "", "defaults").items()
    }
    raw_steps = reader.typed(data.get("steps"), dict, "", "steps")
    steps: dict[str, Step] = {}
    for key, value in raw_steps.items():
        try:
            steps[reader.intent_name(key, key, "name")] = _step(reader, key, value, defaults)
        except ScenarioError as exc:  # the first error of this step; the other steps are still checked
            reader.errors.append(exc)
            reader.broken.add(str(key))
    start = data.get("start")
    known = set(BASE_INTENTS) | set(intents) | {k for s in steps.values() for k in s.intents}
    objections = _objections(reader, data.get("objections", {}), steps, known)
    max_rebuttals = reader.typed(data.get("max_rebuttals", 2), int, "", "max_rebuttals")
    if max_rebuttals < 0:
        reader.report("max_rebuttals must be >= 0", field_="max_rebuttals")
    after_rebuttals = reader.typed(data.get("after_rebuttals", ""), str, "", "after_rebuttals")
    if after_rebuttals and after_rebuttals not in steps and after_rebuttals not in reader.broken:
        reader.report(f"unknown target step {after_rebuttals!r}", field_="after_rebuttals")
    anywhere = [o.then for o in objections.values() if o.then != RESUME]
    anywhere += [after_rebuttals] if after_rebuttals in steps else []
    if not start:
        reader.report("missing start step", field_="start")
    elif start not in steps and start not in reader.broken:
        reader.report(f"start step {start!r} is not defined", field_="start")
    elif start in steps:
        _check_graph(reader, start, steps, known, anywhere)
    qualify_raw = reader.typed(data.get("qualify", {}), dict, "", "qualify")
    qualify = Qualify(
        min_score=reader.typed(qualify_raw.get("min_score", 1), int, "", "qualify.min_score"),
        status_if_met=reader.typed(
            qualify_raw.get("status_if_met", "qualified"), str, "", "qualify.status_if_met"
        ),
        status_otherwise=reader.typed(
            qualify_raw.get("status_otherwise", "not_interested"), str, "", "qualify.status_otherwise"
        ),
    )
    for field_, status in (
        ("qualify.status_if_met", qualify.status_if_met),
        ("qualify.status_otherwise", qualify.status_otherwise),
    ):
        if status not in STATUSES:
            reader.report(f"unknown status {status!r}", field_=field_)
    transfer = reader.typed(data.get("transfer_endpoint", ""), str, "", "transfer_endpoint")
    for step in steps.values():
        if step.action == "transfer" and not (step.endpoint or transfer):
            reader.report(
                "transfer needs an endpoint (action: {transfer: ...} or transfer_endpoint)",
                step.name,
                "action",
            )
    on_machine = data.get("on_machine", "voicemail")
    if on_machine not in ("voicemail", "hangup"):
        reader.report("expected voicemail or hangup", field_="on_machine")
    voicemail = reader.prompt(data["voicemail"], "", "voicemail") if "voicemail" in data else None
    if on_machine == "voicemail" and voicemail is None:
        reader.report("on_machine is voicemail but no voicemail prompt is given", field_="voicemail")
    globals_ = reader.typed(data.get("global_intents", list(GLOBAL_INTENTS)), list, "", "global_intents")
    for item in globals_:
        if item not in GLOBAL_INTENTS:
            reader.report(f"unknown global intent {item!r}", field_="global_intents")
    if len(reader.errors) == 1:
        raise reader.errors[0]
    if reader.errors:
        raise ScenarioErrors(reader.errors)
    strings = dict(DEFAULT_STRINGS)
    strings.update(reader.typed(data.get("strings", {}), dict, "", "strings"))
    return Scenario(
        name=name,
        language=reader.typed(data.get("language", "fr-FR"), str, "", "language"),
        start=start,
        steps=MappingProxyType(steps),
        qualify=qualify,
        intents=MappingProxyType(intents),
        global_intents=tuple(globals_),
        max_duration_s=float(
            reader.typed(data.get("max_duration_s", 300), (int, float), "", "max_duration_s")
        ),
        on_machine=on_machine,
        voicemail=voicemail,
        transfer_endpoint=transfer,
        variables=MappingProxyType(
            {
                str(k): str(v)
                for k, v in reader.typed(data.get("variables", {}), dict, "", "variables").items()
            }
        ),
        strings=MappingProxyType(strings),
        objections=MappingProxyType(objections),
        max_rebuttals=max_rebuttals,
        after_rebuttals=after_rebuttals,
        tts=reader.voice_choice(data.get("tts", {})),
        file=file,
    )


class _Loader(yaml.SafeLoader):
    """YAML 1.2 booleans: only true/false, so ``yes:``, ``no:`` and ``on:`` stay strings."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def parse_yaml(text: str) -> Any:
    """Parse scenario YAML where ``yes``/``no``/``on`` are plain strings."""
    return yaml.load(text, Loader=_Loader)


def load_scenario(path: str | Path) -> Scenario:
    """Load and validate a scenario YAML file."""
    path = Path(path)
    try:
        data = parse_yaml(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ScenarioError(f"cannot read scenario file: {exc.strerror}", file=str(path)) from exc
    except yaml.YAMLError as exc:
        raise ScenarioError(f"invalid YAML: {exc}", file=str(path)) from exc
    return scenario_from_dict(data, file=str(path), base_dir=path.parent)
