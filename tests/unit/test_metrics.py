"""The health app reports checks with the right HTTP status and exposes Prometheus metrics."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient, TestServer

from services.metrics import CALLS_ORIGINATED, health_app

pytestmark = pytest.mark.unit


async def _ok() -> dict[str, object]:
    return {"ok": True, "detail": "fine"}


async def _down() -> dict[str, object]:
    return {"ok": False, "error": "ollama unreachable"}


async def test_health_and_metrics_endpoints() -> None:
    CALLS_ORIGINATED.labels(campaign="health-test").inc()
    async with TestClient(TestServer(health_app({"db": _ok, "nlp": _down}))) as client:
        resp = await client.get("/health/db")
        assert resp.status == 200 and (await resp.json())["detail"] == "fine"
        resp = await client.get("/health/nlp")
        assert resp.status == 503 and (await resp.json())["error"] == "ollama unreachable"
        resp = await client.get("/health")
        assert resp.status == 503 and set((await resp.json())["checks"]) == {"db", "nlp"}
        assert (await client.get("/health/nope")).status == 404
        text = await (await client.get("/metrics")).text()
        assert 'minibot_calls_originated_total{campaign="health-test"} 1.0' in text


async def test_overall_health_is_what_stops_calls() -> None:
    checks = {"db": _ok, "ari": _ok, "nlp": _down, "tts": _ok}
    async with TestClient(TestServer(health_app(checks, optional={"nlp", "tts"}))) as client:
        resp = await client.get("/health")
        body = await resp.json()
        assert resp.status == 200  # Ollama down: calls go on with the keyword fast path
        assert (body["status"], body["ok"], body["degraded"]) == ("degraded", True, ["nlp"])
        assert (await client.get("/health/nlp")).status == 503  # the part itself still says it is down
    async with TestClient(TestServer(health_app({"db": _down, "nlp": _ok}, optional={"nlp"}))) as client:
        resp = await client.get("/health")
        body = await resp.json()
        assert resp.status == 503 and (body["status"], body["ok"], body["degraded"]) == ("down", False, [])
    async with TestClient(TestServer(health_app({"db": _ok}, optional={"nlp"}))) as client:
        body = await (await client.get("/health")).json()
        assert (body["status"], body["ok"]) == ("ok", True)
