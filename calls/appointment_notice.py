"""Tell the adviser about a booked (or moved, or cancelled) appointment: an ``.ics`` invitation
file, an optional webhook, and an e-mail when SMTP settings are given. A failure is logged, never
raised: the appointment is in the database whatever happens to its notice."""

from __future__ import annotations

import asyncio
import logging
import smtplib
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import aiohttp

from campaigns import advisers
from campaigns.compliance import zone
from scenarios.booking import spoken_slot
from services.config import Settings

log = logging.getLogger("minibot.appointments")


def invitation_path(settings: Settings, row: dict[str, Any]) -> Path:
    """Where the invitation of appointment ``row`` is written."""
    return settings.data_dir / "appointments" / f"appointment-{row['id']}.ics"


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in row.items()}


def _email(settings: Settings, row: dict[str, Any], ics: bytes) -> None:
    message = EmailMessage()
    who = " ".join(p for p in (row.get("first_name"), row.get("last_name")) if p) or "un prospect"
    when = spoken_slot(row["starts_at"].astimezone(zone(str(row["adviser_timezone"]))))
    verb = "confirmé" if row["status"] == "confirmed" else "annulé"
    message["Subject"] = f"Rendez-vous {verb} : {who}, {when}"
    message["From"] = settings.smtp_from
    message["To"] = str(row["adviser_email"])
    message.set_content(
        f"Bonjour {row['adviser']},\n\nRendez-vous {verb} avec {who} le {when}.\n"
        f"Téléphone : {row.get('phone') or '?'}\nCampagne : {row.get('campaign') or '?'}\n\nMiniBot"
    )
    message.add_attachment(ics, maintype="text", subtype="calendar", filename="rendez-vous.ics")
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=20) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password)
        smtp.send_message(message)


async def notify(settings: Settings, row: dict[str, Any]) -> None:
    """Write the invitation, post the webhook, send the e-mail (each optional step on its own)."""
    adviser = {"name": row["adviser"], "email": row.get("adviser_email") or ""}
    ics = advisers.invitation(row, adviser)
    path = invitation_path(settings, row)
    try:
        await asyncio.to_thread(path.parent.mkdir, parents=True, exist_ok=True)
        await asyncio.to_thread(path.write_bytes, ics)
    except OSError as exc:
        log.error("appointment %s: cannot write %s: %s", row["id"], path, exc)
    if settings.appointment_webhook_url:
        try:
            timeout = aiohttp.ClientTimeout(total=15)
            async with (
                aiohttp.ClientSession(timeout=timeout) as session,
                session.post(settings.appointment_webhook_url, json=_jsonable(row)) as resp,
            ):
                resp.raise_for_status()
        except (aiohttp.ClientError, TimeoutError) as exc:
            log.error("appointment %s: webhook failed: %s", row["id"], exc)
    if settings.smtp_host and row.get("adviser_email"):
        try:
            await asyncio.to_thread(_email, settings, row, ics)
        except (OSError, smtplib.SMTPException) as exc:
            log.error("appointment %s: e-mail to the adviser failed: %s", row["id"], exc)
