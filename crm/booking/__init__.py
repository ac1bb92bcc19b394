"""Booking links: partners pick their own onboarding call from a manager's free slots."""
