"""Campaign funnels (dialled → answered → human → qualified → transferred), talk time and cost:
the daily summary and the business metrics read them."""

from __future__ import annotations

import csv
import json
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import psycopg

from campaigns.compliance import zone
from services.db import query

Conn = psycopg.Connection[dict[str, Any]]
ALL_TIME = (datetime.min.replace(tzinfo=zone("UTC")), datetime.max.replace(tzinfo=zone("UTC")))


@dataclass(frozen=True)
class Rates:
    """What calls cost: per call placed and per minute of talk (the trunk's price list)."""

    per_call: float = 0.0
    per_minute: float = 0.0


@dataclass(frozen=True)
class Funnel:
    """One campaign's figures over a period."""

    campaign: str
    dialled: int
    answered: int
    humans: int
    qualified: int
    transferred: int
    talk_minutes: float
    cost: float
    cost_per_qualified: float | None


def cost(calls: int, talk_seconds: float, rates: Rates) -> float:
    """The cost of ``calls`` calls with ``talk_seconds`` of talk in all."""
    return round(calls * rates.per_call + talk_seconds / 60.0 * rates.per_minute, 4)


def funnels(conn: Conn, start: datetime, end: datetime, rates: Rates) -> list[Funnel]:
    """Every campaign's funnel for the calls placed in ``[start, end)``."""
    rows = conn.execute(query("scheduler", "campaign_funnel"), {"start": start, "end": end}).fetchall()
    result = []
    for r in rows:
        spent = cost(int(r["dialled"]), float(r["talk_seconds"]), rates)
        qualified = int(r["qualified"])
        result.append(
            Funnel(
                campaign=str(r["campaign"]),
                dialled=int(r["dialled"]),
                answered=int(r["answered"]),
                humans=int(r["humans"]),
                qualified=qualified,
                transferred=int(r["transferred"]),
                talk_minutes=round(float(r["talk_seconds"]) / 60.0, 2),
                cost=spent,
                cost_per_qualified=round(spent / qualified, 4) if qualified else None,
            )
        )
    return result


def daily_summary(conn: Conn, day: date, tz: str, rates: Rates) -> list[Funnel]:
    """Every campaign's funnel for the calls placed on ``day`` (midnight to midnight in ``tz``)."""
    info = zone(tz)
    start = datetime.combine(day, time(0), tzinfo=info)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=info)
    return funnels(conn, start, end, rates)


def write_summary(summary: list[Funnel], directory: Path, day: date) -> tuple[Path, Path]:
    """Write ``summary-DAY.json`` and ``summary-DAY.csv`` (UTF-8, comma-separated) in ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    rows = [{"day": day.isoformat()} | asdict(s) for s in summary]
    json_path = directory / f"summary-{day.isoformat()}.json"
    json_path.write_text(json.dumps(rows, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    csv_path = directory / f"summary-{day.isoformat()}.csv"
    with csv_path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["day", *Funnel.__dataclass_fields__])
        writer.writeheader()
        writer.writerows(rows)
    return json_path, csv_path
