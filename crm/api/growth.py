"""/api/v1 growth records: commission changes, placements and promotions of a membership."""

from __future__ import annotations

from crm.api.blueprint import ApiBlueprint

blp = ApiBlueprint(
    "api_growth", __name__, url_prefix="/api/v1",
    description="Growth records: commission changes, paid placements and promotions.",
)
