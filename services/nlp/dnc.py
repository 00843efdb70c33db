"""Do-not-call requests: the safety-first rule layer (recall before precision).

Calling back someone who asked not to be called is a legal breach, so this layer runs before
anything else, on the whole utterance, and wins over every other intent. It reads French grammar
rather than a phrase list:

- a contact verb under negation: "ne me rappelez jamais", "je veux plus être démarché",
  "pas la peine de me recontacter", "plus jamais d'appels" — but not "je peux pas, rappelez-moi",
  where the negation closes another verb;
- a stop, forbid or complaint word aimed at the calls: "arrêtez de m'appeler", "je vous défends de
  me rappeler", "stop les appels", "tous les jours vous appelez, c'est insupportable";
- a removal verb aimed at the caller's data: "ôtez mon numéro de vos fichiers",
  "supprimez toutes mes informations", "rayez-moi";
- the opposition lists and complaints by name: "Bloctel", "liste rouge", "je vais porter plainte".

Input is a list of normalised tokens (see :func:`services.nlp.text.normalize`).
"""

from __future__ import annotations

from collections.abc import Sequence

# Verbs and nouns of being contacted, matched on word starts: rappelez, appelé, appels, démarché…
CONTACT_STEMS = (
    *("appel", "apel", "apell", "rappel", "rapel", "rapell", "contact", "recontact", "telephon"),
    *("retelephon", "demarch", "sollicit", "harcel", "joindre", "prospect", "achal", "relanc", "compos"),
    "envoy",
)
CONTACT_WORDS = frozenset(
    {"coup", "coups", "fil", "derangez", "deranger", "embetez", "embeter", "decrocherai", "repondrai"}
)
# Negations that may govern a contact verb from before it.
OPENERS = frozenset({"ne", "n", "jamais", "inutile", "aucun", "aucune", "anti", "rien"})  # "sert à rien de"
CLOSERS = frozenset({"pas", "plus", "jamais", "point", "guere", "aucun"})
CLITICS = frozenset(
    {"me", "m", "moi", "nous", "vous", "te", "t", "le", "la", "les", "l", "lui", "y", "en", "on", "tu"}
)
# Words allowed between a negation and the infinitive or participle it governs
# ("je ne veux plus ÊTRE appelé", "pas LA PEINE DE me rappeler", "ne plus RECEVOIR D'appels").
BRIDGE = CLITICS | frozenset(
    {
        *("que", "qu", "de", "d", "du", "des", "vos", "votre", "ces", "ce", "ca", "mon", "ma", "mes"),
        *("veux", "voulons", "voudrais", "voudrait", "souhaite", "souhaitons", "desire", "veut", "veulent"),
        *("devez", "devriez", "dois", "doit", "faut", "faudrait", "etre", "surtout", "rien", "recevoir"),
        *("avoir", "a", "ai", "avez", "venez", "venir", "essayez", "essayer", "cherchez", "chercher"),
        *("peine", "besoin", "droit", "aucun", "aucune", "par", "personne", "svp", "merci", "donc"),
        *("alors", "vraiment", "je", "j", "il", "plu", "aimerais", "prefere", "prefererais", "question"),
        *("hors", "meme", "avisez", "prenez", "evitez", "eviter", "tentez"),
    }
)
STOP_WORDS = frozenset(
    {"arretez", "arrete", "arretes", "cessez", "stop", "stoppez", "halte"},
)
# Aimed at the calls when a contact word is in the same utterance ("j'en ai marre de vos appels").
AIMED_WORDS = frozenset(
    {
        *("arreter", "arret", "cesser", "stopper", "interdis", "interdit", "interdisez", "defends"),
        *("defend", "refuse", "oppose", "opposition", "fini", "finis", "marre", "tanne", "tannee"),
        *("insupportable", "suffit", "derniere", "lachez", "foutez", "fichez", "assez", "bol", "evitez"),
        *("arretiez", "cessiez", "stoppiez"),
    }
)
REMOVE_WORDS = frozenset(
    {
        *("retirez", "retirer", "retire", "retiree", "retiriez", "supprimez", "supprimer", "supprime"),
        *("supprimiez", "effacez", "effacer", "efface", "effaciez", "enlevez", "enlever", "enleve"),
        *("enleviez", "rayez", "rayer", "raye", "otez", "oter", "ote", "sortez", "sortir", "virez"),
        *("virer", "radiez", "radier"),
        *("barrez", "barrer", "detruisez", "detruire", "perdez", "oubliez"),
        *("oublier", "oublie", "suprimez", "suprimer", "suprime", "oppose", "opposez", "opposons"),
    }
)
# Every form of the commonest removal verbs: "effacées", "supprimiez", "retirée".
REMOVE_STEMS = ("supprim", "suprim", "effac", "retir", "enlev", "radie", "detrui")
DATA_WORDS = frozenset(
    {
        *("moi", "numero", "numeros", "coordonnees", "informations", "infos", "donnees", "nom"),
        *("fichier", "fichiers", "liste", "listes", "base", "bases", "annuaire", "contacts", "tel"),
        *("telephone", "portable", "ligne", "dossier", "registre", "repertoire", "systeme", "carnet"),
        *("m", "me"),
    }
)
# Said by name, these mean "do not call me" whatever surrounds them.
NAMED = (
    ("bloctel",),
    ("bloc", "tel"),
    ("liste", "rouge"),
    ("liste", "noire"),
    ("liste", "robinson"),
    ("liste", "d", "opposition"),
    ("asterisque",),
    ("exclus",),
    ("plainte",),
    ("cnil",),
    ("avocat",),
    ("commissariat",),
    ("gendarmerie",),
    ("police",),
    ("dgccrf",),
    ("signale",),
    ("signalerai",),
    ("signalez",),
    ("flics",),
    ("signaler",),
    ("signalement",),
    ("denoncer",),
    ("signal", "conso"),
    ("harcelement",),
    ("harceler",),
    ("harcelez",),
    ("rgpd",),
    ("opposition",),
    ("exclusion",),
    ("consentement",),
    ("jamais", "donne"),
    ("laissez", "moi", "tranquille"),
    ("laisse", "moi", "tranquille"),
    ("foutez", "moi", "la", "paix"),
    ("fichez", "moi", "la", "paix"),
    ("fous", "moi", "la", "paix"),
    ("lachez", "moi"),
    ("sacrez", "moi", "patience"),
    ("plus", "entendre", "parler"),
    ("jamais", "entendre", "parler"),
    ("etre", "derange"),
    ("etre", "derangee"),
    ("ca", "suffit"),
    # "never", said with irony: "rappelez-moi quand je serai mort", "à la saint-glinglin"
    ("serai", "mort"),
    ("serai", "morte"),
    ("saint", "glinglin"),
    ("autre", "vie"),
    ("prochaine", "vie"),
    ("calendes",),
    ("auront", "des", "dents"),
    ("dans", "cent", "ans"),
    ("dans", "100", "ans"),
    ("dans", "mille", "ans"),
)
# Word starts that are a do-not-call request by themselves: "désinscrivez", "bloquez ce numéro".
NAMED_STEMS = ("desinscri", "desabonn", "bloqu", "blacklist", "illegal")
# May stand between a contact verb and the negation after it: "rappelez-MOI plus", "sous aucun prétexte".
_AFTER_VERB = frozenset({"moi", "nous", "me", "m", "donc", "surtout", "vous", "sous", "en", "aucun", "cas"})
RETRACTIONS = frozenset({"non", "ni", "et", "enfin", "alors", "finalement", "puis", "mais"})
NOT_NEGATION_AFTER = frozenset({"tard", "tot", "souvent", "vite", "longtemps"})
WINDOW = 6


