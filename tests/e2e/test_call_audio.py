"""Real audio end to end over each ExternalMedia transport: the production conversation (webrtcvad, Vosk,
espeak-ng) talks with simulated personas through the simulated PBX.

Per transport, three calls run at once: a cooperative caller (turns, transcript, lead, stereo recording),
the interrupter (barge-in: the bot's audio, as the persona hears it, stops soon after it talks over the
bot) and a caller whose sentence holds a 300 ms pause (one turn, not two).
"""

from __future__ import annotations

import asyncio
import re
import subprocess
import wave
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import psycopg
import pytest
from psycopg_pool import AsyncConnectionPool

from calls.controller import ControllerOptions
from calls.runner import build_controller, scenario_conversation
from calls.session import MediaTransportConfig
from campaigns.models import CampaignSettings
from services.ari.client import AriClient
from services.config import load_settings
from services.media.audiosocket import AudioSocketServer
from services.media.frames import FRAME_MS, SAMPLE_RATE, read_wav_16k, write_wav
from services.media.rtp import PortAllocator
from services.simulator.media_leg import CalleeAudio
from services.simulator.personas import Persona, PersonaBook, Rule
from services.simulator.server import SimulatedPbx
from tests.e2e.helpers import seed_campaign

pytestmark = pytest.mark.e2e

COOPERATIVE, INTERRUPTER, PAUSER = "+33612345610", "+33612345607", "+33612345612"
PAUSE_S = 0.3


def _speech(frame: bytes) -> bool:
    return float(np.sqrt(np.mean(np.frombuffer(frame, "<i2").astype(np.float64) ** 2))) > 300


@dataclass
class Timeline:
    """Per 20 ms tick of one media channel: is the persona speaking, is the bot heard."""

    caller: list[bool] = field(default_factory=list)
    bot: list[bool] = field(default_factory=list)


class _Spy:
    """Wraps a persona's CalleeAudio to log what it says and hears, tick by tick."""

    def __init__(self, inner: CalleeAudio, timeline: Timeline) -> None:
        self.inner, self.timeline = inner, timeline

    def next_frame(self) -> bytes:
        frame = self.inner.next_frame()
        self.timeline.caller.append(_speech(frame))
        return frame

    def hear(self, frame: bytes) -> None:
        self.timeline.bot.append(_speech(frame))
        self.inner.hear(frame)


def spy_on(pbx: SimulatedPbx) -> dict[str, Timeline]:
    """Timelines by media channel id (the media channel id starts with the callee's channel id)."""
    timelines: dict[str, Timeline] = {}
    original = pbx.engine.callee_audio

    def callee_audio(media_channel_id: str) -> CalleeAudio | None:
        inner = original(media_channel_id)
        if inner is None:
            return None
        return _Spy(inner, timelines.setdefault(media_channel_id, Timeline()))

    pbx.engine.callee_audio = callee_audio  # type: ignore[method-assign]
    return timelines


def pause_line(path: Path) -> tuple[Path, float]:
    """Two espeak-ng clauses joined by 300 ms of silence, as a WAV; returns (path, speech seconds)."""
    parts = []
    for i, text in enumerate(("Oui, j'ai un livret A", "et aussi une assurance vie.")):
        wav = path.parent / f"clause{i}.wav"
        subprocess.run(["espeak-ng", "-v", "fr", "-w", str(wav), text], check=True)
        pcm = np.frombuffer(read_wav_16k(wav), "<i2")
        loud = np.flatnonzero(np.abs(pcm) > 300)
        parts.append(pcm[loud[0] : loud[-1] + 1])
    gap = np.zeros(int(PAUSE_S * SAMPLE_RATE), dtype=np.int16)
    pcm = np.concatenate([parts[0], gap, parts[1]])
    write_wav(path, pcm.astype("<i2").tobytes())
    return path, len(pcm) / SAMPLE_RATE


@asynccontextmanager
async def media_config(transport: str) -> AsyncIterator[MediaTransportConfig]:
    """The bot-side transport pieces for ``transport``."""
    if transport == "audiosocket":
        server = AudioSocketServer()
        await server.start()
        try:
            yield MediaTransportConfig("audiosocket", audiosocket=server)
        finally:
            await server.stop()
    elif transport == "rtp":
        yield MediaTransportConfig("rtp", rtp_ports=PortAllocator(31000, 31099))
    else:
        yield MediaTransportConfig()


def stereo(path: Path) -> tuple[np.ndarray, float]:
    with wave.open(str(path)) as wav:
        assert (wav.getnchannels(), wav.getframerate(), wav.getsampwidth()) == (2, 16000, 2)
        data = np.frombuffer(wav.readframes(wav.getnframes()), "<i2").reshape(-1, 2)
        return data, wav.getnframes() / wav.getframerate()


def energy(samples: np.ndarray, start_ms: int, end_ms: int) -> float:
    part = samples[start_ms * 16 : end_ms * 16].astype(np.float64)
    return float(np.sqrt(np.mean(part**2))) if len(part) else 0.0


def runs(flags: list[bool]) -> Iterator[tuple[int, int]]:
    """(start, end) tick ranges where flags are True."""
    start = None
    for i, flag in enumerate([*flags, False]):
        if flag and start is None:
            start = i
        elif not flag and start is not None:
            yield start, i
            start = None


