"""Entry points: the CLI, the worker (and later the HTTP API). They build the container and call services."""
