"""The labelled AMD set, built reproducibly: real clips of ../shared/audio plus synthesized greetings.

Greeting scripts come from ``tests/data/amd_greetings.tsv`` (written independently of the detector;
``...`` is a ~2 s pause, ``beep`` in ``kind`` means the message ends with a beep). Each script is
spoken with espeak-ng in a few variants (voice, speed, pitch, level, leading silence, telephone band,
room noise at a chosen SNR) and, for beep kinds, followed by a beep after a short gap. Music on hold
and silent lines are added as clips of their own. Everything is seeded: the same inputs give the
same WAVs, and the held-out split is a hash of the script id fixed before any tuning.

Run ``python -m benchmarks.amd_corpus [DIR]`` to build it; benchmarks and tests call `build_corpus`.
"""

from __future__ import annotations

import csv
import hashlib
import random
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from benchmarks.common import BENCH_DIR
from services.media.frames import SAMPLE_RATE, pcm_to_samples, read_wav_16k, write_wav

REPO = BENCH_DIR.parent
SCRIPTS = REPO / "tests" / "data" / "amd_greetings.tsv"
AUDIO_DIR = REPO.parent / "shared" / "audio"
DEFAULT_DIR = REPO / "build" / "amd-corpus"
BUILDER_VERSION = "7"
HELD_OUT_PERCENT = 40  # share of script ids in the held-out split (never tuned on)
SPLIT_SALT = "amd-split-v1"
VARIANTS = 2  # spoken variants per script

FR_VOICES = ("fr", "fr-be", "fr-ch")
EN_VOICES = ("en-us", "en", "en-029", "en-gb-x-rp")
VOICE_VARIANTS = ("m1", "m2", "m3", "m4", "m5", "m7", "f1", "f2", "f3", "f4", "f5", "klatt", "Annie", "Andy")
NOISE_FILE = "noise/leopard_empty_noise.wav"  # steady room noise (the 1.4 s room tone is too short to loop)
REAL_LABELS = {"human": "human", "machine": "machine", "beep": "machine"}  # a bare beep: a mailbox


@dataclass(frozen=True)
class Clip:
    """One row of the built manifest."""

    file: str
    label: str
    split: str  # dev | held_out
    source: str  # real | synth | extra
    script: str  # script id (split key)
    kind: str
    beep_ms: int | None  # beep onset from the clip start, when the clip has one
    snr_db: float | None = None  # room noise mixed in (synthesized clips), speech-to-noise ratio


def split_of(script_id: str) -> str:
    """The split of a script id: a fixed hash, decided before looking at any result."""
    digest = hashlib.sha1(f"{SPLIT_SALT}:{script_id}".encode()).digest()
    return "held_out" if digest[0] * 100 // 256 < HELD_OUT_PERCENT else "dev"


def build_corpus(out_dir: Path = DEFAULT_DIR, variants: int = VARIANTS) -> Path:
    """Build (or reuse) the corpus under ``out_dir``; returns its MANIFEST.csv."""
    stamp = hashlib.sha1(
        SCRIPTS.read_bytes()
        + (AUDIO_DIR / "MANIFEST.csv").read_bytes()
        + f"{BUILDER_VERSION}:{variants}".encode()
    ).hexdigest()[:12]
    manifest = out_dir / f"MANIFEST-{stamp}.csv"
    if manifest.exists():
        return manifest
    clips = [*real_clips(out_dir), *synth_clips(out_dir, variants), *extra_clips(out_dir)]
    write_manifest(manifest, clips)
    return manifest


