"""The dashboard: a manager's partners, follow-ups, calls, sequences and sends at a glance."""
