"""The ``sevflow`` command line (Typer): one module per command group."""
