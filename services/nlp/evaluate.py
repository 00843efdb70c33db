"""Evaluate intent classification on labelled phrases (TSV: text<TAB>intent).

A file names the intents it tests; a prediction outside them (``wrong_person`` on a file without
that label) is scored as ``unknown``, the file's "anything else". The targets of issue #15 are
checked on every report: accuracy >= 95 %, do_not_call recall 100 %, no do_not_call taken as callback.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Sequence
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

    def targets(self) -> dict[str, dict[str, Any]]:
        """Each target: its value, the target and whether it is met (do-not-call ones only if tested)."""
        found: dict[str, dict[str, Any]] = {
            "accuracy": {"value": round(self.accuracy, 4), "target": ">= 0.95", "ok": self.accuracy >= 0.95}
        }
        if "do_not_call" in self.confusion:
            recall = self.per_intent["do_not_call"].recall
            as_callback = self.confusion["do_not_call"].get("callback", 0)
            found["do_not_call_recall"] = {"value": round(recall, 4), "target": "1.0", "ok": recall == 1.0}
            found["do_not_call_as_callback"] = {"value": as_callback, "target": "0", "ok": as_callback == 0}
        return found

    @property
    def targets_met(self) -> bool:
        """Whether every target holds."""
        return all(target["ok"] for target in self.targets().values())

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form."""
        return {
            "total": self.total,
            "accuracy": round(self.accuracy, 4),
            "targets": self.targets(),
            "targets_met": self.targets_met,
            "per_intent": {
                name: {"precision": round(s.precision, 4), "recall": round(s.recall, 4), "support": s.support}
                for name, s in self.per_intent.items()
            },
            "confusion": self.confusion,
            "errors": [{"text": t, "expected": e, "predicted": p} for t, e, p in self.errors],
        }


HEADERS = ("text\tintent", "text\tobjection")


def load_tsv(path: str | Path) -> list[tuple[str, str]]:
    """Rows of ``text<TAB>label`` (an optional ``text<TAB>intent`` or ``text<TAB>objection`` header
    is skipped)."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ImportError_(f"cannot read {path}: {exc.strerror}") from exc
    rows = []
    for number, line in enumerate(lines, start=1):
        if not line.strip() or line.startswith("#") or (number == 1 and line.lower() in HEADERS):
            continue
        parts = line.split("\t")
        if len(parts) != 2 or not parts[1].strip():
            raise ImportError_(f"{path}:{number}: expected 'text<TAB>intent', got {line!r}")
        rows.append((parts[0].strip(), parts[1].strip()))
    if not rows:
        raise ImportError_(f"{path}: no labelled phrases")
    return rows


def file_kind(path: str | Path) -> str:
    """``objection`` when the file's header says ``text<TAB>objection``, else ``intent``."""
    with Path(path).open(encoding="utf-8") as handle:
        first = handle.readline().strip().lower()
    return "objection" if first == "text\tobjection" else "intent"


def evaluate(
    rows: Sequence[tuple[str, str]],
    predict: Callable[[str], str],
    labels: Collection[str] | None = None,
) -> EvalReport:
    """Run ``predict`` on every row and score it; predictions outside ``labels`` (default: the
    rows' own labels plus ``unknown``) count as ``unknown``."""
    known = set(labels) if labels is not None else {expected for _, expected in rows} | {"unknown"}
    pairs = [(text, expected, _within(predict(text), known)) for text, expected in rows]
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


def _within(label: str, known: Collection[str]) -> str:
    return label if label in known else "unknown"
