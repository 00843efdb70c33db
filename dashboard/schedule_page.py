"""A campaign's schedule on its page: start/stop, run windows, holidays, whether it dials now and why
not, and the form that sets or clears it through :func:`campaigns.scheduling.set_schedule` (the rules
of ``minibot campaign schedule``)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from aiohttp import web

from campaigns import schedule, scheduling
from campaigns.compliance import zone
from campaigns.schedule import CampaignSchedule, RunWindow, parse_window
from dashboard import errors, i18n, store
from dashboard.auth import requires, session_of
from dashboard.errors import Problem
from dashboard.keys import CLOCK, POOL, SETTINGS
from dashboard.params import parse_id
from dashboard.threads import in_thread
from services.errors import NotFoundError

_DAY = re.compile(r"\b(" + "|".join(schedule.DAY_NAMES) + r")\b")


def window_label(lang: str, window: RunWindow) -> str:
    """``mon-fri 10:00-12:30`` as ``lun-ven 10:00-12:30`` in French (both are accepted back)."""
    return _DAY.sub(lambda m: i18n.translate(lang, f"day_{m.group(1)}"), str(window))


def _closed_because(lang: str, plan: CampaignSchedule, now: datetime) -> str:
    """Why the schedule is closed at ``now`` (it is)."""
    say = i18n.translate
    if plan.starts_at is not None and now < plan.starts_at:
        return say(lang, "why_not_started").format(
            when=i18n.format_datetime(lang, plan.starts_at, plan.timezone)
        )
    if plan.ends_at is not None and now >= plan.ends_at:
        return say(lang, "why_ended").format(when=i18n.format_datetime(lang, plan.ends_at, plan.timezone))
    holiday = schedule.is_holiday(plan.holidays_country, now.astimezone(zone(plan.timezone)).date())
    if holiday:
        return say(lang, "why_holiday").format(name=holiday)
    windows = ", ".join(window_label(lang, w) for w in plan.windows)
    return say(lang, "why_outside_windows").format(windows=windows)


def dialling(
    lang: str,
    *,
    status: str,
    plan: CampaignSchedule,
    gate: tuple[bool, str],
    now: datetime,
    bloctel_limit: int,
) -> tuple[bool, list[str]]:
    """Whether the campaign dials now (running and its gate open) and the reasons, in ``lang``."""
    gate_open, gate_reason = gate
    reasons = []
    if status != "running":
        state = i18n.value_label(lang, "campaign_status", status)
        reasons.append(i18n.translate(lang, "why_campaign_status").format(status=state))
    open_now, _ = schedule.state(plan, now)
    if not open_now:
        reasons.append(_closed_because(lang, plan, now))
    elif not gate_open and "Bloctel" in gate_reason:
        reasons.append(i18n.translate(lang, "why_bloctel").format(limit=bloctel_limit))
    if open_now != gate_open and "Bloctel" not in gate_reason:
        reasons.append(i18n.translate(lang, "why_pending"))
    return status == "running" and gate_open, reasons


async def schedule_view(request: web.Request, campaign: dict[str, Any]) -> dict[str, Any]:
    """What the campaign page shows of the schedule, and the form's current values."""
    plan, gate_open, gate_reason = await in_thread(request.app, scheduling.schedule_of, str(campaign["name"]))
    lang = errors.language(request)
    now = request.app[CLOCK]()
    limit = request.app[SETTINGS].dnc_max_age_days
    dials, reasons = dialling(
        lang,
        status=str(campaign["status"]),
        plan=plan,
        gate=(gate_open, gate_reason),
        now=now,
        bloctel_limit=limit,
    )
    local = zone(plan.timezone)
    return {
        "plan": plan,
        "empty": plan == CampaignSchedule(),
        "windows": [window_label(lang, w) for w in plan.windows],
        "dialling": dials,
        "reasons": reasons,
        "form_start": f"{plan.starts_at.astimezone(local):%Y-%m-%dT%H:%M}" if plan.starts_at else "",
        "form_stop": f"{plan.ends_at.astimezone(local):%Y-%m-%dT%H:%M}" if plan.ends_at else "",
        "form_holidays": plan.holidays_country if plan != CampaignSchedule() else "FR",
    }


def _instant(raw: str, tz: str) -> datetime | None:
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise Problem(422, "datetime_invalid") from None
    if not 2000 <= value.year <= 2100:
        raise Problem(422, "datetime_invalid")
    return value if value.tzinfo else value.replace(tzinfo=zone(tz))


def plan_from_form(form: dict[str, str]) -> CampaignSchedule:
    """The schedule a form describes; dates and windows are read in its time zone."""
    tz = form.get("timezone") or "Europe/Paris"
    try:
        zone(tz)
        return CampaignSchedule(
            starts_at=_instant(form.get("starts_at", ""), tz),
            ends_at=_instant(form.get("ends_at", ""), tz),
            windows=tuple(parse_window(w) for w in form.get("windows", "").splitlines() if w.strip()),
            timezone=tz,
            holidays_country=form.get("holidays", ""),
        )
    except ValueError as exc:
        raise Problem(422, "schedule_invalid", reason=str(exc)) from None


@requires("supervisor")
async def set_schedule(request: web.Request) -> web.StreamResponse:
    """POST /campaigns/{id}/schedule: set the schedule (or clear it with the ``clear`` button)."""
    campaign_id = parse_id(request.match_info["id"])
    campaign = None
    if campaign_id is not None:
        campaign = await store.fetch_one(request.app[POOL], "campaign_detail", {"campaign_id": campaign_id})
    if campaign is None:
        raise Problem(404, "campaign_not_found")
    form = {k: str(v).strip() for k, v in (await request.post()).items() if isinstance(v, str)}
    plan = CampaignSchedule() if form.get("clear") else plan_from_form(form)
    now = request.app[CLOCK]()
    try:
        stored = await in_thread(request.app, scheduling.set_schedule, str(campaign["name"]), plan, now)
    except NotFoundError:
        raise Problem(404, "campaign_not_found") from None
    except ValueError as exc:  # ScheduleError: stop before start, unknown holiday calendar
        raise Problem(422, "schedule_invalid", reason=str(exc)) from None
    details = stored.as_json() | {
        "starts_at": stored.starts_at.isoformat() if stored.starts_at else None,
        "ends_at": stored.ends_at.isoformat() if stored.ends_at else None,
    }
    action = "campaign.schedule_clear" if form.get("clear") else "campaign.schedule"
    await store.audit(
        request.app[POOL], session_of(request).email, action, f"campaign:{campaign_id}", details
    )
    raise web.HTTPSeeOther(f"/campaigns/{campaign_id}")
