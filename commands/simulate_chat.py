"""`minibot simulate chat SCENARIO`: type answers, see intent, confidence and the step taken."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import typer

from calls.booking import BookingDialog, MemorySlots, Reply
from commands.common import console, settings
from scenarios.chat import BookingTurn, Understood, keyword_classifier, run_chat
from scenarios.engine import Engine, NluContext
from scenarios.library import resolve
from services.nlp.llm import NluService


def _read() -> str | None:
    try:
        return console.input("[bold cyan]vous>[/bold cyan] ")
    except EOFError:
        return None


class DiaryBooker:
    """The chat's booking dialogue, on an in-memory diary (one adviser, weekday hours)."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        strings: dict[str, str],
        now: Callable[[], datetime],
        diary: MemorySlots | None = None,
    ) -> None:
        self.loop, self.strings, self.now = loop, strings, now
        self.diary = diary or MemorySlots()
        self.dialog: BookingDialog | None = None

    def start(self, skill: str) -> BookingTurn:
        now = self.now()
        self.dialog = BookingDialog(self.diary, skill, str(now.tzinfo), self.strings)
        return self._turn(self.dialog.start(now))

    def hear(self, text: str) -> BookingTurn:
        assert self.dialog is not None
        return self._turn(self.dialog.hear(text, self.now()))

    def _turn(self, step: Coroutine[Any, Any, Reply]) -> BookingTurn:
        reply = self.loop.run_until_complete(step)
        return BookingTurn(reply.say, reply.outcome, reply.summary)


def chat_command(
    scenario: Annotated[str, typer.Argument(help="Library scenario name or YAML file.")],
    first_name: Annotated[str, typer.Option(help="Contact first name for {first_name}.")] = "Marie",
    last_name: Annotated[str, typer.Option(help="Contact last name for {last_name}.")] = "Martin",
    llm: Annotated[bool, typer.Option("--llm", help="Ask Ollama when the keywords are unsure.")] = False,
    tz: Annotated[str, typer.Option(help="Time zone for callback times.")] = "Europe/Paris",
) -> None:
    """Talk to a scenario in the terminal (empty line = silence; /machine /bargein /hangup /timeout).

    A ``book`` step books in a demo adviser's diary (weekdays 9:00–12:30 and 14:00–18:00)."""
    engine = Engine(resolve(scenario))
    zone = ZoneInfo(tz)
    classifier = keyword_classifier
    loop = asyncio.new_event_loop()
    if llm:
        service = NluService.from_settings(settings())
        filler = engine.scenario.strings.get("filler", "").strip()

        async def say_filler() -> None:  # as on a call: the bot covers a slow model
            console.print(f"🤖 {filler}", markup=False, highlight=False)

        def classifier(text: str, context: NluContext) -> Understood:
            result = loop.run_until_complete(
                service.classify(
                    text,
                    context.allowed,
                    context.keywords,
                    context.question,
                    say_filler if filler else None,
                    objections=context.objections,
                )
            )
            return Understood(result.intent, result.confidence, result.sentiment, source=result.source)

    console.print("[dim]Empty line = silence. /machine /bargein /hangup /timeout. Ctrl-D hangs up.[/dim]")
    try:
        run_chat(
            engine,
            _read,
            lambda line: console.print(line, markup=False, highlight=False),
            contact_vars={"first_name": first_name, "last_name": last_name},
            classifier=classifier,
            now=lambda: datetime.now(zone),
            booker=DiaryBooker(loop, dict(engine.scenario.strings), lambda: datetime.now(zone)),
        )
    finally:
        loop.close()


def register(app: typer.Typer) -> None:
    """Add the ``chat`` command to the ``simulate`` group."""
    app.command("chat")(chat_command)
