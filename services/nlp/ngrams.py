"""A small trained intent classifier: naive Bayes over word and character n-grams.

It covers the phrasings no rule lists ("je suis sous la douche", "vous tombez au mauvais moment").
Trained at first use (about a tenth of a second) from labelled French phrases shipped with the
package (``services/nlp/data/*.tsv``: the project's own phrases and both halves of the first
independent corpus); classifying one utterance is a few hundred dictionary look-ups. Settings are
chosen by cross-validation (``python -m benchmarks.cv_nlp``).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import numpy.typing as npt

from services.nlp.dnc import NOT_NEGATION_AFTER
from services.nlp.text import normalize

DATA_DIR = Path(__file__).resolve().parent / "data"
TRAINING_FILES = ("examples_fr.tsv", "nlu_dev_fr.tsv", "nlu_heldout_fr.tsv")
INTENTS = ("yes", "no", "callback", "do_not_call", "who_are_you", "unknown")
ALPHA = 0.3  # additive smoothing (chosen by cross-validation, benchmarks/cv_nlp.py)
TEMPERATURE = 20.0  # log-scores are divided by this: naive Bayes is over-confident (chosen on dev CV)


def features(tokens: Sequence[str]) -> set[str]:
    """Words, word pairs and 3-6 character grams (across word boundaries) of a normalised utterance."""
    tokens = _comparatives(tokens)
    found = {f"w:{token}" for token in tokens}
    found.update(f"b:{a}_{b}" for a, b in zip(["^", *tokens], [*tokens, "$"], strict=True))
    padded = f" {' '.join(tokens)} "
    for size in (3, 4, 5, 6):
        found.update(f"c:{padded[i : i + size]}" for i in range(len(padded) - size + 1))
    return found


def _comparatives(tokens: Sequence[str]) -> list[str]:
    """ "plus tard", "plus tôt" glued into one word: that "plus" is no negation, and the model
    should not read it as the "plus" of "ne m'appelez plus"."""
    out: list[str] = []
    for token in tokens:
        if out and out[-1] == "plus" and token in NOT_NEGATION_AFTER:
            out[-1] = f"plus{token}"
        else:
            out.append(token)
    return out


@dataclass(frozen=True)
class NgramModel:
    """Naive Bayes: per-feature log-likelihoods of each intent in one table (rows: features)."""

    intents: tuple[str, ...]
    index: dict[str, int]  # feature -> row of ``table``
    table: npt.NDArray[np.float64]  # log P(feature | intent)
    log_unseen: npt.NDArray[np.float64]  # log P(a feature never seen with the intent)
    log_prior: dict[str, float]

    @classmethod
    def train(cls, rows: Iterable[tuple[Sequence[str], str]]) -> NgramModel:
        """Fit on ``(tokens, intent)`` pairs."""
        counts: dict[str, Counter[str]] = {}
        examples: Counter[str] = Counter()
        for tokens, intent in rows:
            examples[intent] += 1
            counts.setdefault(intent, Counter()).update(features(tokens))
        intents = tuple(sorted(counts))
        index = {f: i for i, f in enumerate(sorted({f for counter in counts.values() for f in counter}))}
        table = np.zeros((len(index), len(intents)))
        log_unseen = np.zeros(len(intents))
        for column, intent in enumerate(intents):
            counter = counts[intent]
            denominator = math.log(sum(counter.values()) + ALPHA * len(index))
            table[:, column] = math.log(ALPHA) - denominator
            for feature, n in counter.items():
                table[index[feature], column] = math.log(n + ALPHA) - denominator
            log_unseen[column] = math.log(ALPHA) - denominator
        total = sum(examples.values())
        log_prior = {intent: math.log(examples[intent] / total) for intent in intents}
        return cls(intents, index, table, log_unseen, log_prior)

    def probabilities(self, tokens: Sequence[str]) -> dict[str, float]:
        """Posterior probability of each intent for a normalised utterance."""
        found = features(tokens)
        rows = [self.index[f] for f in found if f in self.index]
        scores = self.table[rows].sum(axis=0) + (len(found) - len(rows)) * self.log_unseen
        scores += np.array([self.log_prior[intent] for intent in self.intents])
        exp = np.exp((scores - scores.max()) / TEMPERATURE)
        return dict(zip(self.intents, (exp / exp.sum()).tolist(), strict=True))


def read_rows(paths: Iterable[Path]) -> list[tuple[list[str], str]]:
    """``(tokens, intent)`` of every known-intent line of ``text<TAB>intent`` files."""
    rows = []
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines()[1:]:
            text, _, intent = line.partition("\t")
            if intent in INTENTS:
                rows.append((normalize(text).split(), intent))
    return rows


@lru_cache(maxsize=1)
def default_model() -> NgramModel:
    """The model trained on the phrases shipped with the package (cached for the process)."""
    return NgramModel.train(read_rows(DATA_DIR / name for name in TRAINING_FILES))
