"""Every dashboard label in French and English, and the choice of language per request."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

LANGUAGES = ("fr", "en")
LANG_COOKIE = "minibot_lang"

LABELS: dict[str, dict[str, str]] = {
    "app_title": {"fr": "MiniBot — tableau de bord", "en": "MiniBot dashboard"},
    "login": {"fr": "Connexion", "en": "Log in"},
    "logout": {"fr": "Déconnexion", "en": "Log out"},
    "email": {"fr": "E-mail", "en": "Email"},
    "password": {"fr": "Mot de passe", "en": "Password"},
    "bad_credentials": {"fr": "Identifiants invalides.", "en": "Invalid credentials."},
    "too_many": {
        "fr": "Trop de tentatives de connexion depuis cette adresse, patientez puis réessayez.",
        "en": "Too many login attempts from this address; wait and try again.",
    },
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
    "export_csv": {"fr": "Exporter pour Excel", "en": "Export for Excel"},
    "export_plain": {"fr": "CSV brut (scripts)", "en": "Plain CSV (scripts)"},
    "next_page": {"fr": "Page suivante", "en": "Next page"},
    "reviewed": {"fr": "Vu", "en": "Reviewed"},
    "mark_reviewed": {"fr": "Marquer vu", "en": "Mark reviewed"},
    "assign": {"fr": "Attribuer", "en": "Assign"},
    "assigned_to": {"fr": "Attribué à", "en": "Assigned to"},
    "date": {"fr": "Date", "en": "Date"},
    "summary": {"fr": "Résumé", "en": "Summary"},
    "objections": {"fr": "Objections", "en": "Objections"},
    "objection": {"fr": "Objection", "en": "Objection"},
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
    "review": {"fr": "À traiter", "en": "Review"},
    "review_queue": {"fr": "Prospects à traiter", "en": "Leads to review"},
    "review_intro": {
        "fr": "Les plus urgents d'abord : qualifiés, rappels dus, transferts échoués, puis les autres.",
        "en": "Most urgent first: qualified, call backs due, failed transfers, then the rest.",
    },
    "queue_empty": {"fr": "Rien à traiter : tout est revu.", "en": "Nothing to review: all done."},
    "priority_1": {"fr": "Qualifié", "en": "Qualified"},
    "priority_2": {"fr": "Rappel dû", "en": "Call back due"},
    "priority_3": {"fr": "Transfert échoué", "en": "Failed transfer"},
    "priority_4": {"fr": "À revoir", "en": "To review"},
    "open": {"fr": "Ouvrir", "en": "Open"},
    "lead": {"fr": "Prospect", "en": "Lead"},
    "qualify": {"fr": "Qualifier", "en": "Qualify"},
    "disqualify": {"fr": "Disqualifier", "en": "Disqualify"},
    "disqualify_reason": {"fr": "Raison du refus", "en": "Reason"},
    "note": {"fr": "Note", "en": "Note"},
    "save_note": {"fr": "Enregistrer la note", "en": "Save note"},
    "callback_at": {"fr": "Rappeler le", "en": "Call back on"},
    "schedule_callback": {"fr": "Planifier le rappel", "en": "Schedule call back"},
    "mark_dnc": {"fr": "Ne plus appeler", "en": "Do not call"},
    "next_lead": {"fr": "Prospect suivant", "en": "Next lead"},
    "answers": {"fr": "Réponses de qualification", "en": "Qualification answers"},
    "no_objection": {"fr": "Aucune objection.", "en": "No objection."},
    "decision": {"fr": "Décision", "en": "Decision"},
    "reviewed_by": {"fr": "Revu par", "en": "Reviewed by"},
    "actions": {"fr": "Actions", "en": "Actions"},
    "shortcuts": {
        "fr": "Raccourcis : Q qualifier · D disqualifier · A attribuer · R rappel · N suivant · "
        "Espace lecture/pause · J/K tour suivant/précédent",
        "en": "Shortcuts: Q qualify · D disqualify · A assign · R call back · N next · "
        "Space play/pause · J/K next/previous turn",
    },
    "calls": {"fr": "Appels", "en": "Calls"},
    "duration": {"fr": "Durée", "en": "Duration"},
    "min_duration": {"fr": "Durée min. (s)", "en": "Min. duration (s)"},
    "with_recording": {"fr": "Avec enregistrement", "en": "With recording"},
    "recorded": {"fr": "enregistré", "en": "recorded"},
    "no_calls": {"fr": "Aucun appel pour ces filtres.", "en": "No call matches these filters."},
    "settings": {"fr": "Paramètres", "en": "Settings"},
    "scenario": {"fr": "Scénario", "en": "Scenario"},
    "compliance_profile": {"fr": "Profil de conformité", "en": "Compliance profile"},
    "b2b": {"fr": "Professionnels (B2B)", "en": "Businesses (B2B)"},
    "max_concurrent": {"fr": "Appels simultanés max.", "en": "Max. concurrent calls"},
    "cps": {"fr": "Appels par seconde", "en": "Calls per second"},
    "ring_timeout": {"fr": "Sonnerie max. (s)", "en": "Ring timeout (s)"},
    "schedule": {"fr": "Planning", "en": "Schedule"},
    "starts_at": {"fr": "Début", "en": "Starts"},
    "ends_at": {"fr": "Fin", "en": "Ends"},
    "timezone": {"fr": "Fuseau horaire", "en": "Time zone"},
    "schedule_closed": {"fr": "Hors plage d'appel", "en": "Outside calling hours"},
    "progress": {"fr": "Avancement", "en": "Progress"},
    "waiting": {"fr": "En attente", "en": "Waiting"},
    "done": {"fr": "Traités", "en": "Done"},
    "funnel": {"fr": "Entonnoir", "en": "Funnel"},
    "funnel_dialled": {"fr": "Appelés", "en": "Dialled"},
    "funnel_answered": {"fr": "Décrochés", "en": "Answered"},
    "funnel_qualified": {"fr": "Qualifiés", "en": "Qualified"},
    "funnel_transferred": {"fr": "Transférés", "en": "Transferred"},
    "qualified_leads": {"fr": "Prospects qualifiés", "en": "Qualified leads"},
    "by_hour": {"fr": "Décrochés et qualifiés par heure", "en": "Answered and qualified by hour"},
    "by_day": {
        "fr": "Décrochés et qualifiés par jour (14 jours)",
        "en": "Answered and qualified by day (14 days)",
    },
    "talk_by_day": {"fr": "Durée moyenne de conversation par jour (s)", "en": "Average talk time by day (s)"},
    "amd_verdicts": {"fr": "Verdicts de la détection répondeur", "en": "Answering-machine verdicts"},
    "talk_minutes": {"fr": "Minutes de conversation", "en": "Talk minutes"},
    "cost": {"fr": "Coût total", "en": "Total cost"},
    "cost_per_qualified": {"fr": "Coût par prospect qualifié", "en": "Cost per qualified lead"},
    "funnel_humans": {"fr": "Humains", "en": "Humans"},
    "outcomes": {"fr": "Issues des appels", "en": "Call outcomes"},
    "no_data": {"fr": "Pas encore de données.", "en": "No data yet."},
    "yes": {"fr": "oui", "en": "yes"},
    "no": {"fr": "non", "en": "no"},
    "details": {"fr": "Détails", "en": "Details"},
    "text_too_long": {
        "fr": "Texte trop long (au plus {max} caractères).",
        "en": "Text too long (at most {max}).",
    },
    "decision_invalid": {"fr": "Décision inconnue.", "en": "Unknown decision."},
    "reason_required": {
        "fr": "Indiquez la raison de la disqualification.",
        "en": "Give the reason for the disqualification.",
    },
    "callback_invalid": {
        "fr": "Date de rappel invalide (format AAAA-MM-JJTHH:MM, entre 2000 et 2100).",
        "en": "Invalid call-back time (YYYY-MM-DDTHH:MM, between 2000 and 2100).",
    },
    "dnc_no_phone": {
        "fr": "Pas de numéro utilisable pour ce prospect (effacé ou invalide).",
        "en": "No usable number for this lead (erased or invalid).",
    },
    "campaign_move_conflict": {
        "fr": "Action « {action} » impossible : la campagne est {state}. Actions possibles : {possible}.",
        "en": "Cannot {action}: the campaign is {state}. Possible: {possible}.",
    },
    "campaign_consent_missing": {
        "fr": "Démarrage refusé : des contacts de cette campagne grand public (profil fr) n'ont pas de "
        "consentement enregistré. Marquez la campagne B2B si elle vise des professionnels, ou importez le "
        "consentement des contacts.",
        "en": "Start refused: some contacts of this consumer campaign (fr profile) have no recorded "
        "consent. Mark the campaign B2B if it targets businesses, or import the contacts' consent.",
    },
    "back_home": {"fr": "Retour à l'accueil", "en": "Back to the home page"},
    "role_admin": {"fr": "administrateur", "en": "admin"},
    "role_supervisor": {"fr": "superviseur", "en": "supervisor"},
    "role_viewer": {"fr": "lecteur", "en": "viewer"},
    "open_sessions": {"fr": "Sessions ouvertes", "en": "Open sessions"},
    "api_tokens": {"fr": "Jetons d'API actifs", "en": "Active API tokens"},
    "sign_out_everywhere": {"fr": "Déconnecter partout", "en": "Sign out everywhere"},
    "unlock": {"fr": "Déverrouiller", "en": "Unlock"},
    "password_rule": {
        "fr": "Mot de passe : au moins 12 caractères, pas un mot de passe courant ; "
        "une phrase de passe longue est bienvenue.",
        "en": "Password: at least 12 characters, not a common password; a long passphrase is welcome.",
    },
    "password_too_short": {
        "fr": "Le mot de passe doit contenir au moins {min} caractères.",
        "en": "The password must have at least {min} characters.",
    },
    "password_too_long": {
        "fr": "Le mot de passe ne peut pas dépasser {max} caractères.",
        "en": "The password cannot be longer than {max} characters.",
    },
    "password_common": {
        "fr": "Ce mot de passe est trop courant ou trop facile à deviner ; choisissez-en un autre.",
        "en": "This password is too common or too easy to guess; choose another one.",
    },
    "email_invalid": {
        "fr": "« {email} » n'est pas une adresse e-mail valide (exemple : ana@exemple.fr).",
        "en": "“{email}” is not a valid email address (example: ana@example.com).",
    },
    "user_exists": {"fr": "Cet utilisateur existe déjà.", "en": "This user already exists."},
    "user_not_found": {"fr": "Utilisateur inconnu.", "en": "No such user."},
    "role_invalid": {
        "fr": "Le rôle doit être administrateur, superviseur ou lecteur.",
        "en": "The role must be admin, supervisor or viewer.",
    },
    "csrf_invalid": {
        "fr": "Jeton de sécurité (CSRF) absent ou invalide : rechargez la page et recommencez.",
        "en": "Security (CSRF) token missing or invalid: reload the page and try again.",
    },
    "forbidden_role": {
        "fr": "Cette action demande le rôle {role}.",
        "en": "This needs the {role} role.",
    },
    "forbidden_scope": {
        "fr": "Ce jeton d'API est en lecture seule.",
        "en": "This API token is read-only.",
    },
    "error_bad_request": {"fr": "Requête invalide", "en": "Bad request"},
    "error_unauthenticated": {"fr": "Authentification requise", "en": "Authentication required"},
    "error_method": {"fr": "Méthode non autorisée", "en": "Method not allowed"},
    "error_conflict": {"fr": "Conflit", "en": "Conflict"},
    "error_too_large": {"fr": "Requête trop volumineuse", "en": "Request too large"},
    "error_unprocessable": {"fr": "Valeur refusée", "en": "Unprocessable value"},
    "error_internal": {
        "fr": "Erreur interne : elle a été journalisée, réessayez plus tard.",
        "en": "Internal error: it has been logged; try again later.",
    },
    "error_bad_value": {
        "fr": "Une valeur de la requête est hors limites ou mal formée.",
        "en": "A value in the request is out of range or malformed.",
    },
    "error_conflict_reference": {
        "fr": "Cette action vise un élément qui n'existe pas ou plus.",
        "en": "This action refers to something that does not exist (any more).",
    },
    "invalid_integer": {
        "fr": "Le paramètre {field} doit être un entier entre {low} et {high}.",
        "en": "{field} must be an integer between {low} and {high}.",
    },
    "invalid_date": {
        "fr": "Le paramètre {field} doit être une date AAAA-MM-JJ entre 2000 et 2100.",
        "en": "{field} must be a date YYYY-MM-DD between 2000 and 2100.",
    },
    "invalid_choice": {
        "fr": "Le paramètre {field} doit valoir : {choices}.",
        "en": "{field} must be one of: {choices}.",
    },
    "invalid_cursor": {
        "fr": "Le curseur de pagination est invalide : repartez de la première page.",
        "en": "The page cursor is invalid: start again from the first page.",
    },
    "lead_not_found": {"fr": "Prospect introuvable.", "en": "No such lead."},
    "call_not_found": {"fr": "Appel introuvable.", "en": "No such call."},
    "campaign_not_found": {"fr": "Campagne introuvable.", "en": "No such campaign."},
    "contact_not_found": {"fr": "Contact introuvable.", "en": "No such contact."},
    "recording_not_found": {
        "fr": "Pas d'enregistrement pour cet appel.",
        "en": "No recording for this call.",
    },
    "assignee_invalid": {
        "fr": "Un prospect ne peut être attribué qu'à un superviseur ou un administrateur actif.",
        "en": "A lead can only be assigned to an active supervisor or admin.",
    },
    "campaign_move_refused": {"fr": "{reason}", "en": "{reason}"},
    # appointments, advisers and campaign schedules (issues #21 and #22)
    "appointments": {"fr": "Rendez-vous", "en": "Appointments"},
    "appointment": {"fr": "Rendez-vous", "en": "Appointment"},
    "appointments_intro": {
        "fr": "Rendez-vous confirmés à venir, à l'heure du conseiller.",
        "en": "Upcoming confirmed appointments, in the adviser's time.",
    },
    "no_appointments": {"fr": "Aucun rendez-vous à venir.", "en": "No upcoming appointment."},
    "adviser": {"fr": "Conseiller", "en": "Adviser"},
    "advisers": {"fr": "Conseillers", "en": "Advisers"},
    "when_adviser_time": {"fr": "Date (heure du conseiller)", "en": "When (adviser's time)"},
    "move_to": {"fr": "Nouvelle date", "en": "New time"},
    "move": {"fr": "Déplacer", "en": "Move"},
    "cancel_note": {"fr": "Motif de l'annulation", "en": "Why it is cancelled"},
    "cancel_appointment": {"fr": "Annuler le rendez-vous", "en": "Cancel the appointment"},
    "appointment_badge": {"fr": "RDV", "en": "Appt"},
    "title": {"fr": "Titre", "en": "Title"},
    "skills": {"fr": "Compétences", "en": "Skills"},
    "hours": {"fr": "Horaires", "en": "Hours"},
    "hours_hint": {
        "fr": "Une plage par ligne, à l'heure du conseiller : « lun-ven 09:00-12:30 ».",
        "en": "One window a line, in the adviser's time: 'mon-fri 09:00-12:30'.",
    },
    "length_buffer": {"fr": "Durée + battement", "en": "Length + buffer"},
    "length_min": {"fr": "Durée (min)", "en": "Length (min)"},
    "buffer_min": {"fr": "Battement (min)", "en": "Buffer (min)"},
    "upcoming": {"fr": "À venir", "en": "Upcoming"},
    "add_adviser": {"fr": "Ajouter un conseiller", "en": "Add an adviser"},
    "set_hours": {"fr": "Enregistrer les horaires", "en": "Save hours"},
    "busy_import": {"fr": "Importer les indisponibilités (.ics)", "en": "Import busy times (.ics)"},
    "busy_import_hint": {
        "fr": "Remplace l'import précédent de ce conseiller.",
        "en": "Replaces this adviser's previous import.",
    },
    "export_ics": {"fr": "Exporter l'agenda (.ics)", "en": "Export calendar (.ics)"},
    "import": {"fr": "Importer", "en": "Import"},
    "none": {"fr": "aucun", "en": "none"},
    "busy_imported": {
        "fr": "{count} période(s) d'indisponibilité importée(s) pour {name}.",
        "en": "{count} busy period(s) imported for {name}.",
    },
    "dialling_now": {"fr": "Appelle en ce moment", "en": "Dialling now"},
    "run_windows": {"fr": "Plages d'appel", "en": "Run windows"},
    "holidays": {"fr": "Pause les jours fériés", "en": "Pause on public holidays"},
    "holidays_hint": {
        "fr": "Pays ou territoire : FR, FR-974 (La Réunion)… ; vide pour aucun.",
        "en": "Country or territory: FR, FR-974 (Réunion)…; empty for none.",
    },
    "windows_hint": {
        "fr": "Une plage par ligne, dans le fuseau du planning : « lun-ven 10:00-12:30 ». Elles "
        "restreignent les heures légales, sans jamais les élargir.",
        "en": "One window a line, in the schedule's time zone: 'mon-fri 10:00-12:30'. They narrow the "
        "legal hours, never widen them.",
    },
    "no_schedule": {
        "fr": "Pas de planning : la campagne appelle dès qu'elle est en cours, dans les heures légales.",
        "en": "No schedule: the campaign dials whenever it is running, within the legal hours.",
    },
    "set_schedule": {"fr": "Enregistrer le planning", "en": "Save the schedule"},
    "clear_schedule": {"fr": "Supprimer le planning", "en": "Remove the schedule"},
    "schedule_form_hint": {
        "fr": "Dates et heures dans le fuseau choisi.",
        "en": "Dates and times in the chosen time zone.",
    },
    "day_mon": {"fr": "lun", "en": "mon"},
    "day_tue": {"fr": "mar", "en": "tue"},
    "day_wed": {"fr": "mer", "en": "wed"},
    "day_thu": {"fr": "jeu", "en": "thu"},
    "day_fri": {"fr": "ven", "en": "fri"},
    "day_sat": {"fr": "sam", "en": "sat"},
    "day_sun": {"fr": "dim", "en": "sun"},
    "why_campaign_status": {"fr": "la campagne est {status}", "en": "the campaign is {status}"},
    "why_not_started": {"fr": "le planning commence le {when}", "en": "the schedule starts on {when}"},
    "why_ended": {"fr": "le planning a pris fin le {when}", "en": "the schedule ended on {when}"},
    "why_holiday": {"fr": "jour férié ({name})", "en": "public holiday ({name})"},
    "why_outside_windows": {
        "fr": "hors des plages d'appel ({windows})",
        "en": "outside the run windows ({windows})",
    },
    "why_bloctel": {
        "fr": "la liste Bloctel a plus de {limit} jours : importez une liste récente "
        "(minibot dnc import FICHIER --source bloctel)",
        "en": "the Bloctel list is older than {limit} days: import a fresh one "
        "(minibot dnc import FILE --source bloctel)",
    },
    "why_pending": {
        "fr": "le planificateur applique le nouveau planning dans les 30 secondes",
        "en": "the scheduler applies the new schedule within 30 seconds",
    },
    "appointment_not_found": {"fr": "Rendez-vous introuvable.", "en": "No such appointment."},
    "adviser_not_found": {"fr": "Conseiller introuvable.", "en": "No such adviser."},
    "appointment_slot_taken": {
        "fr": "{adviser} a déjà un rendez-vous à ce moment-là ({when}) : choisissez un autre horaire.",
        "en": "{adviser} already has an appointment then ({when}): choose another time.",
    },
    "appointment_not_confirmed": {
        "fr": "Ce rendez-vous est {state} : seul un rendez-vous confirmé peut être déplacé ou annulé.",
        "en": "This appointment is {state}: only a confirmed appointment can be moved or cancelled.",
    },
    "datetime_invalid": {
        "fr": "Date invalide : indiquez le jour et l'heure (AAAA-MM-JJTHH:MM), entre 2000 et 2100.",
        "en": "Invalid time: give the day and time (YYYY-MM-DDTHH:MM), between 2000 and 2100.",
    },
    "adviser_invalid": {"fr": "Conseiller refusé : {reason}", "en": "Adviser refused: {reason}"},
    "adviser_exists": {
        "fr": "Un conseiller nommé « {name} » existe déjà.",
        "en": "An adviser named “{name}” already exists.",
    },
    "number_invalid": {
        "fr": "Le champ {field} doit être un nombre entier.",
        "en": "{field} must be a whole number.",
    },
    "ics_invalid": {
        "fr": "Fichier d'agenda illisible : {reason}. Exportez-le au format iCalendar (.ics).",
        "en": "Unreadable calendar file: {reason}. Export it as iCalendar (.ics).",
    },
    "ics_missing": {"fr": "Choisissez un fichier .ics.", "en": "Choose an .ics file."},
    "schedule_invalid": {"fr": "Planning refusé : {reason}", "en": "Schedule refused: {reason}"},
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


# Values stored in the database, as people read them: kind -> value -> (French, English).
VALUES: dict[str, dict[str, tuple[str, str]]] = {
    "campaign_status": {
        "draft": ("brouillon", "draft"),
        "running": ("en cours", "running"),
        "paused": ("en pause", "paused"),
        "stopped": ("arrêtée", "stopped"),
        "finished": ("terminée", "finished"),
    },
    "call_status": {
        "originating": ("numérotation", "dialling"),
        "ringing": ("sonnerie", "ringing"),
        "answered": ("en conversation", "in conversation"),
        "ended": ("terminé", "ended"),
    },
    "outcome": {
        "answered": ("décroché", "answered"),
        "machine": ("répondeur", "answering machine"),
        "busy": ("occupé", "busy"),
        "no_answer": ("pas de réponse", "no answer"),
        "congestion": ("réseau saturé", "network congestion"),
        "failed": ("échec", "failed"),
        "invalid_number": ("numéro invalide", "invalid number"),
        "rejected": ("rejeté", "rejected"),
        "dnc": ("liste d'opposition", "do-not-call list"),
    },
    "lead_status": {
        "qualified": ("qualifié", "qualified"),
        "not_interested": ("pas intéressé", "not interested"),
        "callback": ("à rappeler", "call back"),
        "do_not_call": ("ne plus appeler", "do not call"),
        "unreachable": ("injoignable", "unreachable"),
    },
    "amd": {
        "human": ("humain", "human"),
        "machine": ("répondeur", "answering machine"),
        "notsure": ("incertain", "not sure"),
        "hangup": ("raccroché", "hung up"),
    },
    "sentiment": {
        "positive": ("positif", "positive"),
        "neutral": ("neutre", "neutral"),
        "negative": ("négatif", "negative"),
    },
    "speaker": {"bot": ("robot", "bot"), "caller": ("appelé", "caller")},
    "role": {
        "admin": ("administrateur", "admin"),
        "supervisor": ("superviseur", "supervisor"),
        "viewer": ("lecteur", "viewer"),
    },
    "intent": {
        "yes": ("oui", "yes"),
        "no": ("non", "no"),
        "unknown": ("incompris", "not understood"),
        "do_not_call": ("ne plus appeler", "do not call"),
        "insult": ("insulte", "insult"),
        "wrong_person": ("mauvaise personne", "wrong person"),
        "callback": ("rappeler plus tard", "call back later"),
        "who_are_you": ("qui êtes-vous ?", "who are you?"),
    },
    "objection": {
        "already_adviser": ("a déjà un conseiller", "already has an adviser"),
        "no_money": ("pas les moyens", "cannot afford it"),
        "scam": ("craint une arnaque", "fears a scam"),
        "send_email": ("veut un e-mail", "wants an email"),
        "price": ("le prix", "the price"),
        "spouse": ("doit en parler à son conjoint", "must ask their spouse"),
    },
    "decision": {
        "qualified": ("qualifié", "qualified"),
        "disqualified": ("disqualifié", "disqualified"),
    },
    "action": {
        "start": ("Démarrer", "Start"),
        "pause": ("Mettre en pause", "Pause"),
        "resume": ("Reprendre", "Resume"),
        "stop": ("Arrêter", "Stop"),
    },
    "appointment_status": {
        "held": ("en attente de confirmation", "held"),
        "confirmed": ("confirmé", "confirmed"),
        "cancelled": ("annulé", "cancelled"),
        "released": ("libéré", "released"),
    },
}


def value_label(lang: str, kind: str, value: object) -> str:
    """A stored value (status, outcome, verdict...) in ``lang``; unknown values read without underscores."""
    if value is None or value == "":
        return ""
    pair = VALUES.get(kind, {}).get(str(value))
    if pair is None:
        return str(value).replace("_", " ")
    return pair[0] if lang == "fr" else pair[1]


def format_number(lang: str, value: float | int | None, decimals: int = 0) -> str:
    """``1234.5`` -> ``1 234,5`` in French (narrow no-break space), ``1,234.5`` in English."""
    if value is None:
        return "–"
    text = f"{value:,.{decimals}f}"
    if lang == "fr":
        return text.replace(",", "\u202f").replace(".", ",")
    return text


def format_percent(lang: str, ratio: float | None, decimals: int = 1) -> str:
    """``0.125`` -> ``12,5 %`` (French) or ``12.5%``."""
    if ratio is None:
        return "–"
    number = format_number(lang, ratio * 100, decimals)
    return f"{number}\u00a0%" if lang == "fr" else f"{number}%"


def format_datetime(lang: str, value: datetime | date | None, zone: str = "Europe/Paris") -> str:
    """A timestamp in ``zone``: ``23/11/2026 09:00`` (French) or ``2026-11-23 09:00``; a date likewise."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        try:
            local = value.astimezone(ZoneInfo(zone))
        except (ZoneInfoNotFoundError, ValueError):  # a zone name the system does not know
            local = value.astimezone(ZoneInfo("UTC"))
        return local.strftime("%d/%m/%Y %H:%M" if lang == "fr" else "%Y-%m-%d %H:%M")
    return value.strftime("%d/%m/%Y" if lang == "fr" else "%Y-%m-%d")
