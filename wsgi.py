"""WSGI entry point: `gunicorn wsgi:app`."""

import sys

from crm import create_app
from crm.config import ConfigError

try:
    app = create_app()
except ConfigError as error:
    sys.exit(f"rapport: configuration error: {error}")