def _contact(token: str) -> bool:
    return token in CONTACT_WORDS or token.startswith(CONTACT_STEMS)


def _finite(token: str) -> bool:
    """A conjugated form ("rappelez", "appelle"), as opposed to "rappeler", "appelé", "appeliez"."""
    return token.endswith(("ez", "lle", "lles", "ons")) and not token.endswith("iez")


def _is_negation(tokens: Sequence[str], index: int) -> bool:
    """``plus`` in "plus tard", "plus tôt" is not a negation."""
    following = tokens[index + 1] if index + 1 < len(tokens) else ""
    return tokens[index] in OPENERS | CLOSERS and not (
        tokens[index] == "plus" and following in NOT_NEGATION_AFTER
    )


def _negated_contact(tokens: Sequence[str], index: int) -> bool:
    """Is the contact word at ``index`` governed by a negation (before it, or just after)?

    Before a conjugated verb only clitics may stand between ``ne``/``jamais`` and the verb
    ("ne me rappelez pas"); before an infinitive or participle a modal may ("je ne veux plus être
    appelé"). After the verb: "rappelez-moi plus", "m'appelez jamais".
    """
    finite = _finite(tokens[index])
    allowed = CLITICS if finite else BRIDGE
    j = index - 1
    while j >= 0 and index - j <= WINDOW:
        token = tokens[j]
        if _is_negation(tokens, j) and (not finite or token in OPENERS):
            return True
        if token not in allowed and not (token in CLOSERS and not finite):
            break
        j -= 1
    retracted = False  # "rappelez-moi… non, jamais": past a retraction only "jamais" counts
    for k in range(index + 1, min(len(tokens), index + 7)):
        if tokens[k] in CLOSERS and _is_negation(tokens, k) and (tokens[k] == "jamais" or not retracted):
            return True
        if tokens[k] in RETRACTIONS:
            retracted = True
        elif tokens[k] not in _AFTER_VERB:
            break
    return False


