"""`minibot users`: dashboard users: accounts, sessions, login locks and API tokens."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.table import Table

from commands import group_help
from commands.common import console, database_url
from dashboard import accounts
from dashboard.passwords import MIN_LENGTH
from services import db

app = typer.Typer(help=group_help("users"), no_args_is_help=True)
tokens_app = typer.Typer(help="API tokens: list and revoke (issue one with `minibot users token`).")
app.add_typer(tokens_app, name="tokens")

PasswordOpt = Annotated[
    str | None,
    typer.Option(
        "--password",
        help=f"Password (at least {MIN_LENGTH} characters, not a common one); prompted when omitted.",
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON (for scripts).")]


def _password(given: str | None) -> str:
    if given:
        return given
    return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _print_json(rows: list[dict[str, Any]]) -> None:
    print(json.dumps(rows, default=str, ensure_ascii=False))


@app.command()
def create(
    email: str,
    role: Annotated[str, typer.Option("--role", help="admin, supervisor or viewer")] = "viewer",
    password: PasswordOpt = None,
) -> None:
    """Create a user, e.g. `minibot users create ana@example.com --role supervisor`."""
    secret = _password(password)
    with db.connect(database_url(), autocommit=True) as conn:
        row = accounts.create_user(conn, email, role, secret)
    console.print(f"created user {row['email']} ({row['role']}), id {row['id']}")


@app.command("list")
def list_(as_json: JsonOpt = False) -> None:
    """List users with their role, state, login lock, open sessions and active API tokens."""
    with db.connect(database_url(), autocommit=True) as conn:
        rows = accounts.list_users(conn)
    if as_json:
        _print_json(rows)
        return
    table = Table("id", "email", "role", "disabled", "locked until", "sessions", "api tokens")
    for r in rows:
        table.add_row(
            str(r["id"]),
            r["email"],
            r["role"],
            str(r["disabled"]),
            _text(r["locked_until"]),
            str(r["open_sessions"]),
            str(r["active_tokens"]),
        )
    console.print(table)


@app.command()
def disable(email: str) -> None:
    """Disable a user: sessions (open live streams included) and API tokens stop working at once."""
    with db.connect(database_url(), autocommit=True) as conn:
        accounts.disable_user(conn, email)
    console.print(f"disabled {email}")


@app.command("set-password")
def set_password(email: str, password: PasswordOpt = None) -> None:
    """Set a new password: the user's sessions end and any login lock on the account is lifted."""
    secret = _password(password)
    with db.connect(database_url(), autocommit=True) as conn:
        accounts.set_password(conn, email, secret)
    console.print(f"password of {email} changed; their sessions are closed")


@app.command("set-role")
def set_role(email: str, role: Annotated[str, typer.Argument(help="admin, supervisor or viewer")]) -> None:
    """Change a user's role: their sessions end, they log in again with the new rights."""
    with db.connect(database_url(), autocommit=True) as conn:
        accounts.set_role(conn, email, role)
    console.print(f"{email} is now {role}; their sessions are closed")


@app.command("sign-out")
def sign_out(email: str) -> None:
    """Sign a user out everywhere: every open session ends at once."""
    with db.connect(database_url(), autocommit=True) as conn:
        ended = accounts.sign_out(conn, email)
    console.print(f"{ended} session(s) of {email} closed")


@app.command()
def unlock(email: str) -> None:
    """Lift the login locks on an account (from every address)."""
    with db.connect(database_url(), autocommit=True) as conn:
        removed = accounts.unlock(conn, email)
    console.print(f"{email} unlocked ({removed} lock(s) lifted)")


@app.command()
def token(
    email: str,
    days: Annotated[
        int, typer.Option("--days", help=f"Validity in days (1-{accounts.MAX_TOKEN_DAYS}).")
    ] = accounts.DEFAULT_TOKEN_DAYS,
    read_only: Annotated[bool, typer.Option("--read-only", help="GET requests only.")] = False,
) -> None:
    """Issue an API bearer token, printed once (only its hash is stored); earlier tokens stay valid."""
    with db.connect(database_url(), autocommit=True) as conn:
        _, value = accounts.issue_token(conn, email, days=days, scope="read" if read_only else "write")
    console.print(value, soft_wrap=True, highlight=False)


@tokens_app.command("list")
def tokens_list(
    email: Annotated[str | None, typer.Argument(help="Only this user's tokens.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """List API tokens: id, owner, scope, created, expires, last used, revoked."""
    with db.connect(database_url(), autocommit=True) as conn:
        rows = accounts.list_tokens(conn, email)
    if as_json:
        _print_json(rows)
        return
    table = Table("id", "email", "scope", "created", "expires", "last used", "revoked")
    for r in rows:
        table.add_row(
            str(r["id"]),
            r["email"],
            r["scope"],
            _text(r["created_at"]),
            _text(r["expires_at"]),
            _text(r["last_used_at"]),
            _text(r["revoked_at"]),
        )
    console.print(table)


@tokens_app.command("revoke")
def tokens_revoke(token_id: Annotated[int, typer.Argument(help="Token id from `tokens list`.")]) -> None:
    """Revoke an API token at once."""
    with db.connect(database_url(), autocommit=True) as conn:
        accounts.revoke_token(conn, token_id)
    console.print(f"token {token_id} revoked")
