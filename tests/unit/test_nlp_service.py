"""NluService against the fake Ollama server: constrained format, budget, malformed JSON, breaker, cache."""

from __future__ import annotations

from typing import Any

import pytest

from services.nlp.breaker import CircuitBreaker
from services.nlp.llm import NluService
from tests.fakes.ollama_server import FakeOllama, Reply, closed_port_url, running

pytestmark = pytest.mark.unit

ALLOWED = ("yes", "no", "callback", "do_not_call")
UNSURE = "ça dépend de ce que vous proposez"  # the fast path says unknown


def _state(breaker: CircuitBreaker) -> str:
    return breaker.state  # a function call: mypy must not narrow the property between checks


def _service(url: str, **kwargs: Any) -> NluService:
    return NluService(url, "qwen2.5:3b", budget_ms=kwargs.pop("budget_ms", 2000), **kwargs)


async def test_unsure_utterance_goes_to_the_model_with_a_constrained_format() -> None:
    fake = FakeOllama(script=[Reply({"intent": "yes", "confidence": 0.8, "sentiment": "positive"})])
    async with running(fake):
        result = await _service(fake.url).classify(UNSURE, ALLOWED, question="Avez-vous une minute ?")
    assert (result.intent, result.source, result.sentiment) == ("yes", "llm", "positive")
    body = fake.requests[0]
    assert body["model"] == "qwen2.5:3b" and body["stream"] is False
    assert body["options"]["temperature"] == 0
    assert set(body["format"]["properties"]["intent"]["enum"]) == {*ALLOWED, "unknown"}
    assert body["format"]["required"] == ["intent", "confidence", "sentiment"]
    assert UNSURE in body["messages"][-1]["content"]


async def test_confident_fast_path_does_not_call_the_model() -> None:
    fake = FakeOllama()
    async with running(fake):
        result = await _service(fake.url).classify("oui bien sûr", ALLOWED)
    assert (result.intent, result.source) == ("yes", "keywords")
    assert fake.requests == []


async def test_callback_time_entity_is_extracted() -> None:
    fake = FakeOllama(
        script=[
            Reply(
                {
                    "intent": "callback",
                    "confidence": 0.9,
                    "sentiment": "neutral",
                    "when": "jeudi en fin de matinée",
                }
            )
        ]
    )
    async with running(fake):
        result = await _service(fake.url).classify("voyez ça avec moi en fin de matinée", ALLOWED)
    assert result.intent == "callback" and result.entities == {"when": "jeudi en fin de matinée"}


async def test_intent_outside_the_step_becomes_unknown() -> None:
    fake = FakeOllama(script=[Reply({"intent": "who_are_you", "confidence": 0.9, "sentiment": "neutral"})])
    async with running(fake):
        result = await _service(fake.url).classify(UNSURE, ALLOWED)
    assert result.intent == "unknown"


async def test_budget_exceeded_keeps_the_fast_path_answer() -> None:
    fake = FakeOllama(script=[Reply(hang=True)])
    async with running(fake):
        service = _service(fake.url, budget_ms=50)
        result = await service.classify("pourquoi pas", ALLOWED)
    assert (result.intent, result.source) == ("yes", "keywords")
    assert "50 ms" in service.health()["last_error"]


async def test_malformed_json_is_handled() -> None:
    fake = FakeOllama(script=[Reply("{intent: yes")])
    async with running(fake):
        service = _service(fake.url)
        result = await service.classify(UNSURE, ALLOWED)
    assert (result.intent, result.source) == ("unknown", "keywords")
    assert "malformed JSON" in service.health()["last_error"]


async def test_http_500_falls_back() -> None:
    fake = FakeOllama(script=[Reply(status=500)])
    async with running(fake):
        service = _service(fake.url)
        result = await service.classify(UNSURE, ALLOWED)
    assert result.source == "keywords" and service.counters["llm_failed"] == 1


async def test_server_down_opens_the_breaker_then_half_opens_after_cooldown() -> None:
    now = [0.0]
    service = _service(
        closed_port_url(), breaker=CircuitBreaker(threshold=2, cooldown_s=30, clock=lambda: now[0])
    )
    for phrase in ("ça dépend", "on verra bien", "c'est compliqué"):
        assert (await service.classify(phrase, ALLOWED)).source == "keywords"
    health = service.health()
    assert (health["breaker"], health["status"], health["llm_failed"]) == ("open", "down", 2)
    assert "ConnectionError" in health["last_error"]
    now[0] = 31.0
    assert _state(service.breaker) == "half_open"
    fake = FakeOllama(script=[Reply({"intent": "no", "confidence": 0.7, "sentiment": "neutral"})])
    async with running(fake):
        service.host = fake.url
        service._client = None  # reconnect to the server that came back
        assert (await service.classify("bof bof", ALLOWED)).source == "llm"
    assert _state(service.breaker) == "closed"


async def test_cache_hit_skips_the_model() -> None:
    fake = FakeOllama(script=[Reply({"intent": "no", "confidence": 0.8, "sentiment": "neutral"})])
    async with running(fake):
        service = _service(fake.url)
        first = await service.classify("Ça dépend, euh...", ALLOWED)
        second = await service.classify("ca depend", ALLOWED)
    assert (first.source, second.source, second.intent) == ("llm", "cache", "no")
    assert len(fake.requests) == 1 and service.health()["cache_hits"] == 1


def test_breaker_state_machine() -> None:
    now = [0.0]
    breaker = CircuitBreaker(threshold=3, cooldown_s=10, clock=lambda: now[0])
    for _ in range(3):
        assert breaker.allow()
        breaker.record_failure()
    assert _state(breaker) == "open" and not breaker.allow()
    now[0] = 10.0
    assert breaker.allow() and not breaker.allow()  # one trial only
    breaker.record_failure()
    assert _state(breaker) == "open"
    now[0] = 20.0
    assert breaker.allow()
    breaker.record_success()
    assert _state(breaker) == "closed" and breaker.allow()


def test_cancelled_trial_lets_a_later_trial_through() -> None:
    now = [0.0]
    breaker = CircuitBreaker(threshold=1, cooldown_s=5, clock=lambda: now[0])
    breaker.record_failure()
    now[0] = 5.0
    assert breaker.allow() and not breaker.allow()
    breaker.cancel_trial()
    assert breaker.allow()


async def test_fake_serves_tags_and_version() -> None:
    import ollama

    fake = FakeOllama()
    async with running(fake):
        client = ollama.AsyncClient(host=fake.url)
        listed = await client.list()
        assert [m.model for m in listed.models] == ["qwen2.5:3b"]
        response = await client.chat(
            model="qwen2.5:3b", messages=[{"role": "user", "content": "x"}], stream=False
        )
    assert response.done and response.done_reason == "stop" and response.message.role == "assistant"
