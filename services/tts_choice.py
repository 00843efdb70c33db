"""Which engine and voice say a scenario's prompts (pure data, shared by scenarios and the TTS)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

PIPER, ESPEAK = "piper", "espeak"
ENGINES = (PIPER, ESPEAK)


@dataclass(frozen=True)
class VoiceChoice:
    """The voice a scenario asks for (``tts:`` in its YAML); empty fields: the robot's defaults."""

    engine: str = ""  # piper | espeak | "" (the robot's engine)
    voice: str = ""  # a Piper voice name or .onnx path, or an espeak-ng voice
    lexicon: Mapping[str, str] = field(default_factory=dict)  # word -> how to say it


DEFAULT_CHOICE = VoiceChoice()
