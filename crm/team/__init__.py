"""The team: inviting colleagues, their roles, deactivating them (after a hand-over) and back."""
