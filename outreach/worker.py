"""Entry point of `dramatiq outreach.worker`: builds the app and makes its Redis broker global.

The dramatiq command imports this module and then uses the global broker, on which the app
has already declared the actors (with the app-context middleware).
"""

import sys

import dramatiq

from crm import create_app
from crm.config import ConfigError
from crm.process import freeze_startup_heap

try:
    app = create_app()
except ConfigError as error:
    sys.exit(f"rapport: configuration error: {error}")
freeze_startup_heap()
if not app.config["RAPPORT_BROKER_URL"]:
    sys.exit("rapport: configuration error: RAPPORT_BROKER_URL: required for dramatiq workers "
             "(the embedded mode runs its workers inside `rapport serve`)")
dramatiq.set_broker(app.extensions["rapport.broker"])
