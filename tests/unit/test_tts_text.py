"""The French normaliser: what a caller must hear for numbers, times, dates, amounts, phone numbers,
abbreviations and acronyms, and the scenario lexicon."""

from __future__ import annotations

import pytest

from services.tts_text import normalize_fr, number_fr, ordinal_fr

pytestmark = pytest.mark.unit

CASES = [
    # whole numbers
    ("0", "zéro"),
    ("7", "sept"),
    ("16", "seize"),
    ("17", "dix-sept"),
    ("21", "vingt et un"),
    ("22", "vingt-deux"),
    ("70", "soixante-dix"),
    ("71", "soixante et onze"),
    ("72", "soixante-douze"),
    ("80", "quatre-vingts"),
    ("81", "quatre-vingt-un"),
    ("91", "quatre-vingt-onze"),
    ("99", "quatre-vingt-dix-neuf"),
    ("100", "cent"),
    ("101", "cent un"),
    ("200", "deux cents"),
    ("201", "deux cent un"),
    ("1000", "mille"),
    ("1990", "mille neuf cent quatre-vingt-dix"),
    ("2025", "deux mille vingt-cinq"),
    ("80 000", "quatre-vingt mille"),
    ("200 000", "deux cent mille"),
    ("1 000 000", "un million"),
    ("2 500 000", "deux millions cinq cent mille"),
    ("3 000 000 000", "trois milliards"),
    # decimals and percentages
    ("3,5", "trois virgule cinq"),
    ("3,05", "trois virgule zéro cinq"),
    ("2,25 %", "deux virgule vingt-cinq pour cent"),
    ("100 %", "cent pour cent"),
    ("un taux de 3%", "un taux de trois pour cent"),
    # times
    ("14 h 30", "quatorze heures trente"),
    ("14h30", "quatorze heures trente"),
    ("9h", "neuf heures"),
    ("9h05", "neuf heures cinq"),
    ("1 h", "une heure"),
    ("21h", "vingt et une heures"),
    ("12:45", "douze heures quarante-cinq"),
    ("à 18 h 21", "à dix-huit heures vingt et une"),
    ("ouvert 24h/24 et 7j/7", "ouvert vingt-quatre heures sur vingt-quatre et sept jours sur sept"),
    # dates and ordinals
    ("le 12/03/2025", "le douze mars deux mille vingt-cinq"),
    ("le 01/06", "le premier juin"),
    ("le 5/11/25", "le cinq novembre deux mille vingt-cinq"),
    ("le 1er mars", "le premier mars"),
    ("le 1 avril", "le premier avril"),
    ("le 14 juillet 1789", "le quatorze juillet mille sept cent quatre-vingt-neuf"),
    ("au 3e étage", "au troisième étage"),
    ("la 1re fois", "la première fois"),
    ("le 2nd appel", "le second appel"),
    ("le 21e siècle", "le vingt et unième siècle"),
    ("le 9ème jour", "le neuvième jour"),
    # amounts
    ("12,50 €", "douze euros cinquante"),
    ("12,50€", "douze euros cinquante"),
    ("1 €", "un euro"),
    ("2 €", "deux euros"),
    ("1 500 €", "mille cinq cents euros"),
    ("0,50 €", "cinquante centimes"),
    ("10 000 euros", "dix mille euros"),
    ("1 000 000 €", "un million d'euros"),
    ("3 k€", "trois mille euros"),
    ("20 $", "vingt dollars"),
    # phone numbers
    ("06 12 34 56 78", "zéro six, douze, trente-quatre, cinquante-six, soixante-dix-huit"),
    ("01.45.67.89.00", "zéro un, quarante-cinq, soixante-sept, quatre-vingt-neuf, zéro zéro"),
    ("0612345678", "zéro six, douze, trente-quatre, cinquante-six, soixante-dix-huit"),
    ("+33 6 12 34 56 78", "plus trente-trois, six, douze, trente-quatre, cinquante-six, soixante-dix-huit"),
    # abbreviations and acronyms
    ("M. Dupont", "monsieur Dupont"),
    ("MM. Durand", "messieurs Durand"),
    ("Mme Martin", "madame Martin"),
    ("Mlle Petit", "mademoiselle Petit"),
    ("Dr Lefèvre", "docteur Lefèvre"),
    ("votre RDV", "votre rendez-vous"),
    ("un rdv", "un rendez-vous"),
    ("un PEL", "un pé eu èl"),
    ("le PEA", "le pé eu a"),
    ("une SCPI", "une èss cé pé i"),
    ("un PER", "un pé eu èr"),
    ("la TVA", "la té vé a"),
    ("n° 12", "numéro douze"),
    ("100 € TTC", "cent euros toutes taxes comprises"),
    ("appelez-nous SVP", "appelez-nous s'il vous plaît"),
    ("5 km", "cinq kilomètres"),
    ("30 min", "trente minutes"),
    ("M. le maire", "M. le maire"),  # "M." before a lowercase word is not "monsieur"
    ("Bonjour.", "Bonjour."),
    # together
    (
        "Bonjour M. Dupont, votre RDV du 12/03/2025 est à 14 h 30.",
        "Bonjour monsieur Dupont, votre rendez-vous du douze mars deux mille vingt-cinq est à "
        "quatorze heures trente.",
    ),
    (
        "Votre PEL de 15 000 € rapporte 2,25 %.",
        "Votre pé eu èl de quinze mille euros rapporte deux virgule vingt-cinq pour cent.",
    ),
]


def test_the_table_is_large_enough() -> None:
    assert len(CASES) >= 60


@pytest.mark.parametrize(("written", "said"), CASES, ids=[c[0] for c in CASES])
def test_normalise(written: str, said: str) -> None:
    assert normalize_fr(written) == said


def test_lexicon_wins_over_the_rules_whole_words_any_case() -> None:
    lexicon = {"Fintechia": "fine tèquia", "PEL+": "pel plusse", "AXA": "axa"}
    assert normalize_fr("Fintechia et FINTECHIA", lexicon) == "fine tèquia et fine tèquia"
    assert normalize_fr("le PEL+ et le PEL", lexicon) == "le pel plusse et le pé eu èl"
    assert normalize_fr("Fintechias", lexicon) == "Fintechias"  # not inside another word


def test_numbers_and_ordinals_directly() -> None:
    assert number_fr(-5) == "moins cinq"
    assert number_fr(180) == "cent quatre-vingts"
    assert number_fr(1_000_000_000_000) == "un zéro zéro zéro zéro zéro zéro zéro zéro zéro zéro zéro zéro"
    assert [ordinal_fr(n) for n in (1, 4, 5, 9, 80, 100)] == [
        "premier",
        "quatrième",
        "cinquième",
        "neuvième",
        "quatre-vingtième",
        "centième",
    ]
    assert ordinal_fr(1, feminine_=True) == "première"
