"""Expected response bodies for the API route tests: RFC 9457 problems as sevflow writes them."""

from __future__ import annotations

from typing import Any

import httpx


def problem(status: int, slug: str, title: str, detail: str, instance: str, **extra: Any) -> dict[str, Any]:
    """The whole problem+json body sevflow answers with (``extra``: e.g. ``errors``)."""
    return {
        "type": f"urn:sevflow:problem:{slug}",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": instance,
        **extra,
    }


def assert_problem(response: httpx.Response, status: int, slug: str, title: str, detail: str) -> None:
    """``response`` is exactly that problem, about the path it was sent to."""
    assert response.headers["content-type"] == "application/problem+json"
    assert (response.status_code, response.json()) == (
        status,
        problem(status, slug, title, detail, response.request.url.path),
    )


def forbidden(response: httpx.Response, detail: str) -> None:
    assert_problem(response, 403, "forbidden", "Not permitted", detail)


def invalid(response: httpx.Response, detail: str) -> None:
    assert_problem(response, 422, "invalid-input", "Invalid input", detail)


def illegal(response: httpx.Response, detail: str) -> None:
    assert_problem(response, 409, "illegal-transition", "Not possible now", detail)