def _sick_leave(tokens: Sequence[str], index: int) -> bool:
    """ "je suis en arrêt" (sick leave) is no "arrêt" of the calls."""
    return tokens[index] == "arret" and index > 0 and tokens[index - 1] == "en"


def _aimed_at_data(tokens: Sequence[str], index: int) -> bool:
    """A removal verb with the caller's data (or the calls) next to it: "ôtez mon numéro"."""
    window = tokens[max(0, index - WINDOW) : index + 1 + WINDOW]
    return any(token in DATA_WORDS or _contact(token) for token in window if token != tokens[index])


_NAMED_BY_FIRST: dict[str, list[tuple[str, ...]]] = {}
for _name in NAMED:
    _NAMED_BY_FIRST.setdefault(_name[0], []).append(_name)


# Complaints about how often they call, when a contact word is said: "vous m'appelez tous les jours".
REPEATED = (
    ("tous", "les", "jours"),
    ("tout", "le", "temps"),
    ("sans", "cesse"),
    ("chaque", "jour"),
    ("chaque", "semaine"),
    ("plusieurs", "fois"),
    ("dix", "fois"),
    ("cent", "fois"),
)


def _repeated(tokens: Sequence[str]) -> str:
    for i in range(len(tokens)):
        for words in REPEATED:
            if tuple(tokens[i : i + len(words)]) == words:
                return " ".join(words)
    return ""


def dnc_evidence(tokens: Sequence[str]) -> str:
    """The words that make ``tokens`` a do-not-call request, or ``""``."""
    for i, token in enumerate(tokens):
        for name in _NAMED_BY_FIRST.get(token, ()):
            if tuple(tokens[i : i + len(name)]) == name:
                return " ".join(name)
    has_contact = any(_contact(token) for token in tokens)
    if has_contact and _repeated(tokens):
        return _repeated(tokens)
    for i, token in enumerate(tokens):
        if _contact(token) and _negated_contact(tokens, i):
            return " ".join(tokens[max(0, i - 3) : i + 2])
        if token in STOP_WORDS or (token in AIMED_WORDS and has_contact and not _sick_leave(tokens, i)):
            return " ".join(tokens[i : i + 4])
        removal = token in REMOVE_WORDS or token.startswith(REMOVE_STEMS)
        if token.startswith(NAMED_STEMS) or (removal and _aimed_at_data(tokens, i)):
            return " ".join(tokens[i : i + 4])
    return ""
