"""`minibot demo`: run a small simulated campaign end to end and print the outcomes."""

from __future__ import annotations

import shutil

from rich.progress import Progress
from rich.table import Table

from calls.demo import run_demo
from calls.runner import scenario_conversation
from commands.common import console, run, settings
from services.errors import ConfigError
from services.logs import setup_logging

DEMO_PROGRAMS = ("espeak-ng", "sox")  # the simulated callers' voices


def demo() -> None:
    """Dial a demo campaign through the simulated PBX (real audio, VAD, ASR) and show the outcomes."""
    missing = [name for name in DEMO_PROGRAMS if shutil.which(name) is None]
    if missing:
        names = " ".join(missing)
        raise ConfigError(
            f"the demo's simulated callers speak with espeak-ng and sox; missing: {names}. Run `make demo` "
            f"(it installs them as root) or `sudo apt-get install -y {names}`"
        )
    config = settings()
    setup_logging("WARNING")
    console.print("MiniBot demo: campaign 'demo' through the simulated PBX (no phone line needed)")
    with Progress(console=console) as bar:
        task = bar.add_task("calls settled", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        conversation = scenario_conversation(config)
        result = run(run_demo(config, conversation, progress))
    report = result.imported
    console.print(f"contacts imported: {report.imported} (rejected {report.rejected})")
    table = Table(title="Calls")
    table.add_column("phone", no_wrap=True)
    for name in ("name", "outcome", "cause", "AMD", "talk (s)", "turns"):
        table.add_column(name, no_wrap=name != "cause")
    for row in result.outcomes:
        cause = str(row["hangup_cause"] if row["hangup_cause"] is not None else "")
        table.add_row(
            str(row["phone"]),
            str(row["first_name"]),
            str(row["outcome"]),
            cause,
            str(row["amd_result"] or ""),
            str(row["talk_s"] or ""),
            str(row["turns"]),
        )
    console.print(table)
    leads = Table(title="Leads")
    leads.add_column("phone", no_wrap=True)
    for name in ("status", "score", "summary"):
        leads.add_column(name)
    for row in result.leads:
        leads.add_row(str(row["phone"]), str(row["status"]), str(row["score"]), str(row["summary"])[:80])
    console.print(leads)
    console.print("Hangup causes are Q.850: 16 normal clearing, 17 busy, 19 no answer, 1 unallocated number.")
    asr = conversation.asr
    if asr.language != "fr":
        console.print(
            f"[yellow]Speech model: {asr.model_path} ({asr.language}), not French: the callers were "
            "heard and transcribed but not understood, so answered calls end not_interested. "
            "Run `minibot models download fr-small` for a French model.[/yellow]"
        )
