"""Every dashboard label in French and English, and the choice of language per request."""

from __future__ import annotations

LANGUAGES = ("fr", "en")
LANG_COOKIE = "minibot_lang"

LABELS: dict[str, dict[str, str]] = {
    "app_title": {"fr": "MiniBot — tableau de bord", "en": "MiniBot dashboard"},
    "login": {"fr": "Connexion", "en": "Log in"},
    "logout": {"fr": "Déconnexion", "en": "Log out"},
    "email": {"fr": "E-mail", "en": "Email"},
    "password": {"fr": "Mot de passe", "en": "Password"},
    "bad_credentials": {"fr": "Identifiants invalides.", "en": "Invalid credentials."},
    "locked": {
        "fr": "Compte verrouillé après trop d'échecs, réessayez plus tard.",
        "en": "Account locked after too many failures; try again later.",
    },
    "too_many": {"fr": "Trop de tentatives, patientez.", "en": "Too many attempts; please wait."},
    "campaigns": {"fr": "Campagnes", "en": "Campaigns"},
    "live": {"fr": "En direct", "en": "Live"},
    "leads": {"fr": "Prospects", "en": "Leads"},
    "campaign": {"fr": "Campagne", "en": "Campaign"},
    "status": {"fr": "Statut", "en": "Status"},
    "contacts": {"fr": "Contacts", "en": "Contacts"},
    "dialled": {"fr": "Appelés", "en": "Dialled"},
    "answered": {"fr": "Décrochés", "en": "Answered"},
    "human": {"fr": "Humain", "en": "Human"},
    "machine": {"fr": "Répondeur", "en": "Machine"},
    "qualified_rate": {"fr": "Taux qualifié", "en": "Qualified rate"},
    "dnc_requests": {"fr": "Demandes d'opposition", "en": "DNC requests"},
    "avg_duration": {"fr": "Durée moyenne", "en": "Average duration"},
    "calls_per_hour": {"fr": "Appels par heure (24 h)", "en": "Calls per hour (24 h)"},
    "start": {"fr": "Démarrer", "en": "Start"},
    "pause": {"fr": "Pause", "en": "Pause"},
    "stop": {"fr": "Arrêter", "en": "Stop"},
    "no_live_calls": {"fr": "Aucun appel en cours.", "en": "No call in progress."},
    "step": {"fr": "Étape", "en": "Step"},
    "phone": {"fr": "Téléphone", "en": "Phone"},
    "name": {"fr": "Nom", "en": "Name"},
    "score": {"fr": "Score", "en": "Score"},
    "min_score": {"fr": "Score min.", "en": "Min. score"},
    "from": {"fr": "Du", "en": "From"},
    "to": {"fr": "Au", "en": "To"},
    "sort": {"fr": "Tri", "en": "Sort"},
    "sort_recent": {"fr": "Plus récents", "en": "Most recent"},
    "sort_score": {"fr": "Meilleur score", "en": "Best score"},
    "filter": {"fr": "Filtrer", "en": "Filter"},
    "all": {"fr": "Tous", "en": "All"},
    "export_csv": {"fr": "Exporter en CSV", "en": "Export CSV"},
    "next_page": {"fr": "Page suivante", "en": "Next page"},
    "reviewed": {"fr": "Vu", "en": "Reviewed"},
    "mark_reviewed": {"fr": "Marquer vu", "en": "Mark reviewed"},
    "assign": {"fr": "Attribuer", "en": "Assign"},
    "assigned_to": {"fr": "Attribué à", "en": "Assigned to"},
    "date": {"fr": "Date", "en": "Date"},
    "summary": {"fr": "Résumé", "en": "Summary"},
    "call": {"fr": "Appel", "en": "Call"},
    "transcript": {"fr": "Transcription", "en": "Transcript"},
    "speaker": {"fr": "Locuteur", "en": "Speaker"},
    "text": {"fr": "Texte", "en": "Text"},
    "intent": {"fr": "Intention", "en": "Intent"},
    "confidence": {"fr": "Confiance", "en": "Confidence"},
    "sentiment": {"fr": "Sentiment", "en": "Sentiment"},
    "latency": {"fr": "Latence (ms)", "en": "Latency (ms)"},
    "barge_in": {"fr": "Interruption", "en": "Barge-in"},
    "recording": {"fr": "Enregistrement", "en": "Recording"},
    "no_recording": {"fr": "Pas d'enregistrement.", "en": "No recording."},
    "amd": {"fr": "Détection répondeur", "en": "Answering machine detection"},
    "reason": {"fr": "Raison", "en": "Reason"},
    "transfer": {"fr": "Transfert vers un conseiller", "en": "Transfer to an adviser"},
    "outcome": {"fr": "Issue", "en": "Outcome"},
    "other_attempts": {"fr": "Autres tentatives", "en": "Other attempts"},
    "sentiment_timeline": {"fr": "Évolution du sentiment", "en": "Sentiment timeline"},
    "erase_contact": {"fr": "Effacer le contact (RGPD)", "en": "Erase contact (GDPR)"},
    "erased": {"fr": "Contact effacé", "en": "Contact erased"},
    "bot": {"fr": "Robot", "en": "Bot"},
    "caller": {"fr": "Appelé", "en": "Caller"},
    "users": {"fr": "Utilisateurs", "en": "Users"},
    "role": {"fr": "Rôle", "en": "Role"},
    "disabled": {"fr": "Désactivé", "en": "Disabled"},
    "disable": {"fr": "Désactiver", "en": "Disable"},
    "locked_until": {"fr": "Verrouillé jusqu'à", "en": "Locked until"},
    "create_user": {"fr": "Créer un utilisateur", "en": "Create user"},
    "not_found": {"fr": "Introuvable", "en": "Not found"},
    "forbidden": {"fr": "Accès refusé", "en": "Forbidden"},
}


def translate(lang: str, key: str) -> str:
    """The label ``key`` in ``lang`` (the key itself when unknown, so gaps show up)."""
    entry = LABELS.get(key)
    if entry is None:
        return key
    return entry.get(lang) or entry["en"]


def pick_language(
    query_lang: str | None, cookie_lang: str | None, accept_language: str | None, default: str
) -> str:
    """``?lang=``, then the remembered choice (cookie), then Accept-Language, then the configured default."""
    for explicit in (query_lang, cookie_lang):
        if explicit in LANGUAGES:
            return str(explicit)
    for part in (accept_language or "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return default if default in LANGUAGES else "fr"
