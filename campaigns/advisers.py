"""Advisers and their availability (synchronous, for the CLI and the dashboard): add, list, hours,
absences, CSV import, and busy times from or to iCalendar files."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import icalendar
import psycopg

from campaigns.compliance import zone
from campaigns.csvfiles import open_text
from campaigns.schedule import ScheduleError, parse_window
from services.db import query
from services.errors import ConfigError, ConflictError, ImportError_, NotFoundError

Conn = psycopg.Connection[dict[str, Any]]
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PRODID = "-//MiniBot//Appointments//FR"


@dataclass(frozen=True)
class AdviserInput:
    """What an operator sets on an adviser."""

    name: str
    title: str = "conseiller"
    email: str = ""
    phone: str = ""
    endpoint: str = ""
    timezone: str = "Europe/Paris"
    skills: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    appointment_minutes: int = 45
    buffer_minutes: int = 15
    hours: tuple[str, ...] = field(default=())

    def validate(self) -> None:
        """Refuse what cannot work, saying which field and how to fix it."""
        if not self.name.strip():
            raise ConfigError("an adviser needs a name")
        if self.email and not _EMAIL.match(self.email):
            raise ConfigError(f"email {self.email!r} is not an address like claire@cabinet.fr")
        try:
            zone(self.timezone)
            for window in self.hours:
                parse_window(window)
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
        if not 5 <= self.appointment_minutes <= 480 or not 0 <= self.buffer_minutes <= 240:
            raise ConfigError("appointment length must be 5–480 minutes and the buffer 0–240")


def get(conn: Conn, name: str) -> dict[str, Any]:
    """The adviser called ``name`` (or with that id)."""
    row = conn.execute(query("advisers", "get"), {"name": name}).fetchone()
    if row is None:
        raise NotFoundError(f"no adviser named {name!r} (see `minibot advisers list`)")
    return row


def add(conn: Conn, adviser: AdviserInput) -> dict[str, Any]:
    """Create an adviser with its weekly hours."""
    adviser.validate()
    params = {
        "name": adviser.name.strip(),
        "title": adviser.title,
        "email": adviser.email,
        "phone": adviser.phone,
        "endpoint": adviser.endpoint,
        "timezone": adviser.timezone,
        "skills": list(adviser.skills),
        "regions": list(adviser.regions),
        "appointment_minutes": adviser.appointment_minutes,
        "buffer_minutes": adviser.buffer_minutes,
    }
    try:
        with conn.transaction():
            row = conn.execute(query("advisers", "insert"), params).fetchone()
            assert row is not None
            _replace_hours(conn, int(row["id"]), adviser.hours)
    except psycopg.errors.UniqueViolation:
        raise ConflictError(f"an adviser named {adviser.name!r} already exists") from None
    return row


def _replace_hours(conn: Conn, adviser_id: int, windows: tuple[str, ...]) -> None:
    conn.execute(query("advisers", "delete_hours"), {"id": adviser_id})
    for window in windows:
        spec = str(parse_window(window))
        conn.execute(query("advisers", "insert_hours"), {"id": adviser_id, "spec": spec})


def set_hours(conn: Conn, name: str, windows: list[str]) -> list[str]:
    """Replace the adviser's weekly hours; return them as stored."""
    try:
        specs = tuple(str(parse_window(w)) for w in windows)
    except ScheduleError as exc:
        raise ConfigError(str(exc)) from None
    with conn.transaction():
        _replace_hours(conn, int(get(conn, name)["id"]), specs)
    return list(specs)


def list_all(conn: Conn) -> list[dict[str, Any]]:
    """Every adviser with its hours and the number of upcoming appointments."""
    return conn.execute(query("advisers", "list")).fetchall()


def add_absence(conn: Conn, name: str, starts_at: datetime, ends_at: datetime, reason: str) -> None:
    """Block the adviser from ``starts_at`` to ``ends_at`` (holidays, training…)."""
    if ends_at <= starts_at:
        raise ConfigError("an absence must end after it starts")
    adviser = get(conn, name)
    conn.execute(
        query("advisers", "insert_busy"),
        {
            "id": adviser["id"],
            "starts_at": starts_at,
            "ends_at": ends_at,
            "kind": "absence",
            "reason": reason,
            "uid": "",
        },
    )


def _as_datetime(value: date | datetime, tz: str) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=zone(tz))
    return datetime(value.year, value.month, value.day, tzinfo=zone(tz))


