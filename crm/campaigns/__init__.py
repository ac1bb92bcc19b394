"""Recruitment campaigns: pages, domain operations, enrolment, figures."""
