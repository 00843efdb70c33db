"""The robot says at start which speech model, language model and media transport it runs with,
and warns when one is a fallback."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from calls.startup import Components, log_components, report
from services.config import Settings
from tests.fakes.ollama_server import FakeOllama, closed_port_url, running

pytestmark = pytest.mark.unit

FRENCH = Components(
    asr_model=Path("/models/vosk-model-small-fr-0.22"),
    asr_language="fr",
    ollama_host="http://127.0.0.1:11434",
    ollama_model="qwen2.5:3b",
    ollama_problem="",
    media_transport="rtp",
    media_address="UDP 127.0.0.1 ports 20000-20999",
)


def test_every_part_is_named_and_real_parts_raise_no_warning() -> None:
    lines = report(FRENCH)
    assert all(level == logging.INFO for level, _ in lines)
    text = "\n".join(message for _, message in lines)
    assert "speech model: /models/vosk-model-small-fr-0.22 (language fr)" in text
    assert "language model: Ollama qwen2.5:3b at http://127.0.0.1:11434" in text
    assert "media transport: rtp (UDP 127.0.0.1 ports 20000-20999)" in text


def test_fallbacks_are_warnings() -> None:
    degraded = Components(
        **{**FRENCH.__dict__, "asr_model": Path("/x/vosk-model-small-ko"), "asr_language": "ko"}
        | {"ollama_problem": "Ollama unreachable at http://127.0.0.1:11434"}
    )
    warnings = [message for level, message in report(degraded) if level == logging.WARNING]
    assert len(warnings) == 2
    assert "not French (ko)" in warnings[0] and "minibot models download fr-small" in warnings[0]
    assert "Ollama unreachable" in warnings[1] and "keyword fast path" in warnings[1]


async def test_log_components_probes_ollama(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="minibot.robot")
    down = Settings(ollama_host=closed_port_url(), media_transport="websocket")
    parts = await log_components(down, Path("/m/fr"), "fr")
    assert parts.ollama_problem.startswith("Ollama unreachable")
    assert any(r.levelno == logging.WARNING and "keyword fast path" in r.message for r in caplog.records)
    async with running(FakeOllama(model="qwen2.5:3b")) as fake:
        up = await log_components(Settings(ollama_host=fake.url, ollama_model="qwen2.5:3b"), Path("/m"), "fr")
    assert up.ollama_problem == "" and up.media_address == "Asterisk connects over WebSocket"
