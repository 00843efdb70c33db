"""Ollama's wire format, as MiniBot relies on it, checked on the fake (always) and on the stand-in
serving a real model (``../shared/tools/ollama-standin``) when ``MINIBOT_OLLAMA_STANDIN_URL`` is set
(with ``MINIBOT_OLLAMA_STANDIN_MODEL``, default ``gemma3:270m``). The fake must be as unkind as Ollama:
what passes here on the stand-in passes on the fake too.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest

from services.nlp.llm import NluService
from services.nlp.prompts import intent_schema
from tests.fakes.ollama_server import FakeOllama, Reply, running

STANDIN_URL = os.environ.get("MINIBOT_OLLAMA_STANDIN_URL", "")
STANDIN_MODEL = os.environ.get("MINIBOT_OLLAMA_STANDIN_MODEL", "gemma3:270m")
ANSWER = {"intent": "yes", "certitude": "forte"}
SCHEMA = intent_schema(("yes", "no"))
MESSAGES = [
    {"role": "system", "content": "Réponds en JSON."},
    {"role": "user", "content": "Réponse de la personne : oui pourquoi pas"},
]


@dataclass
class Server:
    url: str
    model: str
    fake: FakeOllama | None  # None: the stand-in with a real model


def _servers() -> list[Any]:
    """The fake always; the stand-in only when it runs (an optional suite: CI never needs it)."""
    params: list[Any] = [pytest.param("fake", marks=pytest.mark.unit)]
    if STANDIN_URL:
        params.append(pytest.param("standin", marks=pytest.mark.integration))
    return params


@pytest.fixture(params=_servers())
async def server(request: pytest.FixtureRequest) -> AsyncIterator[Server]:
    if request.param == "standin":
        yield Server(STANDIN_URL, STANDIN_MODEL, None)
        return
    fake = FakeOllama(model="gemma3:270m", script=[Reply(ANSWER)], load_delay_s=0.05)
    async with running(fake):
        yield Server(fake.url, fake.model, fake)


async def _post(server: Server, body: dict[str, Any]) -> tuple[int, str, str]:
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{server.url}/api/chat", json={"model": server.model, **body}) as response,
    ):
        return response.status, response.content_type, await response.text()


async def test_a_request_streams_ndjson_unless_stream_is_false(server: Server) -> None:
    status, kind, text = await _post(
        server, {"messages": MESSAGES, "format": SCHEMA, "options": {"num_predict": 60}}
    )
    lines = [json.loads(line) for line in text.splitlines() if line.strip()]
    assert (status, kind) == (200, "application/x-ndjson") and len(lines) > 1
    assert [line["done"] for line in lines] == [False] * (len(lines) - 1) + [True]
    assert json.loads("".join(line["message"]["content"] for line in lines))["intent"] in {
        "yes",
        "no",
        "unknown",
    }

    body = {"messages": MESSAGES, "format": SCHEMA, "stream": False, "options": {"num_predict": 60}}
    status, kind, text = await _post(server, body)
    reply = json.loads(text)
    assert (status, kind, reply["done"], reply["done_reason"]) == (200, "application/json", True, "stop")
    assert reply["message"]["role"] == "assistant" and isinstance(
        json.loads(reply["message"]["content"]), dict
    )
    for key in ("total_duration", "load_duration", "prompt_eval_count", "eval_count", "eval_duration"):
        assert isinstance(reply[key], int), key
    assert reply["prompt_eval_count"] >= 1 and reply["total_duration"] > 0  # a cached prefix is not counted


async def test_num_predict_cuts_the_answer_with_done_reason_length(server: Server) -> None:
    body = {"messages": MESSAGES, "format": SCHEMA, "stream": False, "options": {"num_predict": 3}}
    status, _, text = await _post(server, body)
    reply = json.loads(text)
    assert (status, reply["done_reason"], reply["eval_count"]) == (200, "length", 3)


async def test_an_unknown_model_is_a_404_with_ollamas_words(server: Server) -> None:
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{server.url}/api/chat", json={"model": "nope:1b", "messages": MESSAGES}) as response,
    ):
        body = await response.json()
    assert response.status == 404
    assert body == {"error": 'model "nope:1b" not found, try pulling it first'}


async def test_keep_alive_zero_unloads_and_the_next_request_loads_again(server: Server) -> None:
    status, _, text = await _post(server, {"messages": [], "keep_alive": 0})
    assert (status, json.loads(text)["done_reason"]) == (200, "unload")
    short = {"messages": MESSAGES, "stream": False, "keep_alive": "5m", "options": {"num_predict": 2}}
    _, _, text = await _post(server, short)
    cold = json.loads(text)["load_duration"]
    _, _, text = await _post(server, short)
    warm = json.loads(text)["load_duration"]
    assert cold > warm and cold > 1_000_000  # nanoseconds: a cold load costs at least a millisecond
    status, _, text = await _post(server, {"messages": [], "keep_alive": "5m"})
    assert (status, json.loads(text)["done_reason"]) == (200, "load")


async def test_one_slot_answers_concurrent_requests_one_after_the_other(server: Server) -> None:
    body = {"messages": MESSAGES, "format": SCHEMA, "stream": False, "options": {"num_predict": 20}}
    if server.fake is not None:
        server.fake.script = [Reply(ANSWER, delay_s=0.2)]
    started = asyncio.get_running_loop().time()
    replies = await asyncio.gather(*(_post(server, body) for _ in range(3)))
    elapsed = asyncio.get_running_loop().time() - started
    assert all(status == 200 for status, _, _ in replies)
    generating = sum(json.loads(text)["eval_duration"] for _, _, text in replies) / 1e9
    assert 0 < generating <= elapsed  # generations did not overlap


async def test_the_service_classifies_through_this_server(server: Server) -> None:
    service = NluService(server.url, server.model, budget_ms=120_000)
    result = await service.classify("ça dépend de ce que vous proposez", ("yes", "no"))
    # a real small model may answer anything: either its checked answer or a fallback with a reason
    assert result.source in {"llm", "fallback"}
    assert result.source == "llm" or result.reason in {
        "unsure",
        "low_confidence",
        "invalid_answer",
        "truncated",
    }
