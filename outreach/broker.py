"""The Dramatiq broker: Redis from RAPPORT_BROKER_URL, or the in-process one (embedded mode).

Each app gets its own broker with the actors declared on it, so the app never depends on a
broker chosen at import time; `outreach.worker` makes that broker the global one for the
`dramatiq` command.
"""

from __future__ import annotations

from dramatiq import Broker
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker
from flask import Flask

from outreach.middleware.app_context import AppContext


def make_broker(app: Flask) -> Broker:
    """Build the app's broker and declare the actors on it (kept in app.extensions)."""
    url = app.config["RAPPORT_BROKER_URL"]
    if url:
        # A short heartbeat lets a crashed worker's message be redelivered in seconds; the
        # outbox lease still bounds recovery when the broker is slower (see STACK.md).
        broker: Broker = RedisBroker(url=url, heartbeat_timeout=15_000)
    else:
        broker = StubBroker()
    broker.add_middleware(AppContext(app))
    from outreach import actors

    app.extensions["rapport.actors"] = actors.declare(broker)
    return broker


def init_app(app: Flask) -> None:
    app.extensions["rapport.broker"] = make_broker(app)
