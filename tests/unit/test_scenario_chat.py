"""The typed chat loop with scripted input, and the Mermaid graph."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from scenarios.chat import run_chat
from scenarios.engine import Engine
from scenarios.graph import to_mermaid
from scenarios.library import resolve

pytestmark = pytest.mark.unit

NOW = datetime(2026, 11, 23, 11, 0, tzinfo=ZoneInfo("Europe/Paris"))


def _reader(lines: list[str]) -> Callable[[], str | None]:
    feed = iter(lines)
    return lambda: next(feed, None)


def _chat(lines: list[str]) -> tuple[list[str], str, str]:
    out: list[str] = []
    state = run_chat(
        Engine(resolve("patrimoine")),
        _reader(lines),
        out.append,
        contact_vars={"first_name": "Paul"},
        now=lambda: NOW,
    )
    return out, state.status, state.step


def test_qualifying_conversation_shows_intents_steps_and_transfer() -> None:
    out, status, step = _chat(
        ["oui allez-y", "j'ai un livret A", "euh oui ça rapporte rien", "pas vraiment", "oui"]
    )
    text = "\n".join(out)
    assert "Bonjour Paul" in out[0]
    assert "[yes 0.90] intro → q1_savings" in text
    assert "[no 0.90] q3_adviser → offer" in text
    assert "transfer to PJSIP/conseiller@trunk" in text
    assert (status, step) == ("qualified", "transfer")


def test_callback_request_is_scheduled() -> None:
    out, status, _ = _chat(["rappelez-moi demain vers 14h"])
    assert status == "callback"
    assert any("2026-11-24T14:00:00+01:00" in line for line in out)


def test_silence_machine_and_end_of_input() -> None:
    out, _, _ = _chat(["", "/machine"])
    assert any("Allô ?" in line for line in out) and any("voicemail" in line for line in out)
    _, status, _ = _chat([])
    assert status == "unreachable"


def test_mermaid_graph_has_every_step_and_edge_labels() -> None:
    scenario = resolve("patrimoine")
    graph = to_mermaid(scenario)
    assert graph.startswith("flowchart TD")
    for name in scenario.steps:
        assert f"    {name}" in graph
    assert 'intro -- "yes" --> q1_savings' in graph
    assert "qualify -- qualified --> offer" in graph
    assert 'intro -- "silence (retry 1)" --> goodbye_silence' in graph
