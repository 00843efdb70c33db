"""What the robot runs with, said once at start: speech model, language model, media transport, voice.

An operator reading the first lines of the log knows which parts are real and which are fallbacks
(a speech model that is not French, Ollama unreachable or without its model, espeak-ng speaking
because no Piper voice is installed) before any call.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from calls.nlp_health import probe_ollama
from services.config import Settings
from services.tts import TtsStatus

log = logging.getLogger("minibot.robot")


@dataclass(frozen=True)
class Components:
    """The parts a robot was started with."""

    asr_model: Path
    asr_language: str
    ollama_host: str
    ollama_model: str
    ollama_problem: str  # empty when Ollama answers with the model
    media_transport: str
    media_address: str
    tts: TtsStatus | None = None  # the voice the robot speaks with


def report(parts: Components) -> list[tuple[int, str]]:
    """The start-up lines as (logging level, message): INFO for each part, WARNING for each fallback."""
    lines = [
        (logging.INFO, f"speech model: {parts.asr_model} (language {parts.asr_language})"),
        (logging.INFO, f"language model: Ollama {parts.ollama_model} at {parts.ollama_host}"),
        (logging.INFO, f"media transport: {parts.media_transport} ({parts.media_address})"),
    ]
    if parts.tts is not None:
        lines.append((logging.INFO, f"speech synthesis: {parts.tts.engine} voice {parts.tts.voice}"))
        if parts.tts.fallback:
            lines.append((logging.WARNING, f"fallback speech synthesis: {parts.tts.reason}"))
    if not parts.asr_language.startswith("fr"):
        lines.append(
            (
                logging.WARNING,
                f"fallback speech model: {parts.asr_model.name} is not French ({parts.asr_language}); "
                "callers are heard but not understood. Run `minibot models download fr-small` and set "
                "MINIBOT_VOSK_MODEL",
            )
        )
    if parts.ollama_problem:
        lines.append(
            (
                logging.WARNING,
                f"language model unavailable ({parts.ollama_problem}): calls go on with the keyword "
                "fast path only",
            )
        )
    return lines


async def log_components(
    settings: Settings, asr_model: Path, asr_language: str, tts: TtsStatus | None = None
) -> Components:
    """Probe Ollama, log what the robot runs with (warnings for fallbacks) and return it."""
    transport = settings.media_transport
    address = "Asterisk connects over WebSocket"
    if transport == "audiosocket":
        address = f"listening on {settings.media_host}:{settings.media_port}"
    elif transport == "rtp":
        address = f"UDP {settings.media_host} ports {settings.rtp_port_min}-{settings.rtp_port_max}"
    parts = Components(
        asr_model=asr_model,
        asr_language=asr_language,
        ollama_host=settings.ollama_host,
        ollama_model=settings.ollama_model,
        ollama_problem=await probe_ollama(settings.ollama_host, settings.ollama_model),
        media_transport=transport,
        media_address=address,
        tts=tts,
    )
    for level, message in report(parts):
        log.log(level, message)
    return parts
