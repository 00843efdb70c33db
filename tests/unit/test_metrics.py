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
