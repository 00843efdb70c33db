"""Audio frame helpers: 16 kHz/16-bit/mono/20 ms framing, byte order, G.711 μ-law, resampling, WAV I/O.

Audio inside the bot is always 16 kHz signed 16-bit little-endian mono, cut in 20 ms frames (640 bytes).
Transports convert at the edge with these helpers.
"""

from __future__ import annotations

import math
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from services.errors import MediaError

SAMPLE_RATE = 16000
SAMPLE_WIDTH = 2
CHANNELS = 1
FRAME_MS = 20
FRAME_SAMPLES = SAMPLE_RATE * FRAME_MS // 1000  # 320
FRAME_BYTES = FRAME_SAMPLES * SAMPLE_WIDTH  # 640
SILENCE_FRAME = bytes(FRAME_BYTES)

Int16Array = npt.NDArray[np.int16]


class Reframer:
    """Cuts an arbitrary byte stream into fixed-size frames, keeping the leftover for the next call."""

    def __init__(self, frame_bytes: int = FRAME_BYTES) -> None:
        self.frame_bytes = frame_bytes
        self._pending = bytearray()

    def feed(self, data: bytes) -> list[bytes]:
        """Add bytes; return every complete frame now available."""
        self._pending += data
        count = len(self._pending) // self.frame_bytes
        cut = count * self.frame_bytes
        frames = [bytes(self._pending[i : i + self.frame_bytes]) for i in range(0, cut, self.frame_bytes)]
        del self._pending[:cut]
        return frames

    def flush(self) -> bytes | None:
        """Return the partial tail padded with silence to a whole frame (None when empty)."""
        if not self._pending:
            return None
        tail = bytes(self._pending) + bytes(self.frame_bytes - len(self._pending))
        self._pending.clear()
        return tail

    @property
    def pending(self) -> int:
        """Bytes waiting for a complete frame."""
        return len(self._pending)


def frames_of(pcm: bytes, frame_bytes: int = FRAME_BYTES) -> list[bytes]:
    """Cut a whole buffer into frames, padding the last one with silence."""
    reframer = Reframer(frame_bytes)
    frames = reframer.feed(pcm)
    tail = reframer.flush()
    return [*frames, tail] if tail is not None else frames


def swap16(data: bytes) -> bytes:
    """Swap the byte order of 16-bit samples (little-endian <-> big-endian)."""
    if len(data) % 2:
        raise MediaError(f"16-bit audio must have an even byte count, got {len(data)}")
    return np.frombuffer(data, dtype=np.uint16).byteswap().tobytes()


# --- G.711 μ-law ---------------------------------------------------------------------------------------
_ULAW_BIAS = 0x84
_ULAW_CLIP = 32635


def _build_ulaw_decode() -> Int16Array:
    codes = ~np.arange(256, dtype=np.int32) & 0xFF
    sign = codes & 0x80
    exponent = (codes >> 4) & 0x07
    mantissa = codes & 0x0F
    magnitude = ((mantissa << 3) + _ULAW_BIAS) << exponent
    values = np.where(sign != 0, _ULAW_BIAS - magnitude, magnitude - _ULAW_BIAS)
    return values.astype(np.int16)


def _build_ulaw_encode() -> npt.NDArray[np.uint8]:
    samples = np.arange(-32768, 32768, dtype=np.int32)
    sign = np.where(samples < 0, 0x80, 0)
    magnitude = np.minimum(np.abs(samples), _ULAW_CLIP) + _ULAW_BIAS
    exponent = np.floor(np.log2(magnitude >> 7 | 1)).astype(np.int32)
    exponent = np.clip(exponent, 0, 7)
    mantissa = (magnitude >> (exponent + 3)) & 0x0F
    codes: npt.NDArray[np.uint8] = (~(sign | (exponent << 4) | mantissa) & 0xFF).astype(np.uint8)
    return codes


ULAW_DECODE = _build_ulaw_decode()
ULAW_ENCODE = _build_ulaw_encode()  # indexed by sample + 32768


def ulaw_decode(data: bytes) -> Int16Array:
    """μ-law bytes to int16 samples."""
    return ULAW_DECODE[np.frombuffer(data, dtype=np.uint8)]


def ulaw_encode(samples: Int16Array) -> bytes:
    """int16 samples to μ-law bytes."""
    return ULAW_ENCODE[samples.astype(np.int32) + 32768].tobytes()


