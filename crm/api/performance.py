"""/api/v1/performance: daily figures per membership, imported and read."""

from __future__ import annotations

from crm.api.blueprint import ApiBlueprint

blp = ApiBlueprint(
    "api_performance", __name__, url_prefix="/api/v1/performance",
    description="Performance: daily clicks, conversions, revenue and commission.",
)
