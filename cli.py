"""The `minibot` command line: assembles the command groups and turns domain errors into exit codes."""

from __future__ import annotations

import sys

import typer

from commands import (
    campaign,
    contacts,
    dashboard_cmd,
    db,
    demo,
    dnc,
    leads,
    models,
    nlp,
    robot,
    scenario,
    simulate,
    users,
)
from commands.common import ExitCode, err_console
from services.errors import ConflictError, MiniBotError, NotFoundError

app = typer.Typer(
    help="MiniBot: a local outbound voicebot dialer for Asterisk.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(db.app, name="db")
app.add_typer(campaign.app, name="campaign")
app.add_typer(contacts.app, name="contacts")
app.add_typer(dnc.app, name="dnc")
app.add_typer(scenario.app, name="scenario")
app.add_typer(nlp.app, name="nlp")
app.add_typer(leads.app, name="leads")
app.add_typer(users.app, name="users")
app.add_typer(robot.app, name="robot")
app.add_typer(dashboard_cmd.app, name="dashboard")
app.add_typer(simulate.app, name="simulate")
app.add_typer(models.app, name="models")
app.command("demo")(demo.demo)


def main() -> None:
    """Console-script entry point: run the app, print domain errors without a traceback."""
    try:
        app(standalone_mode=False)
    except MiniBotError as exc:
        err_console.print(f"[red]error:[/red] {exc}")
        code = ExitCode.ERROR
        if isinstance(exc, NotFoundError):
            code = ExitCode.NOT_FOUND
        elif isinstance(exc, ConflictError):
            code = ExitCode.CONFLICT
        sys.exit(int(code))
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        err_console.print("aborted")
        sys.exit(int(ExitCode.ERROR))
    except Exception as exc:  # click usage errors surface here with standalone_mode=False
        import click

        if isinstance(exc, click.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        raise


if __name__ == "__main__":
    main()
