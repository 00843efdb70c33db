"""`minibot simulate`: The simulated PBX and simulated conversations."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from commands import simulate_chat
from commands.common import console, run, settings
from services.simulator import PersonaBook, SimulatedPbx, load_persona_book
from services.simulator.server import serve

app = typer.Typer(help="The simulated PBX and simulated conversations.", no_args_is_help=True)
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
