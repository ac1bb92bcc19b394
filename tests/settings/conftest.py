"""My settings tests load the signed-in user afresh on every request, as a server does."""

from tests.team.helpers import each_request_loads_its_user  # noqa: F401  (autouse)
