"""The `rapport` console script: a Flask CLI group whose spellings operators depend on."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask
from flask.cli import FlaskGroup

from crm import config


def init_app(app: Flask) -> None:
    """Attach Rapport's commands to app.cli (db comes from Flask-Migrate)."""
    from crm.cli import (
        credentials,
        demo,
        followups,
        imports,
        inbound,
        mailbox,
        outreach,
        performance,
        serve,
        users,
    )

    app.cli.add_command(users.user_group)
    app.cli.add_command(users.token_group)
    app.cli.add_command(demo.demo_command)
    app.cli.add_command(serve.serve_command)
    app.cli.add_command(imports.import_partners_command)
    app.cli.add_command(inbound.inbound_command)
    app.cli.add_command(outreach.scheduler_command)
    app.cli.add_command(followups.followups_group)
    app.cli.add_command(performance.import_performance_command)
    app.cli.add_command(mailbox.mailbox_group)
    app.cli.add_command(credentials.credentials_group)


def _create_app() -> Flask:
    from crm import create_app
    from crm.process import freeze_startup_heap

    app = create_app()
    freeze_startup_heap()
    return app


def main() -> None:
    """Entry point: settings are checked before anything else, one line on failure."""
    try:
        config.load(Path(config.PROJECT_ROOT / "instance"), overrides={"SECRET_KEY": "check"})
    except config.ConfigError as error:
        click.echo(f"rapport: configuration error: {error}", err=True)
        sys.exit(2)
    cli = FlaskGroup(
        name="rapport",
        create_app=_create_app,
        add_default_commands=True,
        add_version_option=False,
        load_dotenv=False,
        set_debug_flag=False,
        help="Rapport: relationship CRM and outreach for affiliate managers.",
    )
    cli.main(prog_name="rapport")
