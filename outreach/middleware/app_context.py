"""Run every actor inside a Flask app context, so services and the session work as in a request."""

from __future__ import annotations

import threading

from dramatiq import Middleware
from flask import Flask


class AppContext(Middleware):
    """Push an app context before each message; pop it (and the session) after."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self._local = threading.local()

    def before_process_message(self, broker, message) -> None:
        context = self.app.app_context()
        context.push()
        self._local.context = context

    def after_process_message(self, broker, message, *, result=None, exception=None) -> None:
        self._pop()

    def after_skip_message(self, broker, message) -> None:
        self._pop()

    def before_worker_shutdown(self, broker, worker) -> None:
        mailer = self.app.extensions.get("rapport.mailer")
        if mailer is not None:
            mailer.close_all()

    def _pop(self) -> None:
        context = getattr(self._local, "context", None)
        if context is None:
            return
        from crm.extensions import db

        db.session.remove()
        context.pop()
        self._local.context = None
