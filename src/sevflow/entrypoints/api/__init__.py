"""The HTTP API (FastAPI): ``create_app(container)``. Routes call the same services as the CLI;
no business rule lives in a route."""
