"""`rapport credentials …`: the keys that seal stored passwords (mailboxes, calendars)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.group("credentials")
def credentials_group() -> None:
    """Keys for the passwords Rapport stores (mailbox and calendar logins)."""


@credentials_group.command("new-key")
def new_key_command() -> None:
    """Print a new random key for RAPPORT_CREDENTIAL_KEYS (put it first in the list)."""
    from crm.credentials import new_key

    click.echo(new_key())


@credentials_group.command("rotate-keys")
@with_appcontext
def rotate_keys_command() -> None:
    """Seal every stored password again with the newest key.

    Afterwards the older keys in RAPPORT_CREDENTIAL_KEYS can be removed. Exit 1 when some
    password opens with none of the configured keys (it is left as it was).
    """
    from crm.credentials import rotate_all

    rotation = rotate_all()
    click.echo(f"re-encrypted {rotation.rotated} stored password(s) with the newest key")
    if rotation.unreadable:
        click.echo(f"rapport credentials rotate-keys: no configured key opens "
                   f"{', '.join(rotation.unreadable)}; put the key they were sealed with back "
                   "into RAPPORT_CREDENTIAL_KEYS", err=True)
        click.get_current_context().exit(1)
