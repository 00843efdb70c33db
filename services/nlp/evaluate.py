"""Evaluate intent classification on labelled phrases (TSV: text<TAB>intent)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from services.errors import ImportError_


@dataclass(frozen=True)
class IntentScore:
    """Precision/recall of one intent."""

    precision: float
    recall: float
    support: int


@dataclass(frozen=True)
class EvalReport:
    """Accuracy, per-intent scores, confusion matrix and the misclassified phrases."""

    total: int
    accuracy: float
    per_intent: dict[str, IntentScore]
    confusion: dict[str, dict[str, int]]  # expected -> predicted -> count
    errors: list[tuple[str, str, str]] = field(default_factory=list)  # text, expected, predicted

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form."""
        return {
            "total": self.total,
            "accuracy": round(self.accuracy, 4),
            "per_intent": {
                name: {"precision": round(s.precision, 4), "recall": round(s.recall, 4), "support": s.support}
                for name, s in self.per_intent.items()
            },
            "confusion": self.confusion,
            "errors": [{"text": t, "expected": e, "predicted": p} for t, e, p in self.errors],
        }


def load_tsv(path: str | Path) -> list[tuple[str, str]]:
    """Rows of ``text<TAB>intent`` (an optional ``text<TAB>intent`` header is skipped)."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ImportError_(f"cannot read {path}: {exc.strerror}") from exc
    rows = []
    for number, line in enumerate(lines, start=1):
        if not line.strip() or line.startswith("#") or (number == 1 and line.lower() == "text\tintent"):
            continue
        parts = line.split("\t")
        if len(parts) != 2 or not parts[1].strip():
            raise ImportError_(f"{path}:{number}: expected 'text<TAB>intent', got {line!r}")
        rows.append((parts[0].strip(), parts[1].strip()))
    if not rows:
        raise ImportError_(f"{path}: no labelled phrases")
    return rows


def evaluate(rows: Sequence[tuple[str, str]], predict: Callable[[str], str]) -> EvalReport:
    """Run ``predict`` on every row and score it."""
    pairs = [(text, expected, predict(text)) for text, expected in rows]
    confusion: dict[str, dict[str, int]] = {}
    for _, expected, predicted in pairs:
        confusion.setdefault(expected, {}).setdefault(predicted, 0)
        confusion[expected][predicted] += 1
    expected_counts = Counter(e for _, e, _ in pairs)
    predicted_counts = Counter(p for _, _, p in pairs)
    correct = Counter(e for _, e, p in pairs if e == p)
    per_intent = {
        name: IntentScore(
            precision=correct[name] / predicted_counts[name] if predicted_counts[name] else 0.0,
            recall=correct[name] / expected_counts[name] if expected_counts[name] else 0.0,
            support=expected_counts[name],
        )
        for name in sorted(set(expected_counts) | set(predicted_counts))
    }
    errors = [(t, e, p) for t, e, p in pairs if e != p]
    return EvalReport(len(pairs), sum(correct.values()) / len(pairs), per_intent, confusion, errors)
