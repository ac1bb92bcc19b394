"""My settings: what every user changes about themselves (profile, and one page per area)."""
