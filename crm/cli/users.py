"""`rapport user create` and `rapport token create`."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from crm.auth.service import create_token, create_user, find_user
from crm.errors import DomainError
from crm.models import ROLES, TOKEN_SCOPES


def fail(error: DomainError) -> None:
    """Print a domain error as CLI lines and exit non-zero."""
    click.echo(f"error: {error.message}", err=True)
    for field, reason in error.fields.items():
        click.echo(f"  {field}: {reason}", err=True)
    raise SystemExit(1)


@click.group("user")
def user_group() -> None:
    """Manage the people who log in."""


@user_group.command("create")
@click.option("--email", required=True)
@click.option("--password", required=True, prompt=True, hide_input=True,
              confirmation_prompt=True)
@click.option("--role", type=click.Choice(ROLES), default="manager", show_default=True)
@click.option("--name", required=True)
@click.option("--timezone", default="UTC", show_default=True, help="IANA zone, e.g. Europe/Berlin")
@with_appcontext
def create_user_command(email: str, password: str, role: str, name: str, timezone: str) -> None:
    """Create a user who can log in."""
    try:
        user = create_user(email, password, name, role, timezone)
    except DomainError as error:
        fail(error)
    click.echo(f"Created {user.role} {user.email} (id {user.id})")


@click.group("token")
def token_group() -> None:
    """Manage API bearer tokens."""


@token_group.command("create")
@click.option("--email", required=True, help="The user the token acts as.")
@click.option("--name", default="", help="A label to recognise the token by.")
@click.option("--scope", type=click.Choice(TOKEN_SCOPES), default="read-write",
              show_default=True, help="read: GET only; read-write: everything the user can.")
@with_appcontext
def create_token_command(email: str, name: str, scope: str) -> None:
    """Issue a bearer token; it is printed once, on the last line."""
    user = find_user(email)
    if user is None or not user.is_active:
        state = "no user" if user is None else "a deactivated user"
        click.echo(f"error: {state} with email {email}", err=True)
        raise SystemExit(1)
    try:
        token = create_token(user, name, scope)
    except DomainError as error:
        fail(error)
    click.echo(f"Token for {user.email} (keep it secret; it is not shown again):")
    click.echo(token)
