"""Imported performance: daily clicks, conversions, revenue and commission per membership."""
