"""Contact import end to end: a generated 1,000,000-row CSV into a fresh database.

Reports rows/s (target >= 50,000) and the growth of peak RSS during the import (the file is
streamed, so memory must stay flat whatever the file size).
"""

from __future__ import annotations

import csv
import random
import resource
import tempfile
from pathlib import Path

from benchmarks.common import emit, scratch_database
from campaigns import store
from campaigns.importer import import_contacts
from campaigns.models import CampaignSettings
from services import db

ROWS = 1_000_000
FIRST = ["Alice", "Bruno", "Chloé", "David", "Émilie", "François", "Gaëlle", "Hugo"]
LAST = ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand"]


def generate(path: Path, rows: int, seed: int = 7) -> None:
    """Write a realistic contact CSV: national and international formats, 0.1% invalid rows."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(["telephone", "prenom", "nom", "ville", "consent"])
        for i in range(rows):
            digits = f"{600000000 + i:09d}"
            style = i % 3
            if i % 1000 == 999:
                phone = "06 12"  # invalid
            elif style == 0:
                phone = "0" + " ".join([digits[0]] + [digits[j : j + 2] for j in range(1, 9, 2)])
            elif style == 1:
                phone = "+33" + digits
            else:
                phone = "0" + digits
            writer.writerow([phone, rng.choice(FIRST), rng.choice(LAST), "Lyon", "web-2026"])


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    """Generate the file, import it into a scratch database and print the figures."""
    with tempfile.TemporaryDirectory() as tmp, scratch_database() as url:
        path = Path(tmp) / "contacts.csv"
        generate(path, ROWS)
        with db.connect(url, autocommit=True) as conn:
            campaign = store.create(conn, "bench", CampaignSettings())
            before = _peak_rss_mb()
            report = import_contacts(conn, path, campaign.id)
            growth = _peak_rss_mb() - before
        rate = report.rows_per_second
        emit(
            "import_rows_per_second",
            rate,
            "rows/s",
            ">= 50000",
            rate >= 50_000,
            rows=report.read,
            imported=report.imported,
            rejected=report.rejected,
            seconds=round(report.seconds, 2),
        )
        emit("import_peak_rss_growth", growth, "MB", "<= 100 (flat)", growth <= 100)


if __name__ == "__main__":
    main()
