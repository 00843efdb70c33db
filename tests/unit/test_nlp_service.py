"""NluService against the fake Ollama server: the request on the wire, every bad reply falls back,
answers are checked before use, budgets, lanes, the missing model, warm-up, cache."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from typing import Any

import pytest

from services.metrics import NLP_FALLBACKS
from services.nlp.breaker import CircuitBreaker
from services.nlp.keywords import classify
from services.nlp.llm import NluService, overall_source
from tests.fakes.ollama_server import FakeOllama, Reply, closed_port_url, running

pytestmark = pytest.mark.unit

ALLOWED = ("yes", "no", "callback", "do_not_call")
UNSURE = "ça dépend de ce que vous proposez"  # the fast path says unknown
YES = {"intent": "yes", "certitude": "forte"}


def _state(breaker: CircuitBreaker) -> str:
    return breaker.state  # a function call: mypy must not narrow the property between checks


def _service(url: str, **kwargs: Any) -> NluService:
    return NluService(url, "qwen2.5:3b", budget_ms=kwargs.pop("budget_ms", 2000), **kwargs)


def _fallbacks(lane: str, reason: str) -> float:
    value = NLP_FALLBACKS.labels(lane=lane, reason=reason)._value.get()
    return float(value)


async def test_unsure_utterance_goes_to_the_model_with_a_short_constrained_request() -> None:
    fake = FakeOllama(script=[Reply(YES)])
    async with running(fake):
        result = await _service(fake.url).classify(UNSURE, ALLOWED, question="Avez-vous une minute ?")
    assert (result.intent, result.source, result.confidence) == ("yes", "llm", 0.95)
    [body] = fake.requests
    assert body["stream"] is False and body["think"] is False and body["keep_alive"] == "30m"
    assert body["options"] == {"temperature": 0, "num_predict": 32}
    assert body["format"]["properties"]["intent"]["enum"] == sorted({*ALLOWED, "unknown"})
    assert body["format"]["required"] == ["intent", "certitude"]  # a short answer: no time, no sentiment
    assert "Avez-vous une minute ?" in body["messages"][1]["content"]


async def test_confident_keywords_never_reach_the_model() -> None:
    fake = FakeOllama()
    async with running(fake):
        result = await _service(fake.url).classify("oui bien sûr", ALLOWED)
    assert (result.intent, result.source) == ("yes", "fast") and fake.requests == []


# Every way the model's reply can be unusable; the fast path answers ("unknown" for UNSURE).
BAD_REPLIES = {
    "ndjson": (Reply(YES, kind="ndjson"), "bad_reply"),
    "html": (Reply(kind="html"), "bad_reply"),
    "no_message": (Reply(YES, kind="no_message"), "bad_reply"),
    "drop": (Reply(kind="drop"), "connection"),
    "http_500": (Reply(status=500), "http_500"),
    "http_503": (Reply(status=503), "http_503"),
    "http_404_not_a_model": (Reply(status=404), "http_404"),
    "malformed": (Reply('{"intent": "yes", "confid'), "bad_json"),
    "prose": (Reply("Bien sûr ! La personne semble d'accord."), "bad_json"),
    "not_an_object": (Reply('["yes"]'), "bad_json"),
    "looping": (Reply('{"intent": "yes", "certitude": "' + "forte " * 60 + '"}'), "truncated"),
    "out_of_bounds": (Reply({**YES, "certitude": 1_000_000_000_000_000}), "invalid_answer"),
    "no_certitude": (Reply({"intent": "yes"}), "invalid_answer"),
    "intent_not_allowed": (Reply({**YES, "intent": "transfer"}), "invalid_answer"),
    "unsure_model": (Reply({**YES, "intent": "unknown"}), "unsure"),
    "low_confidence": (Reply({**YES, "intent": "no", "certitude": "faible"}), "low_confidence"),
}


@pytest.mark.parametrize("kind", BAD_REPLIES)
async def test_a_bad_reply_falls_back_to_the_fast_path_with_its_reason(
    kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    reply, reason = BAD_REPLIES[kind]
    before = _fallbacks("live", reason)
    async with running(FakeOllama(script=[reply])) as fake:
        service = _service(fake.url)
        with caplog.at_level(logging.WARNING, "minibot.nlp"):
            result = await service.classify(UNSURE, ALLOWED)
    assert (result.intent, result.source, result.reason) == ("unknown", "fallback", reason)
    assert _fallbacks("live", reason) == before + 1
    assert service.health()["last_error"].startswith(f"live: {reason}")
    assert any(reason in record.getMessage() for record in caplog.records)


async def test_slow_model_runs_out_of_the_budget() -> None:
    fake = FakeOllama(script=[Reply(hang=True)])
    async with running(fake):
        service = _service(fake.url, budget_ms=150)
        result = await service.classify("pourquoi pas", ALLOWED)
    assert (result.intent, result.source, result.reason) == ("yes", "fallback", "timeout")


async def test_the_model_may_not_override_a_keyword_candidate_without_support() -> None:
    # "bah pourquoi pas" is a weak yes; the model said "callback" (sure) with an invented time
    fake = FakeOllama(script=[Reply({"intent": "callback", "certitude": "forte"})])
    async with running(fake):
        result = await _service(fake.url).classify("bah pourquoi pas", ALLOWED)
    assert (result.intent, result.source, result.reason) == ("yes", "fallback", "invalid_answer")


async def test_a_callback_needs_the_callers_words_to_ask_for_one() -> None:
    callback = {"intent": "callback", "certitude": "forte"}
    async with running(FakeOllama(script=[Reply(callback)])) as fake:
        service = _service(fake.url)
        asked = await service.classify("voyez ça avec moi en fin de matinée", ALLOWED)
        not_asked = await service.classify("voyez ça avec ma femme", ALLOWED)
    assert (asked.intent, asked.source) == ("callback", "llm")
    fast = classify("voyez ça avec ma femme", allowed=ALLOWED).intent  # the fast path's answer stands
    assert (not_asked.intent, not_asked.source, not_asked.reason) == (fast, "fallback", "invalid_answer")
    assert fast != "callback"


async def test_model_not_found_is_reported_once_with_the_fix_and_not_retried(
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake = FakeOllama(model="llama3.2:1b")
    async with running(fake):
        service = _service(fake.url)
        with caplog.at_level(logging.DEBUG, "minibot.nlp"):
            first = await service.classify(UNSURE, ALLOWED)
            second = await service.classify("on verra bien", ALLOWED)
    assert (first.reason, second.reason) == ("model_missing", "model_missing")
    assert len(fake.requests) == 1  # not asked again like a transient error
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and "run `ollama pull qwen2.5:3b`" in errors[0].getMessage()
    assert _state(service.breaker) == "closed"  # a missing model is not a flaky server


async def test_ollama_refusing_think_is_asked_again_without_it() -> None:
    fake = FakeOllama(script=[Reply(YES)], think_supported=False)
    async with running(fake):
        service = _service(fake.url)
        first = await service.classify(UNSURE, ALLOWED)
        await service.classify("on verra bien", ALLOWED)
    assert first.source == "llm"
    assert ["think" in body for body in fake.requests] == [True, False, False]


async def test_success_clears_the_last_error() -> None:
    fake = FakeOllama(script=[Reply(status=500), Reply(YES)])
    async with running(fake):
        service = _service(fake.url)
        await service.classify(UNSURE, ALLOWED)
        assert service.health()["last_error"]
        assert (await service.classify("on verra bien", ALLOWED)).source == "llm"
    assert service.health()["last_error"] == ""


async def test_server_down_opens_the_live_breaker_then_half_opens_after_cooldown() -> None:
    now = [0.0]
    breaker = CircuitBreaker(threshold=2, cooldown_s=30, clock=lambda: now[0])
    async with running(FakeOllama(script=[Reply(status=500), Reply(status=500), Reply(YES)])) as fake:
        service = _service(fake.url, breaker=breaker)
        reasons = [(await service.classify(p, ALLOWED)).reason for p in ("ça dépend", "on verra", "bof")]
        assert reasons == ["http_500", "http_500", "circuit_open"] and len(fake.requests) == 2
        assert (service.health()["breaker"], service.health()["status"]) == ("open", "down")
        now[0] = 31.0
        assert _state(service.breaker) == "half_open"
        assert (await service.classify("bof bof", ALLOWED)).source == "llm"
    assert _state(service.breaker) == "closed"


async def test_analysis_failures_do_not_open_the_live_breaker() -> None:
    async with running(FakeOllama(script=[Reply(status=500)] * 3 + [Reply(YES)])) as fake:
        service = _service(fake.url)
        for _ in range(3):
            with pytest.raises(Exception, match="http_500"):
                await service.complete_json("s", "u", {"type": "object"})
        assert (_state(service.analysis.breaker), _state(service.breaker)) == ("open", "closed")
        assert (await service.classify(UNSURE, ALLOWED)).source == "llm"


async def test_a_live_turn_does_not_queue_behind_a_busy_slot() -> None:
    fake = FakeOllama(script=[Reply({"summary": "x"}, delay_s=0.5), Reply(YES)])
    async with running(fake):
        service = _service(fake.url)
        analysis = asyncio.create_task(service.complete_json("s", "u", {"type": "object"}))
        await fake.received()
        result = await service.classify(UNSURE, ALLOWED)
        assert await analysis == {"summary": "x"}
    assert (result.source, result.reason) == ("fallback", "busy") and len(fake.requests) == 1


async def test_analyses_wait_their_turn_here_not_in_ollamas_queue() -> None:
    fake = FakeOllama(script=[Reply({"summary": "x"}, delay_s=0.1)])
    async with running(fake):
        service = _service(fake.url)
        answers = await asyncio.gather(
            *(service.complete_json("s", "u", {"type": "object"}) for _ in range(3))
        )
    assert answers == [{"summary": "x"}] * 3 and len(fake.requests) == 3
    assert fake.waiting_peak == 0  # never more than one request at Ollama


async def test_the_fake_queues_concurrent_requests_behind_its_one_slot() -> None:
    fake = FakeOllama(script=[Reply({"summary": "x"}, delay_s=0.1)])
    async with running(fake):
        services = [_service(fake.url) for _ in range(3)]  # three robots, one Ollama
        await asyncio.gather(*(s.complete_json("s", "u", {"type": "object"}) for s in services))
    assert fake.waiting_peak == 2


async def test_the_filler_plays_while_a_slow_model_answers() -> None:
    fillers: list[str] = []

    async def filler() -> None:
        fillers.append("Je vois…")

    fake = FakeOllama(script=[Reply(YES, delay_s=0.4)])
    async with running(fake):
        service = _service(fake.url, budget_ms=100, filler_ms=2000)
        result = await service.classify(UNSURE, ALLOWED, on_slow=filler)
        fast = await service.classify("oui bien sûr", ALLOWED, on_slow=filler)
    assert (result.intent, result.source) == ("yes", "llm") and fast.source == "fast"
    assert fillers == ["Je vois…"]


async def test_without_a_filler_the_turn_waits_only_its_budget() -> None:
    fake = FakeOllama(script=[Reply(YES, delay_s=0.4)])
    async with running(fake):
        service = _service(fake.url, budget_ms=100, filler_ms=2000)
        result = await service.classify(UNSURE, ALLOWED)
    assert (result.source, result.reason) == ("fallback", "timeout")


async def test_a_hung_up_call_cancels_its_request_and_releases_the_trial() -> None:
    now = [0.0]
    breaker = CircuitBreaker(threshold=1, cooldown_s=5, clock=lambda: now[0])
    breaker.record_failure()
    now[0] = 5.0
    fake = FakeOllama(script=[Reply(hang=True), Reply(YES)])
    async with running(fake):
        service = _service(fake.url, breaker=breaker)
        turn = asyncio.create_task(service.classify(UNSURE, ALLOWED))
        await fake.received()
        turn.cancel()
        with pytest.raises(asyncio.CancelledError):
            await turn
        assert _state(breaker) == "half_open"
        assert (await service.classify("on verra bien", ALLOWED)).source == "llm"  # a new trial went out
    assert _state(breaker) == "closed"


async def test_unreachable_server_falls_back() -> None:
    service = _service(closed_port_url(), budget_ms=300)
    result = await service.classify(UNSURE, ALLOWED)
    assert (result.source, result.reason) == ("fallback", "connection")


def _sure(intent: str) -> Reply:
    return Reply({"intent": intent, "certitude": "forte"})


# the warm-up: one request to load, then the four plain answers (yes, no, callback, unknown)
SENSIBLE = [_sure("yes"), _sure("yes"), _sure("no"), _sure("callback"), _sure("unknown")]


async def test_warm_up_loads_the_model_and_checks_it_on_plain_answers(
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake = FakeOllama(load_delay_s=0.05, script=[*SENSIBLE, Reply(YES)])
    async with running(fake):
        service = _service(fake.url)
        with caplog.at_level(logging.INFO, "minibot.nlp"):
            await service.warm_up()
        assert "ready" in caplog.text and service.health()["live"] == "on"
        assert fake.loaded and fake.loads == 1 and len(fake.requests) == 5
        assert fake.requests[0]["keep_alive"] == "30m"
        assert fake.requests[0]["messages"][0]["content"].startswith("Tu analyses")
        assert (await service.classify(UNSURE, ALLOWED)).source == "llm"


async def test_a_model_too_slow_for_this_machine_is_kept_off_live_turns(
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake = FakeOllama(script=[replace(reply, delay_s=0.3) for reply in SENSIBLE])
    async with running(fake):
        service = _service(fake.url, budget_ms=100, filler_ms=100)
        with caplog.at_level(logging.WARNING, "minibot.nlp"):
            await service.warm_up()
        result = await service.classify(UNSURE, ALLOWED)
        summary = await service.complete_json("s", "u", {"type": "object"})
    assert "kept off live turns" in caplog.text and "0.2 s a caller may wait" in service.health()["live"]
    assert (result.source, result.reason) == ("fallback", "live_off") and summary == {
        "intent": "unknown",
        "certitude": "forte",
    }
    assert len(fake.requests) == 6  # five warm-up requests and the summary; no live turn waited


async def test_a_model_that_says_yes_to_everything_is_kept_off_live_turns() -> None:
    fake = FakeOllama(script=[_sure("yes")])
    async with running(fake):
        service = _service(fake.url)
        await service.warm_up()
        result = await service.classify(UNSURE, ALLOWED)
    assert "misread 3 of 4 plain answers" in service.health()["live"]
    assert "« non merci ça ne m'intéresse pas » → yes" in service.health()["live"]
    assert (result.source, result.reason) == ("fallback", "live_off")


async def test_warm_up_failure_only_logs(caplog: pytest.LogCaptureFixture) -> None:
    service = _service(closed_port_url())
    with caplog.at_level(logging.WARNING, "minibot.nlp"):
        await service.warm_up()
    assert "warm-up failed" in caplog.text


async def test_cache_hit_skips_the_model() -> None:
    fake = FakeOllama(script=[Reply({"intent": "no", "certitude": "forte"})])
    async with running(fake):
        service = _service(fake.url)
        first = await service.classify("Ça dépend, euh...", ALLOWED)
        second = await service.classify("ca depend", ALLOWED)
    assert (first.source, second.source, second.intent) == ("llm", "llm", "no")
    assert len(fake.requests) == 1 and service.health()["cache_hits"] == 1


@pytest.mark.parametrize(
    ("sources", "lead"),
    [
        ([], None),
        (["fast", "fast"], "fast"),
        (["fast", "fallback"], "fallback"),
        (["fallback", "llm"], "llm"),
    ],
)
def test_the_lead_says_whether_the_model_decided_an_answer(sources: list[str], lead: str | None) -> None:
    assert overall_source(sources) == lead
