"""Rapport's web application: create_app builds it from settings."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from crm import config

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: settings → extensions → blueprints → CLI."""
    overrides = dict(test_config or {})
    app = Flask(
        __name__,
        instance_path=str(overrides.pop("INSTANCE_PATH", PROJECT_ROOT / "instance")),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    _use_id_converter(app)
    rapport_overrides = {k: overrides.pop(k) for k in list(overrides) if k in config.PARSERS}
    settings = config.load(Path(app.instance_path), overrides=rapport_overrides)
    app.config.update(config.flask_config(settings))
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False  # checked in crm.auth.guard, pages only
    app.config.update(overrides)

    _init_extensions(app)
    _register_blueprints(app)

    from crm import cli, http_errors, input_checks, templating
    from crm.auth import guard

    guard.init_app(app)
    input_checks.init_app(app)
    http_errors.init_app(app)
    templating.init_app(app)
    cli.init_app(app)
    return app


def _use_id_converter(app: Flask) -> None:
    from crm.ids import IdConverter

    # Before any route exists: every <int:...> refuses ids the database cannot hold (a 404).
    app.url_map.converters["int"] = IdConverter


def _init_extensions(app: Flask) -> None:
    from crm import models, sqlite  # noqa: F401  (complete metadata before migrate sees it)
    from crm.clock import SystemClock
    from crm.extensions import csrf, db, limiter, login_manager, migrate
    from outreach import broker as outreach_broker

    db.init_app(app)
    with app.app_context():
        sqlite.configure(db.engine)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    app.extensions.setdefault("rapport.clock", SystemClock())
    outreach_broker.init_app(app)


def _register_blueprints(app: Flask) -> None:
    from crm.admin.organisation import bp as organisation_bp
    from crm.admin.views import bp as admin_bp
    from crm.api import init_app as init_api
    from crm.auth.views import bp as auth_bp
    from crm.booking.views import bp as booking_bp
    from crm.booking.views import settings_bp as availability_bp
    from crm.campaigns.sending import bp as sending_bp
    from crm.campaigns.views import bp as campaigns_bp
    from crm.clients.views import bp as clients_bp
    from crm.dashboard.views import bp as dashboard_bp
    from crm.followups.views import bp as followups_bp
    from crm.growth.views import bp as growth_bp
    from crm.imports.views import bp as imports_bp
    from crm.mailbox.views import bp as mailbox_bp
    from crm.mailbox.views import compose_bp
    from crm.meetings.views import bp as meetings_bp
    from crm.meetings.views import feed_bp as calendar_feed_bp
    from crm.outbox.views import bp as outbox_bp
    from crm.partners.views import bp as partners_bp
    from crm.performance.views import bp as performance_bp
    from crm.reports.views import bp as reports_bp
    from crm.sequences.views import bp as sequences_bp
    from crm.settings.views import bp as settings_bp
    from crm.team.views import bp as team_bp
    from crm.team.views import join_bp
    from crm.unsubscribe.views import bp as unsubscribe_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(partners_bp)
    app.register_blueprint(clients_bp)
    app.register_blueprint(imports_bp)
    app.register_blueprint(sequences_bp)
    app.register_blueprint(outbox_bp)
    app.register_blueprint(unsubscribe_bp)
    app.register_blueprint(meetings_bp)
    app.register_blueprint(followups_bp)
    app.register_blueprint(calendar_feed_bp)
    app.register_blueprint(growth_bp)
    app.register_blueprint(performance_bp)
    app.register_blueprint(dashboard_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(settings_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(team_bp)
    app.register_blueprint(join_bp)
    app.register_blueprint(booking_bp)
    app.register_blueprint(availability_bp)
    app.register_blueprint(campaigns_bp)
    app.register_blueprint(sending_bp)
    app.register_blueprint(organisation_bp)
    app.register_blueprint(mailbox_bp)
    app.register_blueprint(compose_bp)
    init_api(app)
