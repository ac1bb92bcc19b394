"""Campaign fixtures: the outreach ones (a real SMTP sink, in-process workers) and a campaign."""

from __future__ import annotations

import pytest

from tests.outreach.conftest import app_config, sink, workers  # noqa: F401  (fixtures)


@pytest.fixture
def postal_address(app):
    """The organisation's postal address, without which no campaign starts."""
    from crm.admin.organisation import update_postal_address

    return update_postal_address("Rapport Partnerships Ltd\n1 Example Street, London", None)
