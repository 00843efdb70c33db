"""The robot's ``/health/nlp`` check: is Ollama reachable with the model, and the NLU service's own state."""

from __future__ import annotations

import aiohttp

from services.metrics import HealthCheck
from services.nlp.llm import NluService

PROBE_TIMEOUT_S = 2.0


async def probe_ollama(host: str, model: str, timeout_s: float = PROBE_TIMEOUT_S) -> str:
    """``GET /api/tags``: an empty string when Ollama answers and has ``model``, else what is wrong."""
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout_s)) as http,
            http.get(f"{host.rstrip('/')}/api/tags") as response,
        ):
            if response.status != 200:
                return f"Ollama answered HTTP {response.status} at {host}"
            body = await response.json()
    except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
        return f"Ollama unreachable at {host}: {type(exc).__name__} {exc}".strip()
    names = {str(m.get("name", "")) for m in body.get("models", []) if isinstance(m, dict)}
    if model not in names and f"{model}:latest" not in names:
        return f"model {model!r} is not pulled on {host} (run: ollama pull {model})"
    return ""


def nlp_check(service: NluService) -> HealthCheck:
    """A health check reporting the service (breaker, counters, latency) and a live probe of Ollama.

    ``ok`` is false when Ollama is unreachable, lacks the model or the circuit breaker is open; calls
    still go on meanwhile with the keyword fast path.
    """

    async def check() -> dict[str, object]:
        report: dict[str, object] = dict(service.health())
        problem = await probe_ollama(service.host, service.model)
        report["reachable"] = not problem
        if problem:
            report["error"] = problem
        report["ok"] = not problem and report["status"] != "down"
        return report

    return check
