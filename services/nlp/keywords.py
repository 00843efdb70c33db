"""Fast path: French intent classification in well under a millisecond, safety first.

Layers, in order: the do-not-call rules (:mod:`services.nlp.dnc`), keyword rules read clause by
clause with negation scope and intent priority, the scenario's objections
(:mod:`services.nlp.objections`), and a small trained n-gram model (:mod:`services.nlp.ngrams`)
where the rules are unsure. Works on ASR output (no accents, no punctuation, glued elisions,
homophones: :mod:`services.nlp.text`). Step-specific keyword tables come from the scenario as plain
data.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache

from services.nlp import lexicon
from services.nlp import objections as objection_layer
from services.nlp.dnc import dnc_evidence
from services.nlp.ngrams import NgramModel, default_model
from services.nlp.text import normalize

GLOBAL_INTENTS = ("do_not_call", "insult", "wrong_person", "callback", "who_are_you")
POLARITY_INTENTS = ("yes", "no")
UNKNOWN = "unknown"
IGNORED = "_ignored"
_ARTICLES = frozenset({"de", "d", "du", "des", "un", "une", "le", "la", "les"})
_TIME = re.compile(r"^\d{1,2}h\d{0,2}$|^heures$|^midi$")
CORRECTIONS = frozenset({"mais", "enfin", "finalement", "plutot"})
# Clause boundaries of a run-on answer ("oui enfin non en fait", "ça m'intéresse mais rappelez-moi").
CLAUSE_MARKERS = (("mais",), ("enfin",), ("finalement",), ("en", "fait"), ("par", "contre"), ("sinon",))
DNC_FLOOR = 0.3  # the n-gram do-not-call probability from which do_not_call wins (safety first)
REFUSAL_DNC_FLOOR = 0.5  # the same, against a sure refusal ("je refuse", "non et non")
RULES_TRUSTED = 0.8  # rule answers at least this sure stand
_NOT_DNC = frozenset({"wrong_person", "insult", "who_are_you", "yes"})  # sure rules the model can't flip
NGRAMS_CONFIDENCE = 0.65  # the most an n-gram answer claims (the language model may refine it)
NGRAMS_TRUSTED = 0.5  # the n-gram model overrides unsure rules from this probability

_GLOBAL_TABLE: dict[str, tuple[str, ...]] = {
    "do_not_call": lexicon.DO_NOT_CALL,
    "insult": lexicon.INSULT,
    "wrong_person": lexicon.WRONG_PERSON,
    "callback": lexicon.CALLBACK,
    "who_are_you": lexicon.WHO_ARE_YOU,
    "busy": lexicon.BUSY,
    IGNORED: lexicon.IGNORED,
}
_CONFIDENCE = {"do_not_call": 0.95, "insult": 0.9, "wrong_person": 0.85, "callback": 0.85, "who_are_you": 0.9}


@dataclass(frozen=True)
class FastResult:
    """Outcome of the fast path."""

    intent: str
    confidence: float
    sentiment: str = "neutral"
    matched: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Hit:
    intent: str
    phrase: str
    start: int
    end: int


@dataclass
class _Scanner:
    """Longest-match phrase scanner over word tokens."""

    by_first: dict[str, list[tuple[tuple[str, ...], str, str]]] = field(default_factory=dict)

    def add(self, intent: str, phrases: Iterable[str]) -> None:
        for phrase in phrases:
            words = tuple(normalize(phrase).split())
            if words:
                self.by_first.setdefault(words[0], []).append((words, intent, " ".join(words)))
        for candidates in self.by_first.values():
            candidates.sort(key=lambda item: -len(item[0]))

    def scan(self, tokens: Sequence[str]) -> list[_Hit]:
        """Non-overlapping phrases, longest first: "absolument pas de souci" is "pas de souci",
        not "absolument pas"."""
        found: list[_Hit] = []
        for i, token in enumerate(tokens):
            for words, intent, phrase in self.by_first.get(token, ()):
                if tuple(tokens[i : i + len(words)]) == words:
                    found.append(_Hit(intent, phrase, i, i + len(words)))
                    break
        taken: set[int] = set()
        hits: list[_Hit] = []
        for hit in sorted(found, key=lambda h: (h.start - h.end, h.start)):
            if taken.isdisjoint(range(hit.start, hit.end)):
                hits.append(hit)
                taken.update(range(hit.start, hit.end))
        return sorted(hits, key=lambda h: h.start)


def clauses(tokens: Sequence[str]) -> list[list[str]]:
    """``tokens`` cut before each clause marker ("mais", "enfin", "en fait"…)."""
    cut: list[list[str]] = [[]]
    i = 0
    while i < len(tokens):
        marker = next((m for m in CLAUSE_MARKERS if tuple(tokens[i : i + len(m)]) == m), None)
        if marker and cut[-1]:
            cut.append([])
        cut[-1].extend(tokens[i : i + len(marker or (0,))])
        i += len(marker or (0,))
    return cut


def _negated(tokens: Sequence[str], hit: _Hit, positive: Collection[int] = ()) -> bool:
    """ "ne … pas" around the phrase ("je n'ai pas de PEL"), or a negation just before it ("pas
    d'accord", "pas de PEL"). Negations inside ``positive`` phrases ("pourquoi pas", "je ne sais
    pas") negate nothing else."""
    if lexicon.NEGATORS.intersection(hit.phrase.split()):
        return False
    before = [tok for i, tok in enumerate(tokens[: hit.start]) if i >= hit.start - 4 and i not in positive]
    near = before[-2:]
    after = [tok for i, tok in enumerate(tokens[hit.end : hit.end + 1], hit.end) if i not in positive]
    return (
        bool({"ne", "n"}.intersection(before))
        or bool(near and near[-1] in lexicon.NEGATORS)
        or (len(near) == 2 and near[0] in lexicon.NEGATORS and near[1] in _ARTICLES)
        or bool(lexicon.NEGATOR_AFTER.intersection(after))
    )


def _conjunction(tokens: Sequence[str], hit: _Hit) -> bool:
    """ "si" inside a sentence is "if" ("vous savez si c'est ouvert", "jeudi, si ça vous va"), a yes
    only at the head of a clause ("si, si", "mais si")."""
    return (
        hit.phrase == "si" and hit.start > 0 and tokens[hit.start - 1] not in {"mais", "si", "ah", "oh", "eh"}
    )


def _after_ni(tokens: Sequence[str], hit: _Hit) -> bool:
    """ "ni maintenant ni plus tard" is a refusal, not a time."""
    return "ni" in tokens[max(0, hit.start - 2) : hit.start]


@dataclass(frozen=True)
class KeywordModel:
    """Compiled keyword tables: the global intents plus yes/no and any step-specific intents."""

    globals_: _Scanner
    polarity: _Scanner
    sentiment: _Scanner
    step_phrases: frozenset[str] = frozenset()  # the scenario's own phrases: an answer it expects

    def classify(
        self,
        text: str,
        allowed: Collection[str] | None = None,
        ngrams: NgramModel | None = None,
        objections: objection_layer.Specs = (),
    ) -> FastResult:
        """Classify one utterance; intents outside ``allowed`` (plus globals) become ``unknown``.

        Order: the do-not-call safety layer, then the rules clause by clause (the last clause that
        says something wins: "oui enfin non" is no), then the scenario's ``objections`` (unless the
        caller insulted, has the wrong person or asked for a callback), then the trained n-gram
        model where the rules are unsure. ``ngrams`` replaces the shipped model (cross-validation).
        """
        tokens = normalize(text).split()
        mood = self._sentiment(tokens)
        if not tokens:
            return FastResult(UNKNOWN, 0.0, mood)
        evidence = dnc_evidence(tokens)
        if evidence:
            return FastResult("do_not_call", 0.97, "negative", (evidence,))
        rules = self._rules(tokens, mood)
        if rules.intent not in {"insult", "wrong_person", "callback"}:
            objection, confidence = objection_layer.detect(tokens, objections)
            if objection != objection_layer.NONE:
                return FastResult(objection, confidence, mood, ("objection",))
        result = self._blend(rules, tokens, ngrams or default_model(), self.step_phrases)
        if allowed is not None and result.intent not in {*allowed, *GLOBAL_INTENTS, UNKNOWN}:
            return FastResult(UNKNOWN, 0.3, mood, result.matched)
        return result

    def _rules(self, tokens: list[str], mood: str) -> FastResult:
        """The last clause that says something decides; a yes/no that reverses an earlier clause
        ("oui enfin non") or trails off ("oui mais bon") is unsure."""
        decided = FastResult(UNKNOWN, 0.0, mood)
        said: set[str] = set()
        for clause in clauses(tokens):
            result = self._resolve(clause, mood)
            if result.intent != UNKNOWN or result.matched:  # "je sais pas" says something
                reversed_ = bool(said - {result.intent}) and result.intent in POLARITY_INTENTS
                decided = replace(result, confidence=0.55) if reversed_ else result
                said.add(result.intent)
            elif decided.intent in POLARITY_INTENTS:
                decided = replace(decided, confidence=min(decided.confidence, 0.6))
        return decided

    @staticmethod
    def _blend(
        rules: FastResult, tokens: list[str], ngrams: NgramModel, step_phrases: frozenset[str]
    ) -> FastResult:
        """Rules that are sure stand, and so does an unknown the rules recognise ("j'ai pas
        compris"; a lone "quoi" may open a question). Elsewhere the n-gram model may decide, but
        its answers stay unsure (below the language model's threshold) so Ollama gets a say.
        Before all that, a do-not-call the model finds likely wins over anything but a sure answer
        of another kind (or one of the scenario's own phrases): safety first."""
        expected = bool(step_phrases.intersection(rules.matched))  # "je ne le vois jamais" at q3
        if rules.confidence >= RULES_TRUSTED and (rules.intent in _NOT_DNC or expected):
            return rules
        probabilities = ngrams.probabilities(tokens)
        floor = REFUSAL_DNC_FLOOR if rules.intent == "no" and rules.confidence >= RULES_TRUSTED else DNC_FLOOR
        if probabilities.get("do_not_call", 0.0) >= floor:
            return FastResult("do_not_call", 0.9, "negative", ("ngrams",))
        if rules.confidence >= RULES_TRUSTED or any(" " in phrase for phrase in rules.matched):
            return rules
        intent, probability = max(probabilities.items(), key=lambda item: item[1])
        if intent in {rules.intent, UNKNOWN} or probability < NGRAMS_TRUSTED:
            return rules
        return FastResult(
            intent, min(probability, NGRAMS_CONFIDENCE), rules.sentiment, (*rules.matched, "ngrams")
        )

    def _resolve(self, tokens: list[str], mood: str) -> FastResult:
        """One clause: insult > wrong person > callback > who are you > yes/no > busy > unknown."""
        found: dict[str, _Hit] = {}
        for hit in self.globals_.scan(tokens):
            if hit.intent != IGNORED and not (hit.intent in {"callback", "busy"} and _after_ni(tokens, hit)):
                found.setdefault(hit.intent, hit)
        if "busy" not in found and any(_TIME.match(token) for token in tokens):
            found["busy"] = _Hit("busy", "<time>", 0, 0)
        for intent in ("do_not_call", "insult", "wrong_person", "callback", "who_are_you"):
            if intent in found:
                sentiment = "negative" if intent in {"insult", "do_not_call"} else mood
                return FastResult(intent, _CONFIDENCE[intent], sentiment, (found[intent].phrase,))
        hits = self.polarity.scan(tokens)
        polar = self._polarity(tokens, hits, mood)
        weak_no = polar.intent == "no" and set(polar.matched) <= lexicon.WEAK_NO
        if polar.intent in POLARITY_INTENTS and not ("busy" in found and weak_no):
            return polar
        if polar.intent != UNKNOWN and "busy" not in found:
            return polar
        if "busy" in found:
            return FastResult("callback", 0.8, mood, (found["busy"].phrase,))
        return FastResult(UNKNOWN, 0.0, mood, tuple(hit.phrase for hit in hits if hit.intent == UNKNOWN))

    @staticmethod
    def _polarity(tokens: list[str], scanned: list[_Hit], mood: str) -> FastResult:
        taken = {i for hit in scanned if hit.intent != "no" for i in range(hit.start, hit.end)}
        hits = [hit for hit in scanned if hit.intent != UNKNOWN and not _conjunction(tokens, hit)]
        custom = [h for h in hits if h.intent not in POLARITY_INTENTS and not _negated(tokens, h, taken)]
        if custom:
            return FastResult(custom[0].intent, 0.9, mood, tuple(h.phrase for h in custom))
        signed: list[tuple[str, _Hit, bool]] = []
        for hit in hits:
            if hit.intent == "no":
                signed.append(("no", hit, False))
            else:  # yes or a step intent: a negated one means no
                negated = _negated(tokens, hit, taken)
                signed.append(("no", hit, True) if negated else ("yes", hit, False))
        if not signed:
            return FastResult(UNKNOWN, 0.0, mood)
        matched = tuple(hit.phrase for _, hit, _ in signed)
        polarities = {polarity for polarity, _, _ in signed}
        if len(polarities) > 1:
            corrected = any(tok in CORRECTIONS for tok in tokens[signed[0][1].end : signed[-1][1].start])
            weak_yes = all(hit.phrase in lexicon.WEAK_YES for polarity, hit, _ in signed if polarity == "yes")
            chosen = (
                signed[-1]
                if corrected
                else next(s for s in signed if s[0] == "no")
                if weak_yes
                else signed[0]
            )
            return FastResult(chosen[0], 0.55, mood, matched)
        polarity, first, negated = signed[0]
        if polarity == "yes":
            weak = (
                all(hit.phrase in lexicon.WEAK_YES for _, hit, _ in signed) or "mais" in tokens[first.end :]
            )
            return FastResult("yes", 0.6 if weak else 0.9, mood, matched)
        return FastResult("no", 0.85 if negated else 0.9, mood, matched)

    def _sentiment(self, tokens: list[str]) -> str:
        hits = self.sentiment.scan(tokens)
        negative = sum(1 for h in hits if h.intent in {"negative", "insult"})
        positive = sum(1 for h in hits if h.intent == "positive")
        if negative > positive:
            return "negative"
        return "positive" if positive > negative else "neutral"


def _freeze(extra: Mapping[str, Sequence[str]] | None) -> tuple[tuple[str, tuple[str, ...]], ...]:
    return tuple(sorted((name, tuple(phrases)) for name, phrases in (extra or {}).items()))


@lru_cache(maxsize=256)
def _compiled(extra: tuple[tuple[str, tuple[str, ...]], ...]) -> KeywordModel:
    globals_ = _Scanner()
    for intent, phrases in _GLOBAL_TABLE.items():
        globals_.add(intent, phrases)
    polarity = _Scanner()
    polarity.add("yes", lexicon.YES)
    polarity.add("no", lexicon.NO)
    polarity.add(UNKNOWN, lexicon.NEUTRAL)
    for intent, phrases in extra:
        if intent in _GLOBAL_TABLE:
            globals_.add(intent, phrases)
        else:
            polarity.add(intent, phrases)
    step_phrases = frozenset(normalize(p) for _, phrases in extra for p in phrases)
    sentiment = _Scanner()
    sentiment.add("positive", lexicon.POSITIVE)
    sentiment.add("negative", lexicon.NEGATIVE)
    sentiment.add("insult", lexicon.INSULT)
    return KeywordModel(globals_, polarity, sentiment, step_phrases)


def keyword_model(extra: Mapping[str, Sequence[str]] | None = None) -> KeywordModel:
    """The default French tables extended with step-specific ``{intent: [phrases]}`` (cached)."""
    return _compiled(_freeze(extra))


def classify(
    text: str,
    keywords: Mapping[str, Sequence[str]] | None = None,
    allowed: Collection[str] | None = None,
    objections: Mapping[str, objection_layer.ObjectionSpec] | None = None,
) -> FastResult:
    """Fast-path intent of ``text`` with optional step keywords, allowed intents and the scenario's
    objections (an objection's name is its intent)."""
    return keyword_model(keywords).classify(text, allowed, objections=objection_layer.freeze(objections))


def sentiment_of(text: str) -> str:
    """``negative`` / ``neutral`` / ``positive`` from keywords."""
    return keyword_model().classify(text).sentiment
