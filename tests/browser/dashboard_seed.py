"""SQL seed data shared by the dashboard integration and browser tests."""

from __future__ import annotations

import struct
import wave
from dataclasses import dataclass
from pathlib import Path

import bcrypt
import psycopg

from services.config import Settings, load_settings

PASSWORD = "correct-horse-battery"
Conn = psycopg.Connection[dict[str, object]]


@dataclass(frozen=True)
class Seed:
    """Ids of the seeded rows."""

    campaign_id: int
    other_campaign_id: int
    contact_id: int
    ended_call_id: int
    live_call_id: int
    lead_ids: list[int]


def write_wav(path: Path, seconds: float = 3.0, rate: int = 16000) -> Path:
    """A small mono 16-bit WAV (a quiet saw tone) for the audio player."""
    path.parent.mkdir(parents=True, exist_ok=True)
    frames = b"".join(struct.pack("<h", ((i % 160) - 80) * 40) for i in range(int(seconds * rate)))
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(frames)
    return path


def add_user(conn: Conn, email: str, role: str, password: str = PASSWORD) -> int:
    """Insert a user with a cheap bcrypt hash (cost 4: tests only)."""
    hashed = bcrypt.hashpw(password.encode(), bcrypt.gensalt(4)).decode()
    row = conn.execute(
        "INSERT INTO users (email, password_hash, role) VALUES (%s, %s, %s) RETURNING id",
        (email, hashed, role),
    ).fetchone()
    assert row
    return int(str(row["id"]))


def _id(conn: Conn, sql: str, params: tuple[object, ...]) -> int:
    row = conn.execute(sql, params).fetchone()
    assert row
    return int(str(row["id"]))


def dashboard_settings(tmp_path: Path) -> Settings:
    """Settings for a test dashboard: fixed secret, data and recordings under ``tmp_path``."""
    return load_settings(
        env={},
        secret_key="test-secret-key-0123456789abcdefghij",
        data_dir=tmp_path,
        recordings_dir=tmp_path / "rec",
    )


def seed(conn: Conn, recordings_dir: Path) -> Seed:
    """Three users, two campaigns, contacts, an ended call with turns, a recording and a lead, a live call."""
    for role in ("admin", "supervisor", "viewer"):
        add_user(conn, f"{role}@example.com", role)
    camp = _id(conn, "INSERT INTO campaigns (name, status) VALUES (%s, 'running') RETURNING id", ("Alpha",))
    other = _id(conn, "INSERT INTO campaigns (name) VALUES (%s) RETURNING id", ("Beta",))
    contact = _id(
        conn,
        "INSERT INTO contacts (campaign_id, phone, first_name, last_name) VALUES (%s, %s, 'Jeanne', 'Martin')"
        " RETURNING id",
        (camp, "+33612341234"),
    )
    live_contact = _id(
        conn, "INSERT INTO contacts (campaign_id, phone) VALUES (%s, '+33698765432') RETURNING id", (camp,)
    )
    wav = write_wav(recordings_dir / "call-1.wav")
    first = _id(
        conn,
        "INSERT INTO calls (campaign_id, contact_id, attempt, status, outcome, amd_result, amd_reason,"
        " originated_at, answered_at, ended_at, recording_path, created_at)"
        " VALUES (%s, %s, 1, 'ended', 'no_answer', NULL, NULL, now() - interval '2 days',"
        " NULL, now() - interval '2 days', NULL, now() - interval '2 days') RETURNING id",
        (camp, contact),
    )
    ended = _id(
        conn,
        "INSERT INTO calls (campaign_id, contact_id, attempt, status, outcome, amd_result, amd_reason,"
        " originated_at, answered_at, ended_at, recording_path)"
        " VALUES (%s, %s, 2, 'ended', 'answered', 'human', 'speech then silence',"
        " now() - interval '70 seconds', now() - interval '60 seconds', now(), %s) RETURNING id",
        (camp, contact, str(wav)),
    )
    assert first < ended
    turns = [
        (1, "bot", "hello", "Bonjour, avez-vous une minute ?", None, None, None, 0, False),
        (2, "caller", "hello", "oui bien sûr", "yes", 0.93, "positive", 1500, False),
        (3, "bot", "q1", "Avez-vous un livret A ?", None, None, None, 2000, False),
        (4, "caller", "q1", "non pas du tout", "no", 0.81, "negative", 2600, True),
    ]
    for seq, speaker, step, text, intent, conf, sent, start, barge in turns:
        conn.execute(
            "INSERT INTO turns (call_id, seq, speaker, step, text, intent, confidence, sentiment, start_ms,"
            " end_ms, response_latency_ms, barge_in) VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)",
            (ended, seq, speaker, step, text, intent, conf, sent, start, start + 400, 350, barge),
        )
    leads = [
        _id(
            conn,
            "INSERT INTO leads (call_id, contact_id, campaign_id, status, score, summary)"
            " VALUES (%s, %s, %s, 'qualified', 3, 'Intéressée par un PEL') RETURNING id",
            (ended, contact, camp),
        ),
        _id(
            conn,
            "INSERT INTO leads (call_id, contact_id, campaign_id, status, score, summary, created_at)"
            " VALUES (%s, %s, %s, 'not_interested', 0, 'Pas intéressée', now() - interval '2 days')"
            " RETURNING id",
            (first, contact, camp),
        ),
    ]
    live = _id(
        conn,
        "INSERT INTO calls (campaign_id, contact_id, status, current_step, originated_at, answered_at)"
        " VALUES (%s, %s, 'answered', 'hello', now(), now()) RETURNING id",
        (camp, live_contact),
    )
    return Seed(camp, other, contact, ended, live, leads)