def busy_periods(data: bytes, tz: str) -> list[tuple[datetime, datetime, str, str]]:
    """Busy periods of an iCalendar file: opaque events and FREEBUSY periods, as
    ``(start, end, summary, uid)``. All-day events block whole days in ``tz``."""
    try:
        calendar = icalendar.Calendar.from_ical(data)
    except ValueError as exc:
        raise ImportError_(f"not an iCalendar file: {exc}") from None
    periods = []
    for event in calendar.walk("VEVENT"):
        if str(event.get("TRANSP", "OPAQUE")).upper() == "TRANSPARENT":
            continue
        if str(event.get("STATUS", "")).upper() == "CANCELLED":
            continue
        try:
            start = _as_datetime(event.decoded("DTSTART"), tz)
            if event.get("DTEND") is not None:
                end = _as_datetime(event.decoded("DTEND"), tz)
            elif event.get("DURATION") is not None:
                end = start + event.decoded("DURATION")
            else:
                end = start + timedelta(days=1)
        except (KeyError, AttributeError, TypeError, ValueError):
            uid = event.get("UID", "") or event.get("SUMMARY", "") or "?"
            raise ImportError_(f"event {uid!s} has no readable DTSTART/DTEND/DURATION") from None
        periods.append((start, end, str(event.get("SUMMARY", "")), str(event.get("UID", ""))))
    for freebusy in calendar.walk("VFREEBUSY"):
        values = freebusy.get("FREEBUSY", [])
        for prop in values if isinstance(values, list) else [values]:
            for start, end in prop.dt if isinstance(prop.dt, list) else [prop.dt]:
                stop = start + end if isinstance(end, timedelta) else end
                periods.append((start, stop, "busy", ""))
    return [p for p in periods if p[1] > p[0]]


def import_busy(conn: Conn, name: str, data: bytes) -> int:
    """Replace the adviser's calendar busy times with those of an ``.ics`` file; return how many."""
    adviser = get(conn, name)
    periods = busy_periods(data, str(adviser["timezone"]))
    with conn.transaction():
        conn.execute(query("advisers", "delete_calendar_busy"), {"id": adviser["id"]})
        for start, end, summary, uid in periods:
            conn.execute(
                query("advisers", "insert_busy"),
                {
                    "id": adviser["id"],
                    "starts_at": start,
                    "ends_at": end,
                    "kind": "calendar",
                    "reason": summary[:200],
                    "uid": uid,
                },
            )
    return len(periods)


def export_ics(conn: Conn, name: str, since: datetime) -> bytes:
    """The adviser's appointments and busy times from ``since``, as an iCalendar file."""
    adviser = get(conn, name)
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    params = {"id": adviser["id"], "since": since}
    for row in conn.execute(query("advisers", "upcoming_appointments"), params).fetchall():
        calendar.add_component(appointment_event(row))
    for row in conn.execute(query("advisers", "upcoming_busy"), params).fetchall():
        event = icalendar.Event()
        event.add("uid", row["uid"] or f"busy-{row['id']}@minibot")
        event.add("dtstamp", since)
        event.add("dtstart", row["starts_at"])
        event.add("dtend", row["ends_at"])
        event.add("summary", row["reason"] or ("Absence" if row["kind"] == "absence" else "Occupé"))
        calendar.add_component(event)
    return bytes(calendar.to_ical())


def appointment_event(row: dict[str, Any]) -> icalendar.Event:
    """One appointment as a VEVENT (used in exports and in the adviser's invitation)."""
    event = icalendar.Event()
    event.add("uid", f"appointment-{row['id']}@minibot")
    event.add("dtstamp", row["updated_at"])
    event.add("dtstart", row["starts_at"])
    event.add("dtend", row["ends_at"])
    who = " ".join(p for p in (row.get("first_name"), row.get("last_name")) if p) or "prospect"
    event.add("summary", f"Rendez-vous {who}")
    details = [f"Téléphone : {row.get('phone') or '?'}", f"Campagne : {row.get('campaign') or '?'}"]
    if row.get("note"):
        details.append(str(row["note"]))
    event.add("description", "\n".join(details))
    event.add("status", "CONFIRMED" if row["status"] == "confirmed" else "CANCELLED")
    event.add("sequence", int(row.get("sequence") or 0))
    return event


def invitation(row: dict[str, Any], adviser: dict[str, Any]) -> bytes:
    """An iCalendar invitation (METHOD:REQUEST, or CANCEL) for the adviser."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "REQUEST" if row["status"] == "confirmed" else "CANCEL")
    event = appointment_event(row)
    if adviser.get("email"):
        event.add(
            "attendee",
            f"mailto:{adviser['email']}",
            parameters={"CN": adviser["name"], "ROLE": "REQ-PARTICIPANT"},
        )
    calendar.add_component(event)
    return bytes(calendar.to_ical())


def import_csv(conn: Conn, path: Path) -> int:
    """Advisers from a CSV (``name;email;phone;endpoint;timezone;skills;regions;hours``, lists
    separated by ``|``); return how many were added. A bad line stops the import with its number."""
    added = 0
    with open_text(path, None) as handle:
        sample = handle.read(4096)
        handle.seek(0)
        dialect = csv.Sniffer().sniff(sample, delimiters=";,\t") if sample else csv.excel
        for line, row in enumerate(csv.DictReader(handle, dialect=dialect), start=2):
            values = {k.strip().lower(): (v or "").strip() for k, v in row.items() if k}
            try:
                add(
                    conn,
                    AdviserInput(
                        name=values.get("name", ""),
                        title=values.get("title") or "conseiller",
                        email=values.get("email", ""),
                        phone=values.get("phone", ""),
                        endpoint=values.get("endpoint", ""),
                        timezone=values.get("timezone") or "Europe/Paris",
                        skills=_list(values.get("skills", "")),
                        regions=_list(values.get("regions", "")),
                        hours=_list(values.get("hours", "")),
                    ),
                )
            except (ConfigError, ConflictError) as exc:
                raise ImportError_(f"{path}:{line}: {exc}") from None
            added += 1
    return added


def _list(raw: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in raw.split("|") if part.strip())
