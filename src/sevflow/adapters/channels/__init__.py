"""Channels: the ways notifications leave sevflow (``sevflow.services.ports.Channel``), one
module each."""
