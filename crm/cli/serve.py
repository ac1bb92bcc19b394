"""`rapport serve`: the embedded all-in-one mode: web, Dramatiq worker threads and scheduler."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int, help="Web server threads.")
@with_appcontext
def serve_command(host: str, port: int, threads: int) -> None:
    """Serve Rapport with waitress on HOST:PORT, with workers and the scheduler in-process."""
    from waitress import serve

    from outreach import embedded

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    engine = embedded.start(app)
    mode = "SMTP" if app.config["RAPPORT_SMTP_URL"] else "captured (see the Outbox page)"
    click.echo(f"Rapport is running at http://{host}:{port}/  (Ctrl+C stops it)")
    click.echo(f"Outbound email: {mode}; workers and scheduler run in this process.")
    try:
        serve(app, host=host, port=port, threads=threads, ident="rapport")
    finally:
        engine.stop()
