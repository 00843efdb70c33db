"""Split the independent French evaluation corpus into a dev half and a held-out half (one-off).

The corpus (``text<TAB>label`` files, one per intent plus ``objections.tsv``) is written by someone
who never saw the lexicon. This script was committed *before* its author read any line of it:

- every file is split on its own (stratified by label), duplicates (after normalisation) dropped;
- a phrase goes to the dev half when ``sha256(SEED + normalised text)`` is even, so the split is
  deterministic, does not depend on line order, and a phrase seen twice never lands in both halves;
- the dev half may be read and tuned on; the held-out half is only ever scored in aggregate
  (``minibot nlp eval tests/data/nlu_heldout_fr.tsv --json``, ``make bench``).

Run: ``python tests/data/split_corpus.py /work/corpus/nlu`` (writes next to this file).
"""

from __future__ import annotations

import hashlib
import sys
import unicodedata
from pathlib import Path

SEED = "minibot-nlu-15"
INTENT_FILES = ("yes", "no", "callback", "do_not_call", "who_are_you", "unknown")
HERE = Path(__file__).resolve().parent


def _key(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.lower())
    return " ".join("".join(ch for ch in folded if not unicodedata.combining(ch)).split())


def _rows(path: Path) -> list[tuple[str, str]]:
    rows, seen = [], set()
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) != 2 or not parts[0].strip() or parts[0].strip().lower() == "text":
            continue
        text, label = parts[0].strip(), parts[1].strip()
        if _key(text) not in seen:
            seen.add(_key(text))
            rows.append((text, label))
    return rows


def _is_dev(text: str) -> bool:
    return hashlib.sha256(f"{SEED}:{_key(text)}".encode()).digest()[0] % 2 == 0


def _write(path: Path, header: str, rows: list[tuple[str, str]]) -> None:
    path.write_text(header + "\n" + "".join(f"{t}\t{label}\n" for t, label in rows), encoding="utf-8")


def split(source: Path) -> None:
    """Write the intent and objection splits from the corpus in ``source``."""
    intents = [row for name in INTENT_FILES for row in _rows(source / f"{name}.tsv")]
    objections = _rows(source / "objections.tsv")
    for stem, header, rows in (
        ("nlu", "text\tintent", intents),
        ("objections", "text\tobjection", objections),
    ):
        dev = [row for row in rows if _is_dev(row[0])]
        held = [row for row in rows if not _is_dev(row[0])]
        _write(HERE / f"{stem}_dev_fr.tsv", header, dev)
        _write(HERE / f"{stem}_heldout_fr.tsv", header, held)
        print(f"{stem}: {len(dev)} dev, {len(held)} held-out")  # counts only, never lines


if __name__ == "__main__":
    split(Path(sys.argv[1] if len(sys.argv) > 1 else "/work/corpus/nlu"))