@pytest.mark.parametrize("transport", ["websocket", "audiosocket", "rtp"])
async def test_real_audio_call(
    transport: str,
    db_url: str,
    conn: psycopg.Connection[dict[str, object]],
    pool: AsyncConnectionPool,
    tmp_path: Path,
) -> None:
    line, line_s = pause_line(tmp_path / "pause.wav")
    pauser = Persona(name="pauser", lines=(str(line), "D'accord. Merci, au revoir."), reply_delay_s=0.3)
    book = PersonaBook(rules=(Rule(re.compile("12$"), pauser),))
    settings = load_settings(
        {},
        database_url=db_url,
        data_dir=tmp_path,
        recordings_dir=tmp_path / "rec",
        tts_cache_dir=tmp_path / "tts",
    )
    campaign = CampaignSettings(
        endpoint_template="PJSIP/{number}@trunk",
        max_concurrent_calls=3,
        calls_per_second=50.0,
        compliance_profile="none",
        amd_mode="bot",
    )
    seed_campaign(conn, f"audio-{transport}", [COOPERATIVE, INTERRUPTER, PAUSER], campaign, datetime.now(UTC))
    talk = scenario_conversation(settings)(pool)

    async with (
        media_config(transport) as media,
        SimulatedPbx(personas=book, time_scale=0.2) as pbx,
        AriClient(pbx.url, "minibot", "minibot", "minibot") as ari,
    ):
        timelines = spy_on(pbx)

        options = ControllerOptions(robot_id="audio", poll_interval_s=0.05)
        controller = build_controller(pool, ari, pbx.url, talk, options, media=media)
        task = asyncio.create_task(controller.run())
        await asyncio.wait_for(controller.wait_settled(3), 80)
        controller.stop()
        await asyncio.wait_for(task, 30)

    calls = {
        str(row["phone"]): row
        for row in conn.execute(
            "SELECT c.id, c.channel_id, c.outcome, c.recording_path, ct.phone,"
            " extract(epoch FROM c.ended_at - c.answered_at) AS answered_s"
            " FROM calls c JOIN contacts ct ON ct.id = c.contact_id"
        ).fetchall()
    }
    assert set(calls) == {COOPERATIVE, INTERRUPTER, PAUSER}
    assert all(row["outcome"] == "answered" for row in calls.values()), calls

    def turns(phone: str) -> list[dict[str, object]]:
        return conn.execute(
            "SELECT * FROM turns WHERE call_id = %s ORDER BY seq", (calls[phone]["id"],)
        ).fetchall()

    # cooperative: both speakers have turns, the caller's speech was transcribed, a lead exists
    coop = turns(COOPERATIVE)
    assert {t["speaker"] for t in coop} == {"bot", "caller"}
    assert any(str(t["text"]).strip() for t in coop if t["speaker"] == "caller")
    lead = conn.execute("SELECT count(*) AS n FROM leads WHERE call_id = %s", (calls[COOPERATIVE]["id"],))
    assert lead.fetchone() == {"n": 1}

    # recording: stereo 16 kHz as long as the answered call; caller left, bot right, in the right places
    samples, seconds = stereo(Path(str(calls[COOPERATIVE]["recording_path"])))
    assert abs(seconds - float(str(calls[COOPERATIVE]["answered_s"]))) <= 1.0
    bot_turn = next(t for t in coop if t["speaker"] == "bot")
    caller_turn = next(t for t in coop if t["speaker"] == "caller")
    b0, b1 = int(bot_turn["start_ms"]), int(bot_turn["end_ms"])  # type: ignore[call-overload]
    c0, c1 = int(caller_turn["start_ms"]), int(caller_turn["end_ms"])  # type: ignore[call-overload]
    assert energy(samples[:, 1], b0, b1) > 4 * max(energy(samples[:, 0], b0, b1), 30.0)
    assert energy(samples[:, 0], c0, c1) > 4 * max(energy(samples[:, 1], c0, c1), 30.0)

    # barge-in: the turn is marked and the persona stops hearing the bot soon after talking over it
    interrupted = [t for t in turns(INTERRUPTER) if t["barge_in"]]
    assert interrupted and interrupted[0]["interrupted_at_ms"] is not None
    timeline = next(
        tl for cid, tl in timelines.items() if cid.startswith(str(calls[INTERRUPTER]["channel_id"]))
    )
    overlaps = [
        start
        for start, _end in runs(timeline.caller)
        if start < len(timeline.bot) and any(timeline.bot[max(0, start - 3) : start + 1])
    ]
    assert overlaps, "the interrupter never talked over the bot"
    onset = overlaps[0]
    stopped = next(i for i in range(onset, len(timeline.bot)) if not any(timeline.bot[i : i + 10]))
    assert (stopped - onset) * FRAME_MS <= 1500, (onset, stopped, list(runs(timeline.bot))[:6])

    # a 300 ms pause inside a sentence: one caller turn covering the whole sentence
    durations = [int(t["end_ms"]) - int(t["start_ms"]) for t in turns(PAUSER) if t["speaker"] == "caller"]  # type: ignore[call-overload]
    assert any(d >= 0.9 * line_s * 1000 for d in durations), durations
