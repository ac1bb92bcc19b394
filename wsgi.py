"""WSGI entry point: `gunicorn wsgi:app`."""

import sys

from crm import create_app
from crm.config import ConfigError
from crm.process import freeze_startup_heap

try:
    app = create_app()
except ConfigError as error:
    sys.exit(f"rapport: configuration error: {error}")
freeze_startup_heap()
