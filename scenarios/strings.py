"""Everything the bot says on its own (French). Scenarios may override these under ``strings:``."""

from __future__ import annotations

from types import MappingProxyType

from services.tts_text import MONTHS

__all__ = ["DEFAULT_STRINGS", "MONTHS", "WEEKDAYS", "spoken_datetime"]

DEFAULT_STRINGS = MappingProxyType(
    {
        "reprompt_no_match": "Excusez-moi, je n'ai pas bien compris.",
        "reprompt_silence": "Allô ? Vous m'entendez ?",
        "filler": "Je vois…",  # said while the language model thinks (empty: never)
        "identity": "Je suis l'assistant vocal de {company}. Je vous appelle au sujet de {topic}.",
        "dnc": "Je comprends tout à fait. Votre numéro ne sera plus appelé. Je vous prie de nous excuser "
        "pour le dérangement. Au revoir.",
        "callback_ask": "Bien sûr. À quel moment puis-je vous rappeler ?",
        "callback_confirmed": "C'est noté, nous vous rappellerons {when}. Merci et bonne journée !",
        "callback_unparsed": "C'est noté, nous vous rappellerons. Merci et bonne journée !",
        "insult": "Je suis désolé pour la gêne occasionnée. Je vous souhaite une bonne journée. Au revoir.",
        "wrong_person": "Veuillez nous excuser pour cette erreur. Bonne journée, au revoir.",
        "transfer_failed": "Nos conseillers sont tous occupés pour le moment. Un conseiller vous rappellera "
        "très vite. Merci et bonne journée !",
        "max_duration": "Je dois malheureusement écourter notre échange. Merci pour votre temps, au revoir.",
        "booking_which": "Pardon, lequel vous arrange ?",
        "booking_other": "Je comprends.",
        "booking_nothing_then": "Je n'ai malheureusement rien de libre à ce moment-là.",
        "booking_taken": "Ce créneau vient d'être pris, je suis désolé.",
        "booking_confirmed": "C'est noté : rendez-vous {when}. Vous recevrez une confirmation.",
    }
)

WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")


def spoken_datetime(moment_weekday: int, day: int, month: int, hour: int, minute: int) -> str:
    """French spoken form: ``"le mardi 24 novembre à 14 heures 30"``."""
    clock = f"{hour} heures" + (f" {minute:02d}" if minute else "")
    return f"le {WEEKDAYS[moment_weekday]} {day} {MONTHS[month - 1]} à {clock}"