def write_manifest(path: Path, clips: list[Clip]) -> None:
    """The manifest `minibot amd eval` reads (``file,label``) plus the bench's columns."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["file", "label", "split", "source", "script", "kind", "beep_ms", "snr_db"])
        for c in clips:
            beep = "" if c.beep_ms is None else str(c.beep_ms)
            snr = "" if c.snr_db is None else f"{c.snr_db:g}"
            writer.writerow([c.file, c.label, c.split, c.source, c.script, c.kind, beep, snr])
    tmp.replace(path)


def real_clips(out_dir: Path) -> list[Clip]:
    """The clips of ../shared/audio with a human/machine role (bare beeps count as a mailbox)."""
    with (AUDIO_DIR / "MANIFEST.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    clips = []
    for row in rows:
        label = REAL_LABELS.get(row["label"])
        if label is None:
            continue  # silence and noise rows: covered by the extra clips below, labelled there
        target = out_dir / "real" / row["file"]
        target.parent.mkdir(parents=True, exist_ok=True)
        target.unlink(missing_ok=True)
        target.symlink_to(AUDIO_DIR / row["file"])
        beep = 0 if row["label"] == "beep" else _real_beep_ms(row)
        clips.append(
            Clip(f"real/{row['file']}", label, split_of(row["file"]), "real", row["file"], row["kind"], beep)
        )
    return clips


def _real_beep_ms(row: dict[str, str]) -> int | None:
    if "beep" not in row["kind"]:
        return None
    from services.amd import detect_beep  # the greetings' recipes put the beep last: find it once

    return detect_beep(read_wav_16k(AUDIO_DIR / row["file"]))


@dataclass(frozen=True)
class Script:
    """One greeting script of the TSV."""

    id: str
    label: str
    lang: str
    kind: str
    text: str


def load_scripts(path: Path = SCRIPTS) -> list[Script]:
    """The greeting scripts (columns id, label, lang, kind, text)."""
    with path.open(encoding="utf-8") as f:
        return [
            Script(r["id"], r["label"], r["lang"], r["kind"], r["text"])
            for r in csv.DictReader(f, delimiter="\t")
        ]


def ends_with_beep(kind: str) -> bool:
    """The script's message ends with a beep: ``beep`` is a word of its kind ("operator_nobeep" is not)."""
    return "beep" in kind.split("_")


def synth_clips(out_dir: Path, variants: int, scripts: list[Script] | None = None) -> list[Clip]:
    """Every script spoken ``variants`` times with seeded random voice, pace, level, line and noise."""
    noises = _room_noises()
    beep_files = [pcm_to_samples(read_wav_16k(AUDIO_DIR / f"tones/{n}_beep.wav")) for n in ("fr_ca", "en_us")]
    clips = []
    with tempfile.TemporaryDirectory() as tmp:
        for script in load_scripts() if scripts is None else scripts:
            for v in range(variants):
                rng = random.Random(f"{SPLIT_SALT}:{script.id}:{v}")
                name = f"synth/{script.id}_{v}.wav"
                samples, beep_ms, snr = _render(script, rng, Path(tmp), noises, beep_files)
                write_wav(out_dir / name, samples.astype("<i2").tobytes())
                clips.append(
                    Clip(
                        name, script.label, split_of(script.id), "synth", script.id, script.kind, beep_ms, snr
                    )
                )
    return clips


def _render(
    script: Script, rng: random.Random, tmp: Path, noises: list[np.ndarray], beeps: list[np.ndarray]
) -> tuple[np.ndarray, int | None, float | None]:
    voices = EN_VOICES if script.lang == "en" else FR_VOICES
    name = f"{rng.choice(voices)}+{rng.choice(VOICE_VARIANTS)}"
    speed, pitch = rng.randint(135, 195), rng.randint(25, 75)
    voice = Voice(name, speed, pitch, phone_band=rng.random() < 0.5)
    parts: list[np.ndarray] = [_silence(rng.uniform(0.15, 1.2))]
    for i, text in enumerate(p.strip() for p in script.text.split("...")):
        if i:
            parts.append(_silence(rng.uniform(1.6, 2.4)))
        if text:
            parts.append(_speak(text, voice, tmp))
    speech = np.concatenate(parts)
    level = 10 ** (rng.uniform(-30, -14) / 20) * 32767
    rms = float(np.sqrt(np.mean(speech**2))) or 1.0
    speech *= level / rms
    beep_ms = None
    if ends_with_beep(script.kind):
        speech = np.concatenate([speech, _silence(rng.uniform(0.25, 0.9))])
        beep_ms = round(1000 * len(speech) / SAMPLE_RATE)
        speech = np.concatenate([speech, _beep(rng, beeps)])
    noise_snr = rng.choice((None, None, 25.0, 15.0, 10.0))
    if noise_snr is not None:
        speech = np.concatenate([speech, _silence(rng.uniform(1.0, 2.0))])  # the room goes on
        noise = rng.choice(noises)
        reps = int(np.ceil(len(speech) / len(noise)))
        start = rng.randrange(len(noise))
        bed = np.tile(noise, reps + 1)[start : start + len(speech)]
        bed *= level / (10 ** (noise_snr / 20)) / (float(np.sqrt(np.mean(bed**2))) or 1.0)
        speech = speech + bed
    return np.clip(speech, -32768, 32767).round(), beep_ms, noise_snr


