"""Simulation: drives the real timer engine (``services.timers.tick``) with a fake clock that
jumps from one due moment to the next -- drills, what-if runs and the demo."""
