"""Loudness (ITU-R BS.1770 integrated loudness, LUFS, via pyloudnorm) and matching it, so synthesized
words spliced into a recording sound as loud as the recording around them."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pyloudnorm

from services.media.frames import SAMPLE_RATE

MIN_SECONDS = 0.05  # shorter than this: not measurable, left as is
BLOCK_SECONDS = 0.4  # the standard's gating block; shorter clips are measured as one block
MAX_GAIN_DB = 24.0
PEAK_LIMIT = 0.98  # of full scale, after the gain


def _floats(pcm: bytes) -> np.ndarray:
    return np.frombuffer(pcm, dtype="<i2").astype(np.float64) / 32768.0


def integrated_lufs(pcm: bytes, rate: int = SAMPLE_RATE) -> float:
    """Integrated loudness of 16-bit mono PCM in LUFS; -inf for silence or clips too short to measure."""
    samples = _floats(pcm)
    duration = len(samples) / rate
    if duration < MIN_SECONDS or not samples.any():
        return -math.inf
    meter = pyloudnorm.Meter(rate, block_size=min(BLOCK_SECONDS, duration))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pyloudnorm warns on clipping-free gating edge cases
        return float(meter.integrated_loudness(samples))


def match_loudness(pcm: bytes, target_lufs: float, rate: int = SAMPLE_RATE) -> bytes:
    """``pcm`` with the gain that brings it to ``target_lufs`` (at most ±24 dB, peaks kept below full
    scale); unchanged when either loudness cannot be measured."""
    current = integrated_lufs(pcm, rate)
    if not (math.isfinite(current) and math.isfinite(target_lufs)):
        return pcm
    gain_db = max(-MAX_GAIN_DB, min(MAX_GAIN_DB, target_lufs - current))
    samples = _floats(pcm) * 10 ** (gain_db / 20)
    peak = float(np.abs(samples).max())
    if peak > PEAK_LIMIT:
        samples *= PEAK_LIMIT / peak
    return (np.round(samples * 32767.0)).astype("<i2").tobytes()
