"""Growth records per membership: commission changes, paid placements and promotions.

commissions, placements and promotions hold each aggregate's domain operations (validate,
write, record on the partner's timeline, commit); common holds today, the date window and
days and money as text; overview is what the partner page shows; levers is the pure rule
for the lever to suggest next.
"""
