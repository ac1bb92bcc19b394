"""Growth records: commission changes, paid placements and promotions per membership."""
