"""Adapters at the edge: the system clock, the database, channels."""
