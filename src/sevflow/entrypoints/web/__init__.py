"""The web dashboard: server-rendered pages (Jinja2, HTMX) on the same services as the API,
behind the API's browser sign-in. ``install(app)`` adds it to the API's FastAPI app."""
