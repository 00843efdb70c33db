"""K-fold cross-validation of the French fast path on the phrases it is trained on: how changes to
the rules or the n-gram model are chosen, without touching the evaluation set kept aside
(``tests/data/nlu_heldout2_fr.tsv``, only ever scored by ``bench_nlp``).

The pool is the project's own phrases and both halves of the first independent corpus. Each phrase
goes to a fold by a hash of its normalised text, per (file, intent), so folds are stratified and
stable; for each fold the model is trained on the others and the whole fast path (rules + model)
is scored on it. Prints one JSON line per file and one for the pool: accuracy, do-not-call recall,
do-not-call taken as callback, errors per expected intent. ``--errors`` also lists the misclassified
phrases (of these training files only).

Run: ``python -m benchmarks.cv_nlp [--folds 5] [--errors]``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from collections import Counter
from collections.abc import Sequence

from services.nlp.evaluate import EvalReport, evaluate, load_tsv
from services.nlp.keywords import keyword_model
from services.nlp.ngrams import DATA_DIR, INTENTS, TRAINING_FILES, NgramModel
from services.nlp.text import normalize

Row = tuple[str, str, str]  # file, text, intent


def pool() -> list[Row]:
    """Every labelled phrase of the training files, duplicates (after normalisation) dropped."""
    seen: set[str] = set()
    rows = []
    for name in TRAINING_FILES:
        for text, intent in load_tsv(DATA_DIR / name):
            if normalize(text) not in seen:
                seen.add(normalize(text))
                rows.append((name, text, intent))
    return rows


def stratified(rows: Sequence[Row], folds: int) -> list[int]:
    """Fold of each row: the rows of one (file, intent), ordered by a hash of their text, dealt
    round-robin (stratified and stable)."""
    assigned = [0] * len(rows)
    groups: dict[tuple[str, str], list[int]] = {}
    for i, row in enumerate(rows):
        groups.setdefault((row[0], row[2]), []).append(i)
    for members in groups.values():
        members.sort(key=lambda i: hashlib.sha256(normalize(rows[i][1]).encode()).hexdigest())
        for rank, i in enumerate(members):
            assigned[i] = rank % folds
    return assigned


def cross_validate(rows: Sequence[Row], folds: int) -> dict[str, list[tuple[str, str, str]]]:
    """``{file: [(text, expected, predicted)]}`` with each phrase predicted by a model not trained on it."""
    assigned = stratified(rows, folds)
    model = keyword_model()
    out: dict[str, list[tuple[str, str, str]]] = {}
    for fold in range(folds):
        train = [(normalize(t).split(), i) for (_, t, i), f in zip(rows, assigned, strict=True) if f != fold]
        ngrams = NgramModel.train([(tokens, intent) for tokens, intent in train if intent in INTENTS])
        for (name, text, intent), f in zip(rows, assigned, strict=True):
            if f == fold:
                predicted = model.classify(text, ngrams=ngrams).intent
                out.setdefault(name, []).append((text, intent, predicted))
    return out


def _report(triples: Sequence[tuple[str, str, str]]) -> EvalReport:
    predicted = {text: p for text, _, p in triples}
    return evaluate([(t, e) for t, e, _ in triples], predicted.__getitem__)


def main() -> None:
    """Print one JSON line per training file and one for the pool."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--errors", action="store_true", help="list the misclassified training phrases")
    args = parser.parse_args()
    results = cross_validate(pool(), args.folds)
    results["pool"] = [triple for name in list(results) for triple in results[name]]
    for name, triples in results.items():
        report = _report(triples)
        targets = report.targets()
        line = {
            "set": name,
            "phrases": report.total,
            "accuracy": round(report.accuracy * 100, 2),
            "dnc_recall": round(targets["do_not_call_recall"]["value"] * 100, 2),
            "dnc_as_callback": targets["do_not_call_as_callback"]["value"],
            "errors": dict(Counter(e for _, e, _ in report.errors)),
        }
        print(json.dumps(line))
        if args.errors and name != "pool":
            for text, expected, got in report.errors:
                print(f"  {expected:>12} -> {got:<12} {text}")


if __name__ == "__main__":
    main()
