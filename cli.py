"""The `minibot` command line: assembles the command groups lazily and turns errors into exit codes.

Only the group named on the command line is imported, so `minibot --help` and `minibot dnc check`
do not pay for the conversation, speech and dashboard modules. Usage errors exit 2 with typer's
message; domain errors print one line and exit with their code (see ``commands.common.ExitCode``);
nothing prints a traceback unless ``MINIBOT_DEBUG=1``.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Sequence

import typer

from commands import COMMANDS, GROUPS

HELP = "MiniBot: a local outbound voicebot dialer for Asterisk."


def build_app(argv: Sequence[str] | None = None) -> typer.Typer:
    """The application with the group named in ``argv`` loaded (every group when ``argv`` is None).

    Groups not named are registered with their help line only, which is all `--help` shows.
    """
    target = None if argv is None else next((a for a in argv if not a.startswith("-")), "")
    root = typer.Typer(help=HELP, no_args_is_help=True, pretty_exceptions_enable=False)
    for name, (module, help_line) in GROUPS.items():
        if target is None or name == target:
            root.add_typer(importlib.import_module(module).app, name=name)
        else:
            root.add_typer(typer.Typer(help=help_line), name=name)
    for name, (module, function, help_line) in COMMANDS.items():
        if target is None or name == target:
            root.command(name, help=help_line)(getattr(importlib.import_module(module), function))
        else:
            root.command(name, help=help_line)(_placeholder)
    return root


def _placeholder() -> None:  # pragma: no cover - replaced by the real command when it is named
    """Stands for a command that is not loaded."""


def __getattr__(name: str) -> typer.Typer:
    """``cli.app``: the whole application, built on first use (for tests and embedding)."""
    if name == "app":
        return build_app()
    raise AttributeError(name)


def error_message(exc: BaseException) -> tuple[str, int] | None:
    """The one-line message and exit code for an error a user can fix, or None for a bug."""
    from commands.common import ExitCode
    from services.errors import ConflictError, MiniBotError, NotFoundError

    if isinstance(exc, MiniBotError):
        code = ExitCode.ERROR
        if isinstance(exc, NotFoundError):
            code = ExitCode.NOT_FOUND
        elif isinstance(exc, ConflictError):
            code = ExitCode.CONFLICT
        return str(exc), int(code)
    if type(exc).__module__.startswith("psycopg"):
        return _database_message(exc), int(ExitCode.ERROR)
    if isinstance(exc, OSError) and exc.filename:
        return f"{exc.filename}: {exc.strerror}", int(ExitCode.ERROR)
    return None


def _database_message(exc: BaseException) -> str:
    import psycopg

    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if isinstance(exc, psycopg.errors.UndefinedTable | psycopg.errors.UndefinedColumn):
        return f"the database is not migrated ({text}): run `minibot db migrate`"
    if isinstance(exc, psycopg.ProgrammingError) and "connection info" in text:
        return (
            f"MINIBOT_DATABASE_URL is not a Postgres URL ({text}); "
            "expected postgresql://user:password@host:5432/dbname"
        )
    return f"database error: {text}"


def _pending_migrations() -> str | None:
    """After an unexpected error: the likely cause when the database lags behind the code."""
    try:
        from commands.common import database_url
        from services import db

        with db.connect(database_url(), autocommit=True) as conn:
            pending = [s.migration for s in db.migration_status(conn) if s.applied_at is None]
    except Exception:  # no database at all, or another problem: the original error stands
        return None
    if not pending:
        return None
    names = ", ".join(f"{m.version:03d}_{m.name}" for m in pending)
    return f"the database lacks {len(pending)} migration(s) ({names}): run `minibot db migrate`"


def main(argv: Sequence[str] | None = None) -> None:
    """Console-script entry point: exit codes reach the shell; no traceback for a user's mistake."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        build_app(args)(args=args, prog_name="minibot")
    except SystemExit:
        raise
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:
        known = error_message(exc)
        if known is None:
            if os.environ.get("MINIBOT_DEBUG"):
                raise
            hint = _pending_migrations()
            known = (
                hint or f"unexpected {type(exc).__name__}: {exc} (MINIBOT_DEBUG=1 shows the traceback)",
                1,
            )
        from rich.markup import escape

        from commands.common import err_console

        err_console.print(f"[red]error:[/red] {escape(known[0])}", highlight=False, soft_wrap=True)
        sys.exit(known[1])


if __name__ == "__main__":
    main()
