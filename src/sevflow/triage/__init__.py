"""Severity triage: the learned severity model and related-incident search (see README.md)."""
