"""VAD benchmarks: webrtcvad throughput, false barge-ins on backchannels/noise, barge-in latency.

Backchannels ("oui", "mm", "d'accord", "hum"...) are synthesized with espeak-ng at several speeds
and mixed with the noise clips of ../shared/audio; each is fed as caller audio while the bot speaks,
with and without a faint echo of the bot's own prompt (-30 dB).
"""

from __future__ import annotations

import asyncio
import time

import numpy as np

from benchmarks.common import emit, percentile
from services.media.frames import FRAME_BYTES, frames_of, pcm_to_samples, read_wav_16k
from services.tts import EspeakTts
from services.vad import BargeInDetector, WebRtcVad
from tests.conftest import AUDIO_DIR

BACKCHANNELS = ["oui", "mm", "d'accord", "hum", "ouais", "mmh", "ok"]
SPEEDS = [130, 160, 190]
NOISES = ["noise/leopard_empty_noise.wav", "noise/wt_empty_roomtone.wav", "silence/asterisk_silence_5s.wav"]
INTERRUPTIONS = [
    "tts_fr/non_merci.wav",
    "tts_fr/rappelez_moi.wav",
    "tts_fr/oui_interesse.wav",
    "human_fr/leopard_test_fr.wav",
    "human_fr/cheetah_test_fr.wav",
    "human_fr/rhino_within_context_fr.wav",
]


def mix(*signals: bytes, gains: tuple[float, ...]) -> bytes:
    """Sum LE int16 signals (each scaled), length of the first."""
    length = len(signals[0]) // 2
    out = np.zeros(length)
    for signal, gain in zip(signals, gains, strict=True):
        s = pcm_to_samples(signal).astype(float)
        s = np.resize(s, length) if len(s) else np.zeros(length)
        out += gain * s
    return np.clip(out, -32768, 32767).astype("<i2").tobytes()


def fires(pcm: bytes, aggressiveness: int) -> int | None:
    """Frame index where the barge-in detector fires while the bot speaks (VAD only), or None."""
    vad, detector = WebRtcVad(aggressiveness), BargeInDetector()
    detector.set_bot_speaking(True)
    for i, frame in enumerate(frames_of(pcm)):
        if any(detector.on_frame(20, s) for s in vad.classify(frame)):
            return i
    return None


def false_barge_in_rate(backchannels: list[bytes], echo: bytes, aggressiveness: int) -> tuple[float, int]:
    """Share of backchannel/noise trials (with and without bot echo) where the bot would be cut."""
    pad = bytes(16000)  # 0.5 s around each backchannel
    trials, false_fires = 0, 0
    for noise_clip in NOISES:
        noise = read_wav_16k(AUDIO_DIR / noise_clip)
        for n, bc in enumerate(backchannels):
            offset = (n * 11840) % len(noise)  # sample the noise at varying points (0.37 s steps)
            shifted = noise[offset:] + noise[:offset]
            for echo_gain in (0.0, 0.03):
                trials += 1
                false_fires += (
                    fires(mix(pad + bc + pad, shifted, echo, gains=(1.0, 1.0, echo_gain)), aggressiveness)
                    is not None
                )
        for echo_gain in (0.0, 0.03):  # noise alone
            trials += 1
            false_fires += (
                fires(mix(noise[: 32000 * 3], echo, gains=(1.0, echo_gain)), aggressiveness) is not None
            )
    return 100 * false_fires / trials, trials


def first_voiced(pcm: bytes) -> int:
    vad = WebRtcVad(2)
    return next((i for i, f in enumerate(frames_of(pcm)) if vad.classify(f)[0]), 0)


async def synth_backchannels() -> list[bytes]:
    out = []
    for speed in SPEEDS:
        tts = EspeakTts(speed)
        out += [await tts.synthesize(word, "fr") for word in BACKCHANNELS]
    return out


def main() -> None:
    """Print the VAD figures."""
    long_audio = b"".join(
        read_wav_16k(AUDIO_DIR / "human_fr" / "wt_bonjour_vous_allez_bien.wav") for _ in range(2)
    )
    vad = WebRtcVad(2)
    start = time.perf_counter()
    vad.classify(long_audio)
    elapsed = time.perf_counter() - start
    frames_per_s = len(long_audio) / FRAME_BYTES / elapsed
    emit(
        "vad_throughput",
        frames_per_s,
        "frames/s",
        ">= 5000 (100 calls = 5000 frames/s)",
        frames_per_s >= 5000,
    )

    backchannels = asyncio.run(synth_backchannels())
    echo = read_wav_16k(AUDIO_DIR / "fr_ca_prompts" / "vm-intro.wav")
    for aggressiveness in (2, 3):
        rate, trials = false_barge_in_rate(backchannels, echo, aggressiveness)
        emit(f"vad_false_barge_in_rate_aggr{aggressiveness}", rate, "%", "<= 10", rate <= 10, trials=trials)

    latencies, missed = [], 0
    for clip in INTERRUPTIONS:
        pcm = read_wav_16k(AUDIO_DIR / clip)
        fired = fires(pcm, 3)
        if fired is None:
            missed += 1
        else:
            latencies.append(20 * (fired - first_voiced(pcm)))
    emit("barge_in_detected", 100 * (1 - missed / len(INTERRUPTIONS)), "%", ">= 95", missed == 0)
    p50, p95 = percentile(latencies, 50), percentile(latencies, 95)
    emit("barge_in_latency_vad_only_p50", p50, "ms", "<= 700 (no ASR word)", p50 <= 700)
    emit("barge_in_latency_vad_only_p95", p95, "ms", "<= 900 (no ASR word)", p95 <= 900)


if __name__ == "__main__":
    main()
