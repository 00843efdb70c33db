"""The `minibot` command groups. Each module owns one group; `cli.py` assembles them lazily.

``GROUPS`` maps a command name to its module and one-line help, so `minibot --help` lists every
group without importing any of them.
"""

GROUPS: dict[str, tuple[str, str]] = {
    "db": ("commands.db", "Database schema: apply and inspect migrations; stop the embedded Postgres."),
    "campaign": ("commands.campaign", "Campaigns: create, configure, start, pause, stop, inspect."),
    "contacts": ("commands.contacts", "Contacts: import CSV files into a campaign."),
    "dnc": ("commands.dnc", "Do-not-call list: add, remove, import, check."),
    "scenario": ("commands.scenario", "Scenarios: list, validate, graph."),
    "nlp": ("commands.nlp", "Language understanding: evaluate intents on your own phrases."),
    "leads": ("commands.leads", "Leads: list and export leads (filters as in the dashboard)."),
    "users": ("commands.users", "Dashboard users: accounts, passwords, roles, sessions, locks, tokens."),
    "robot": ("commands.robot", "The dialer robot (ARI controller)."),
    "dashboard": (
        "commands.dashboard_cmd",
        "The web dashboard: serve it, purge expired recordings and transcripts.",
    ),
    "simulate": ("commands.simulate", "The simulated PBX and simulated conversations."),
    "models": ("commands.models", "Speech models: download and inspect Vosk models and Piper voices."),
    "jobs": ("commands.jobs", "Scheduled jobs: what runs when, and how it went."),
    "advisers": (
        "commands.advisers",
        "Advisers: who the bot books appointments with, their hours and calendars.",
    ),
    "appointments": ("commands.appointments", "Appointments booked by the bot: list, move, cancel."),
    "amd": ("commands.amd", "Answering-machine detection: evaluate and tune it on your own recordings."),
    "tts": ("commands.tts", "Speech synthesis: listen to a prompt as the robot will say it."),
}

# Single commands (not groups): name -> (module, function, help).
COMMANDS: dict[str, tuple[str, str, str]] = {
    "demo": (
        "commands.demo",
        "demo",
        "Dial a demo campaign through the simulated PBX (real audio, VAD, ASR) and show the outcomes.",
    ),
}


def group_help(name: str) -> str:
    """The help line of the group ``name``."""
    return GROUPS[name][1]
