"""`minibot simulate`: The simulated PBX and simulated conversations."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from calls.runner import scenario_conversation
from calls.simulate_call import Row, SimulatedCall, persona_number, simulate_call
from commands import group_help, simulate_chat
from commands.common import console, run, settings
from services.simulator import PersonaBook, SimulatedPbx, load_persona_book
from services.simulator.server import serve

app = typer.Typer(help=group_help("simulate"), no_args_is_help=True)
simulate_chat.register(app)


@app.command("pbx")
def pbx(
    port: Annotated[int, typer.Option(help="ARI HTTP port (Asterisk's default is 8088).")] = 8088,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    rules: Annotated[
        Path | None, typer.Option(help="YAML/JSON persona rules (number pattern → persona).")
    ] = None,
    time_scale: Annotated[
        float, typer.Option(help="Multiply ring/answer/hangup delays (0.1 = 10x faster).")
    ] = 1.0,
) -> None:
    """Run the simulated Asterisk (ARI + WebSocket ExternalMedia) with MINIBOT_ARI_USER/PASSWORD."""
    config = settings()
    book = load_persona_book(rules) if rules else PersonaBook()
    simulated = SimulatedPbx(
        host=host,
        port=port,
        user=config.ari_user,
        password=config.ari_password,
        personas=book,
        time_scale=time_scale,
    )

    def ready(started: SimulatedPbx) -> None:
        console.print(
            f"Simulated PBX on {started.url}/ari (user {config.ari_user!r}, app of your choice); "
            "Ctrl-C to stop."
        )

    run(serve(simulated, ready))


def _print_turn(turn: Row) -> None:
    who = "[bold green]bot   [/bold green]" if turn["speaker"] == "bot" else "[bold cyan]caller[/bold cyan]"
    detail = f" [dim]({turn['intent']} {float(turn['confidence'] or 0):.2f})[/dim]" if turn["intent"] else ""
    cut = " [yellow](interrupted)[/yellow]" if turn["interrupted_at_ms"] is not None else ""
    console.print(f"{who} [dim]{turn['step'] or ''}[/dim] {escape(str(turn['text']))}{detail}{cut}")


def _print_result(result: SimulatedCall) -> None:
    call = result.call
    console.print(
        f"[bold]outcome[/bold] {call['outcome']}  hangup {call['hangup_cause']} "
        f"({call['hangup_cause_text']})  amd {call['amd_result'] or '-'}  talk {call['talk_s'] or 0} s"
    )
    if result.queue is not None:
        console.print(f"[bold]queue[/bold] {result.queue['status']} {result.queue['wait_reason'] or ''}")
    lead = result.lead
    if lead is None:
        console.print("[bold]lead[/bold] none")
        return
    console.print(f"[bold]lead[/bold] {lead['status']} (score {lead['score']})")
    for key, answer in lead["answers"].items():
        console.print(f"  {key}: {answer.get('intent')} — {escape(str(answer.get('text', '')))}")
    if lead["callback_at"] is not None:
        console.print(f"  callback at {lead['callback_at'].isoformat()}")
    if lead["summary"]:
        console.print(f"  summary: {escape(str(lead['summary']))}")


@app.command("call")
def call(
    scenario: Annotated[str, typer.Argument(help="Library scenario name or YAML file.")],
    persona: Annotated[
        str, typer.Option(help="Persona name: busy, no_answer, voicemail, interrupter, hangs_up, human...")
    ] = "human",
    number: Annotated[str | None, typer.Option(help="Dial this number (for persona rules).")] = None,
    rules: Annotated[
        Path | None, typer.Option(help="YAML/JSON persona rules (number pattern → persona).")
    ] = None,
    time_scale: Annotated[
        float, typer.Option(help="Multiply ring/answer/hang-up delays (0.5 = 2x faster).")
    ] = 1.0,
) -> None:
    """One full audio call to a simulated persona through the real robot pipeline, transcript live."""
    config = settings()
    book = load_persona_book(rules) if rules else PersonaBook()
    dialled = persona_number(persona, book, number)
    console.print(f"Calling {dialled} ({book.for_number(dialled).name}) with scenario {scenario!r}...")
    result = run(
        simulate_call(
            config,
            scenario_conversation(config),
            scenario=scenario,
            number=dialled,
            personas=book,
            on_turn=_print_turn,
            time_scale=time_scale,
        )
    )
    _print_result(result)
