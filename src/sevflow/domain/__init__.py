"""The pure domain: standard library only, no I/O, no wall clock.

Every function that needs the time takes ``now`` (an aware UTC datetime) as an argument.
"""
