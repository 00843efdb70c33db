"""Personas: how the simulated callee at a given number behaves, chosen by rules or built-in patterns."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Literal, get_args

import yaml

from services.errors import ConfigError

Outcome = Literal["answer", "no_answer", "busy", "congestion", "invalid", "voicemail", "human"]
Behaviour = Literal["cooperative", "interrupt", "silent", "hangup"]

DEFAULT_LINES = ("Oui, je vous écoute.", "Oui, j'ai un livret A.", "D'accord. Merci, au revoir.")


@dataclass(frozen=True)
class Persona:
    """One simulated callee.

    ``lines`` are replies said in order, each after a bot prompt ends: a path to a WAV file or French text
    (synthesised with espeak-ng). ``behaviour``: cooperative (waits for the bot to stop), interrupt
    (talks over the bot after ``interrupt_after_s``), silent (never speaks), hangup (hangs up once the
    lines are used up and the bot stops talking).
    """

    name: str = "human"
    outcome: Outcome = "human"
    answer_after_s: float = 2.0
    hangup_after_s: float | None = None
    greeting: str | None = "Allô, oui ?"
    lines: tuple[str, ...] = DEFAULT_LINES
    behaviour: Behaviour = "cooperative"
    reply_delay_s: float = 0.3
    interrupt_after_s: float = 1.0
    voice: str = "fr"


BUILTIN: dict[str, Persona] = {
    "01": Persona(name="busy", outcome="busy", answer_after_s=1.0),
    "02": Persona(name="congestion", outcome="congestion", answer_after_s=0.5),
    "03": Persona(name="no_answer", outcome="no_answer"),
    "04": Persona(name="invalid", outcome="invalid", answer_after_s=0.2),
    "05": Persona(
        name="voicemail",
        outcome="voicemail",
        greeting="Bonjour, vous êtes bien sur la messagerie de Claire. Laissez un message après le bip.",
        lines=(),
        hangup_after_s=20.0,
    ),
    "06": Persona(name="silent", behaviour="silent", greeting=None, lines=(), hangup_after_s=30.0),
    "07": Persona(name="interrupter", behaviour="interrupt"),
    "08": Persona(name="hangs_up", behaviour="hangup", lines=("Non merci, ça ne m'intéresse pas.",)),
    "09": Persona(name="answer", outcome="answer", greeting=None, lines=(), hangup_after_s=60.0),
}
"""Built-in personas by the last two digits of the dialled number; any other number is a cooperative human."""


@dataclass(frozen=True)
class Rule:
    """``pattern`` (a regular expression searched in the number) → persona."""

    pattern: re.Pattern[str]
    persona: Persona


@dataclass(frozen=True)
class PersonaBook:
    """Chooses a persona for a dialled number: rules first, then the built-in suffixes, then ``default``."""

    rules: tuple[Rule, ...] = ()
    default: Persona = field(default_factory=Persona)
    builtin: bool = True

    def for_number(self, number: str) -> Persona:
        """The persona answering ``number``."""
        for rule in self.rules:
            if rule.pattern.search(number):
                return rule.persona
        if self.builtin and number[-2:] in BUILTIN:
            return BUILTIN[number[-2:]]
        return self.default


_PERSONA_FIELDS = {f.name for f in fields(Persona)}


def persona_from_mapping(data: Mapping[str, Any], *, where: str) -> Persona:
    """Build a persona from a rules-file entry, naming the entry in errors."""
    unknown = set(data) - _PERSONA_FIELDS
    if unknown:
        raise ConfigError(f"{where}: unknown persona fields {sorted(unknown)}")
    values = dict(data)
    if "lines" in values:
        values["lines"] = tuple(str(line) for line in values["lines"] or ())
    if values.get("outcome", "human") not in get_args(Outcome):
        raise ConfigError(f"{where}: outcome must be one of {get_args(Outcome)}")
    if values.get("behaviour", "cooperative") not in get_args(Behaviour):
        raise ConfigError(f"{where}: behaviour must be one of {get_args(Behaviour)}")
    return replace(Persona(), **values)


def load_persona_book(path: Path) -> PersonaBook:
    """Read a YAML or JSON rules file::

    personas:
      grumpy: {behaviour: hangup, lines: ["Non merci."]}
    rules:
      - {match: "^\\\\+33612", persona: grumpy}
    default: {answer_after_s: 3}
    """
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (OSError, ValueError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read persona rules {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping with 'personas' and 'rules'")
    named = {
        str(name): persona_from_mapping({"name": name, **(spec or {})}, where=f"{path}: persona {name!r}")
        for name, spec in (data.get("personas") or {}).items()
    }
    rules: list[Rule] = []
    raw_rules: Sequence[Mapping[str, Any]] = data.get("rules") or ()
    for index, raw in enumerate(raw_rules):
        where = f"{path}: rule {index + 1}"
        name = str(raw.get("persona", ""))
        if name not in named:
            raise ConfigError(f"{where}: unknown persona {name!r}")
        try:
            rules.append(Rule(re.compile(str(raw["match"])), named[name]))
        except (KeyError, re.error) as exc:
            raise ConfigError(f"{where}: bad 'match': {exc}") from exc
    default = persona_from_mapping(data.get("default") or {}, where=f"{path}: default")
    return PersonaBook(rules=tuple(rules), default=default, builtin=bool(data.get("builtin", True)))
