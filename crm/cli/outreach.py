"""`rapport scheduler`: the production tick loop (one per installation is enough; more are safe)."""

from __future__ import annotations

import signal
import threading

import click
from flask import current_app
from flask.cli import with_appcontext

from outreach.leases import take_lease
from outreach.scheduler import LEASE_NAME, run_forever, tick


@click.command("scheduler")
@click.option("--once", is_flag=True, help="Run one tick and exit.")
@with_appcontext
def scheduler_command(once: bool) -> None:
    """Queue due sequence steps and re-dispatch stalled emails, every RAPPORT_TICK_SECONDS."""
    interval = current_app.config["RAPPORT_TICK_SECONDS"]
    if once:
        from crm import clock

        if not take_lease(LEASE_NAME, clock.now(), interval * 4):
            click.echo("Another scheduler holds the lease; nothing done.")
            return
        click.echo(f"Queued {tick()} email(s).")
        return
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    click.echo(f"Scheduler ticking every {interval}s (Ctrl+C stops it).")
    run_forever(interval, stop)
