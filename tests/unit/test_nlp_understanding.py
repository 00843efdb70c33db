"""French understanding (#15): negation and scope, do-not-call said without the lexicon's words,
intent priority, multi-clause answers, ASR-style text, and the do-not-call targets on the
independent corpus. The phrases below are the issue's own examples and paraphrases of them."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.nlp.analysis import Turn, do_not_call_request
from services.nlp.evaluate import evaluate, load_tsv
from services.nlp.keywords import classify
from services.nlp.ngrams import DATA_DIR, TRAINING_FILES, default_model

pytestmark = pytest.mark.unit

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.mark.parametrize(
    "text",
    [
        "surtout ne me rappelez jamais",
        "je vous défends de me rappeler",
        "ne me rappelez pas",
        "je ne veux pas être rappelé",
        "pas la peine de me rappeler",
        "rappelez-moi plus",  # spoken French drops the "ne"
        "plus jamais vous m'appelez",
    ],
)
def test_a_negated_callback_verb_is_a_do_not_call_request(text: str) -> None:
    assert classify(text).intent == "do_not_call"


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("là je peux pas, rappelez-moi ce soir", "callback"),  # the negation closes "peux"
        ("rappelez-moi plus tard", "callback"),  # "plus tard" is no negation
        ("pas maintenant", "callback"),
        ("pas intéressé", "no"),
        ("pourquoi pas, ça m'intéresse", "yes"),  # "pas" negates nothing here
        ("je n'ai pas de livret A", "no"),
    ],
)
def test_negation_scope(text: str, intent: str) -> None:
    assert classify(text).intent == intent


@pytest.mark.parametrize(
    "text",
    [
        "ôtez mon numéro de vos fichiers",
        "supprimez toutes mes informations",
        "je ne veux plus être démarché par personne",
        "stop les appels",
        "je vais porter plainte",
        "rayez-moi de vos listes",
        "laissez-moi tranquille",
        "rappelez-moi quand je serai mort",
    ],
)
def test_do_not_call_said_without_the_lexicon_words(text: str) -> None:
    assert classify(text).intent == "do_not_call"


@pytest.mark.parametrize(
    "text", ["vous m'appelez à quel propos", "c'est de la pub", "je discute avec un automate", "sait qui"]
)
def test_who_are_you_without_the_lexicon_words(text: str) -> None:
    assert classify(text).intent == "who_are_you"


@pytest.mark.parametrize(
    "text",
    [
        "merci mais j'ai déjà une conseillère",
        "non j'ai vraiment pas le temps",
        "non ni maintenant ni plus tard",
    ],
)
def test_polite_refusals_are_no(text: str) -> None:
    assert classify(text).intent == "no"


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("rappelez-moi… non en fait ne me rappelez plus", "do_not_call"),
        ("rappelez-moi demain et retirez mon numéro", "do_not_call"),  # do_not_call > callback
        ("non là je suis en voiture, rappelez-moi ce soir", "callback"),  # callback > no
        ("ça m'intéresse mais rappelez-moi la semaine prochaine", "callback"),  # callback > yes
        ("oui enfin non", "no"),  # the last clause retracts the first
        ("non enfin oui allez-y", "yes"),
        ("oui mardi ça m'irait", "yes"),  # a time inside a yes is not a callback
    ],
)
def test_priority_and_mixed_clauses(text: str, intent: str) -> None:
    assert classify(text).intent == intent


def test_a_retracted_yes_or_no_is_unsure_so_the_language_model_is_asked() -> None:
    assert classify("oui enfin non").confidence < 0.7
    assert classify("oui mais bon").confidence < 0.7


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("ne mappelez plus", "do_not_call"),
        ("arreter de mapeler", "do_not_call"),
        ("rappelez moi pu", "do_not_call"),  # Québec "pu" = plus
        ("sa minteresse pas", "no"),
        ("jsuis occupe la rappelez demain", "callback"),
        ("ses qui", "who_are_you"),
    ],
)
def test_asr_style_text(text: str, intent: str) -> None:
    assert classify(text).intent == intent


@pytest.mark.parametrize(
    "text",
    [
        "rappelez-moi… non, jamais",  # a retraction after the callback verb
        "vous m'appelez tous les jours",  # a complaint about how often
        "je voudrais que vous arrêtiez de me démarcher",  # subjunctive
        "je m'oppose à ce que vous gardiez mes données",
        "ça sert à rien de me rappeler",
        "je veux que mes coordonnées soient effacées",  # any form of a removal verb
        "je vais vous signaler à la DGCCRF",
        "je décrocherai plus",
    ],
)
def test_more_do_not_call_forms(text: str) -> None:
    assert classify(text).intent == "do_not_call"


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("ouais pas de souci", "yes"),  # the "pas" belongs to "pas de souci"
        ("absolument pas de problème", "yes"),  # the longest phrase wins
        ("mouais non pas vraiment", "no"),  # a weak yes loses to a no
        ("plutôt vendredi si ça vous va", "callback"),  # "si" inside a sentence is "if"
        ("je suis en arrêt rappelez-moi lundi", "callback"),  # sick leave, not "arrêtez"
        ("plus tard merci bien", "callback"),  # "plus tard" is no "plus" of "ne… plus"
        ("pas aujourdhui", "callback"),
        ("non ni maintenant ni plus tard", "no"),  # a sure refusal needs more from the model
        ("je ne vous connais pas qui êtes-vous", "who_are_you"),
        ("oui qui me demande", "who_are_you"),
        ("jai pas bien saisi", "unknown"),
    ],
)
def test_scope_and_phrase_boundaries(text: str, intent: str) -> None:
    assert classify(text).intent == intent


def test_do_not_call_wins_whatever_the_step_allows() -> None:
    assert classify("ôtez mon numéro de vos fichiers", allowed={"yes", "no"}).intent == "do_not_call"


@pytest.mark.parametrize("name", ["nlu_dev_fr.tsv", "nlu_heldout_fr.tsv", "utterances_fr.tsv"])
def test_every_do_not_call_of_every_set_is_found_and_none_becomes_a_callback(name: str) -> None:
    report = evaluate(load_tsv(DATA / name), lambda text: classify(text).intent)
    targets = report.targets()
    assert targets["do_not_call_recall"]["ok"], [e for e in report.errors if e[1] == "do_not_call"]
    assert targets["do_not_call_as_callback"]["value"] == 0


@pytest.mark.xfail(
    strict=True,
    reason="2 of its 112 do-not-call requests are missed (1 taken as a callback); see docs/scenarios.md",
)
def test_every_do_not_call_of_the_set_kept_aside_is_found_and_none_becomes_a_callback() -> None:
    # The second writer's set is never read nor tuned on: the message gives counts, not phrases.
    report = evaluate(load_tsv(DATA / "nlu_heldout2_fr.tsv"), lambda text: classify(text).intent)
    missed = sum(1 for _, expected, _ in report.errors if expected == "do_not_call")
    assert (missed, report.targets()["do_not_call_as_callback"]["value"]) == (0, 0)


def test_the_model_is_trained_on_the_shipped_phrases() -> None:
    rows = sum(len(load_tsv(DATA_DIR / name)) for name in TRAINING_FILES)
    model = default_model()
    assert set(model.log_prior) == {"yes", "no", "callback", "do_not_call", "who_are_you", "unknown"}
    assert rows > 900
    assert max(model.probabilities(["je", "suis", "sous", "la", "douche"]).items(), key=lambda i: i[1])[
        0
    ] == ("callback")


def test_predictions_outside_the_files_labels_count_as_unknown() -> None:
    report = evaluate([("mauvais numéro", "unknown")], lambda text: classify(text).intent)
    assert classify("mauvais numéro").intent == "wrong_person" and report.accuracy == 1.0


def test_a_do_not_call_anywhere_in_the_transcript_is_found_whoever_understood_it() -> None:
    turns = [
        Turn("caller", "Allô ? Ne m'appelez plus.", "intro", ""),  # the greeting: never classified live
        Turn("bot", "Bonjour…", "intro"),
        Turn("caller", "non merci", "intro", "no"),
    ]
    assert do_not_call_request(turns) == "Allô ? Ne m'appelez plus."
    assert do_not_call_request([Turn("caller", "euh", "intro", "do_not_call")]) == "euh"
    assert do_not_call_request([Turn("caller", "rappelez-moi demain", "intro", "callback")]) == ""
