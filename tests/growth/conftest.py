import pytest

from tests.growth.helpers import member


@pytest.fixture
def membership(app):
    return member()
