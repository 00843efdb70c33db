"""The robot's ``/health/nlp`` route, with the fake Ollama up, without the model, and down."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from psycopg_pool import AsyncConnectionPool

from calls.runner import OPTIONAL_CHECKS, robot_checks
from services.ari.client import AriClient
from services.metrics import health_app
from services.nlp.llm import NluService
from tests.fakes.ollama_server import FakeOllama, closed_port_url, running

pytestmark = pytest.mark.integration


@asynccontextmanager
async def robot_health(pool: AsyncConnectionPool, nlu: NluService) -> AsyncIterator[TestClient[Any, Any]]:
    async with AriClient(closed_port_url(), "u", "p", "minibot") as ari:
        client: TestClient[Any, Any] = TestClient(
            TestServer(health_app(robot_checks(pool, ari, nlu), optional=OPTIONAL_CHECKS))
        )
        async with client:
            yield client


async def test_health_nlp_ok_when_ollama_has_the_model(pool: AsyncConnectionPool) -> None:
    async with (
        running(FakeOllama(model="qwen2.5:3b")) as fake,
        robot_health(pool, NluService(fake.url, "qwen2.5:3b")) as client,
    ):
        response = await client.get("/health/nlp")
        body = await response.json()
        db = await client.get("/health/db")
    assert response.status == 200
    assert body["ok"] is True and body["reachable"] is True
    assert (body["breaker"], body["model"], body["host"]) == ("closed", "qwen2.5:3b", fake.url)
    assert db.status == 200


async def test_health_nlp_reports_a_missing_model(pool: AsyncConnectionPool) -> None:
    async with (
        running(FakeOllama(model="llama3.2:1b")) as fake,
        robot_health(pool, NluService(fake.url, "qwen2.5:3b")) as client,
    ):
        response = await client.get("/health/nlp")
        body = await response.json()
    assert response.status == 503
    assert "ollama pull qwen2.5:3b" in body["error"]


async def test_health_nlp_down_when_ollama_is_unreachable(pool: AsyncConnectionPool) -> None:
    nlu = NluService(closed_port_url(), "qwen2.5:3b", budget_ms=300)
    # a classification the keywords cannot settle falls back to them and counts the LLM failure
    result = await nlu.classify("euh ça dépend de quoi", ["yes", "no"])
    assert (result.source, result.reason) == ("fallback", "connection")
    async with robot_health(pool, nlu) as client:
        response = await client.get("/health/nlp")
        body = await response.json()
        overall = await client.get("/health")
        summary = await overall.json()
        checks = summary["checks"]
    assert response.status == 503
    assert body["ok"] is False and body["reachable"] is False
    assert "unreachable" in body["error"] and body["llm_failed"] == 1
    assert checks["nlp"]["ok"] is False and checks["db"]["ok"] is True
    # calls go on with the keyword fast path: the robot is degraded, not down (ARI here is down)
    assert summary["degraded"] == ["nlp"] and checks["ari"]["ok"] is False
    assert overall.status == 503 and summary["status"] == "down"