# --- resampling ----------------------------------------------------------------------------------------
class StreamResampler:
    """Band-limited (windowed-sinc) resampler between any two rates, usable chunk by chunk.

    Each output sample is interpolated from ``2 * half_taps`` input samples around its exact position,
    with the cut-off at the lower of the two Nyquist frequencies, so 16 kHz -> 8 kHz does not alias.
    """

    def __init__(self, src_rate: int, dst_rate: int, half_taps: int = 16) -> None:
        if src_rate <= 0 or dst_rate <= 0:
            raise MediaError(f"invalid sample rates {src_rate} -> {dst_rate}")
        self.src_rate = src_rate
        self.dst_rate = dst_rate
        self._cutoff = min(1.0, dst_rate / src_rate)
        self._half = max(4, math.ceil(half_taps / self._cutoff))
        self._buffer = np.zeros(self._half, dtype=np.float64)  # left context: silence
        self._buffer_start = -self._half  # absolute input index of _buffer[0]
        self._out_index = 0  # absolute index of the next output sample
        self._offsets = np.arange(-self._half + 1, self._half + 1)

    def process(self, samples: Int16Array) -> Int16Array:
        """Feed input samples; return the output samples that can now be computed."""
        if self.src_rate == self.dst_rate:
            return samples.astype(np.int16)
        self._buffer = np.concatenate([self._buffer, samples.astype(np.float64)])
        buffer_end = self._buffer_start + len(self._buffer)
        # output n sits at input position n * src / dst and needs inputs up to floor(pos) + half
        last = math.floor((buffer_end - self._half) * self.dst_rate / self.src_rate) - 1
        count = max(0, last - self._out_index + 1)
        out = self._interpolate(count)
        keep_from = math.floor(self._out_index * self.src_rate / self.dst_rate) - self._half + 1
        drop = max(0, keep_from - self._buffer_start)
        self._buffer = self._buffer[drop:]
        self._buffer_start += drop
        return out

    def flush(self) -> Int16Array:
        """Emit the remaining output samples (the input is padded with silence)."""
        if self.src_rate == self.dst_rate:
            return np.zeros(0, dtype=np.int16)
        input_end = self._buffer_start + len(self._buffer)
        total = math.floor(input_end * self.dst_rate / self.src_rate)
        self._buffer = np.concatenate([self._buffer, np.zeros(self._half + 1)])
        return self._interpolate(max(0, total - self._out_index))

    def _interpolate(self, count: int) -> Int16Array:
        if count <= 0:
            return np.zeros(0, dtype=np.int16)
        indexes = np.arange(self._out_index, self._out_index + count)
        positions = indexes * (self.src_rate / self.dst_rate)
        base = np.floor(positions).astype(np.int64)
        frac = positions - base
        taps = base[:, None] + self._offsets[None, :]
        distance = self._offsets[None, :] - frac[:, None]
        window = 0.5 + 0.5 * np.cos(np.pi * np.clip(distance / self._half, -1.0, 1.0))
        weights = self._cutoff * np.sinc(self._cutoff * distance) * window
        values = (self._buffer[taps - self._buffer_start] * weights).sum(axis=1)
        self._out_index += count
        out: Int16Array = np.clip(np.round(values), -32768, 32767).astype(np.int16)
        return out


def resample(samples: Int16Array, src_rate: int, dst_rate: int) -> Int16Array:
    """Resample a whole int16 signal."""
    if src_rate == dst_rate:
        return samples.astype(np.int16)
    resampler = StreamResampler(src_rate, dst_rate)
    return np.concatenate([resampler.process(samples), resampler.flush()])


def pcm_to_samples(pcm: bytes) -> Int16Array:
    """Little-endian 16-bit bytes to an int16 array."""
    return np.frombuffer(pcm, dtype="<i2").astype(np.int16)


# --- WAV ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class WavAudio:
    """Decoded WAV content: interleaved int16 samples."""

    samples: Int16Array  # shape (frames, channels)
    rate: int

    @property
    def duration_s(self) -> float:
        """Length in seconds."""
        return len(self.samples) / self.rate

    def to_mono_16k(self) -> bytes:
        """Mix down to mono and resample to the bot format; returns LE 16-bit bytes."""
        mono = self.samples.astype(np.int32).mean(axis=1).round().astype(np.int16)
        return resample(mono, self.rate, SAMPLE_RATE).astype("<i2").tobytes()


def read_wav(path: Path) -> WavAudio:
    """Read a PCM WAV file (8/16/32-bit, any rate and channel count)."""
    try:
        with wave.open(str(path), "rb") as wav:
            width, channels, rate = wav.getsampwidth(), wav.getnchannels(), wav.getframerate()
            raw = wav.readframes(wav.getnframes())
    except (OSError, EOFError, wave.Error) as exc:
        raise MediaError(f"cannot read WAV file {path}: {exc}") from exc
    if width == 1:
        samples = ((np.frombuffer(raw, dtype=np.uint8).astype(np.int16) - 128) << 8).astype(np.int16)
    elif width == 2:
        samples = np.frombuffer(raw, dtype="<i2").astype(np.int16)
    elif width == 4:
        samples = (np.frombuffer(raw, dtype="<i4") >> 16).astype(np.int16)
    else:
        raise MediaError(f"unsupported WAV sample width {width * 8} bits in {path}")
    return WavAudio(samples.reshape(-1, channels), rate)


def read_wav_16k(path: Path) -> bytes:
    """Read any PCM WAV file as bot-format bytes (16 kHz mono LE 16-bit)."""
    return read_wav(path).to_mono_16k()


def write_wav(path: Path, pcm: bytes, rate: int = SAMPLE_RATE, channels: int = CHANNELS) -> Path:
    """Write LE 16-bit PCM bytes as a WAV file; returns the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(channels)
        wav.setsampwidth(SAMPLE_WIDTH)
        wav.setframerate(rate)
        wav.writeframes(pcm)
    return path
