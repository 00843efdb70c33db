"""`minibot users`: dashboard users: create, list, disable, set passwords, issue API tokens."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from commands import group_help
from commands.common import console, database_url
from dashboard import accounts
from services import db

app = typer.Typer(help=group_help("users"), no_args_is_help=True)

PasswordOpt = Annotated[
    str | None, typer.Option("--password", help="Password (at least 8 characters); prompted when omitted.")
]


def _password(given: str | None) -> str:
    if given:
        return given
    return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))


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
def list_() -> None:
    """List users with their role and state."""
    with db.connect(database_url(), autocommit=True) as conn:
        rows = accounts.list_users(conn)
    table = Table("id", "email", "role", "disabled", "locked until", "api token")
    for r in rows:
        locked = str(r["locked_until"] or "")
        table.add_row(
            str(r["id"]), r["email"], r["role"], str(r["disabled"]), locked, "yes" if r["has_token"] else ""
        )
    console.print(table)


@app.command()
def disable(email: str) -> None:
    """Disable a user: sessions and API token stop working immediately."""
    with db.connect(database_url(), autocommit=True) as conn:
        accounts.disable_user(conn, email)
    console.print(f"disabled {email}")


@app.command("set-password")
def set_password(email: str, password: PasswordOpt = None) -> None:
    """Set a new password (also clears a lockout)."""
    secret = _password(password)
    with db.connect(database_url(), autocommit=True) as conn:
        accounts.set_password(conn, email, secret)
    console.print(f"password of {email} changed")


@app.command()
def token(email: str) -> None:
    """Issue an API bearer token (shown once; only its hash is stored; replaces the previous one)."""
    with db.connect(database_url(), autocommit=True) as conn:
        value = accounts.issue_token(conn, email)
    console.print(value, soft_wrap=True, highlight=False)