def _room_noises() -> list[np.ndarray]:
    """Steady beds: the recorded room noise and a seeded brown noise (a distant road, a fan)."""
    recorded = pcm_to_samples(read_wav_16k(AUDIO_DIR / NOISE_FILE)).astype(np.float64)
    white = np.random.default_rng(7).standard_normal(10 * SAMPLE_RATE)
    brown = np.cumsum(white)
    brown -= np.convolve(brown, np.ones(801) / 801, mode="same")  # no drift, keeps the low rumble
    return [recorded, brown]


def _silence(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * SAMPLE_RATE))


@dataclass(frozen=True)
class Voice:
    """How a variant speaks: espeak-ng voice+variant, words per minute, pitch, telephone band."""

    name: str
    speed: int
    pitch: int
    phone_band: bool


def _speak(text: str, voice: Voice, tmp: Path) -> np.ndarray:
    raw, wav = tmp / "raw.wav", tmp / "seg.wav"
    espeak = ["espeak-ng", "-v", voice.name, "-s", str(voice.speed), "-p", str(voice.pitch)]
    subprocess.run([*espeak, "-w", str(raw), text], check=True)
    trim = ["silence", "1", "0.02", "0.5%", "reverse", "silence", "1", "0.02", "0.5%", "reverse"]
    effects = [*trim, "sinc", "300-3400"] if voice.phone_band else trim  # pauses are ours, not espeak's
    subprocess.run(
        ["sox", "-V1", "-D", str(raw), "-r", "16000", "-c", "1", "-b", "16", str(wav), *effects], check=True
    )
    return pcm_to_samples(read_wav_16k(wav)).astype(np.float64)


def _beep(rng: random.Random, beeps: list[np.ndarray]) -> np.ndarray:
    if rng.random() < 0.4:
        tone = rng.choice(beeps).astype(np.float64)
        return tone / (float(np.abs(tone).max()) or 1.0) * 32767 * rng.uniform(0.1, 0.5)
    seconds, hz = rng.uniform(0.25, 0.6), rng.choice((425.0, 850.0, 1000.0, 1400.0))
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    return np.sin(2 * np.pi * hz * t) * 32767 * rng.uniform(0.05, 0.4)


def extra_clips(out_dir: Path) -> list[Clip]:
    """Music on hold (machine) and lines where the person who picked up says nothing (human)."""
    moh = pcm_to_samples(read_wav_16k(AUDIO_DIR / "noise/moh_macroform_cold_day_20s.wav")).astype(np.float64)
    room = _room_noises()
    clips = []
    for i in range(8):
        rng = random.Random(f"{SPLIT_SALT}:extra:{i}")
        start = rng.randrange(len(moh) - 6 * SAMPLE_RATE)
        music = moh[start : start + 6 * SAMPLE_RATE] * rng.uniform(0.3, 1.0)
        lead = _silence(rng.uniform(0.1, 0.8))
        clips.append(_extra(out_dir, f"moh_{i}", "machine", "music_on_hold", np.concatenate([lead, music])))
        seconds = rng.uniform(3.0, 6.0)
        if i % 2:
            bed = np.tile(room[i % len(room)], 5)[: int(seconds * SAMPLE_RATE)] * rng.uniform(0.5, 2.0)
        else:
            bed = _silence(seconds)
        clips.append(_extra(out_dir, f"silent_{i}", "human", "silent_callee", bed))
    return clips


def _extra(out_dir: Path, script_id: str, label: str, kind: str, samples: np.ndarray) -> Clip:
    name = f"extra/{script_id}.wav"
    write_wav(out_dir / name, np.clip(samples, -32768, 32767).round().astype("<i2").tobytes())
    return Clip(name, label, split_of(script_id), "extra", script_id, kind, None)


if __name__ == "__main__":
    print(build_corpus(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_DIR))
