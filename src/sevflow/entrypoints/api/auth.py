"""Who is calling: an API token (``Authorization: Bearer sev_...``) or a browser session
cookie. Requests made with the cookie that change something must also carry the session's CSRF
token (``X-CSRF-Token`` header, or a ``csrf_token`` field of a form post): another site can
make a browser send the cookie, but cannot read the token.

Routes take a :class:`Caller` (the credentials, read from the request) and call
``caller.actor()`` first thing: checking a credential reads the database, and doing it where the
route does its own work (on the event loop, or in the route's worker thread for a plain
``def``) means a request never crosses into the thread pool just to be authenticated."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Response

from sevflow.bootstrap import Container
from sevflow.domain.errors import NotPermitted, Unauthenticated
from sevflow.services.accounts import authenticate_token, cached_actor
from sevflow.services.actors import Actor
from sevflow.services.sessions import SESSION_LIFETIME, SignedIn, authenticate_session, csrf_matches
from sevflow.services.token_cache import TokenCache

SESSION_COOKIE = "sevflow_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def container_of(request: Request) -> Container:
    box: Container = request.app.state.container
    return box


class Caller:
    """The credentials one request presented, not yet checked. ``actor()`` checks them (once)
    and keeps the actor on ``request.state.actor`` for the audit log."""

    __slots__ = ("_actor", "_box", "_cache", "_request", "bearer", "cookie", "csrf")

    def __init__(
        self, request: Request, *, bearer: str | None, cookie: str | None, csrf: str | None = None
    ) -> None:
        self._request = request
        self._box = container_of(request)
        self._cache: TokenCache = request.app.state.token_cache
        self._actor: Actor | None = None
        self.bearer = bearer
        self.cookie = cookie
        self.csrf = csrf
        # the problem handler checks it before answering 422, so that an unauthenticated caller
        # learns first that it is not authenticated (FastAPI validates the body before the route runs)
        request.state.caller = self

    def actor(self) -> Actor:
        """The authenticated actor; ``Unauthenticated`` if the credentials are not valid,
        ``NotPermitted`` if a cookie-authenticated change lacks the session's CSRF token."""
        if self._actor is not None:
            return self._actor
        box = self._box
        if self.bearer is not None:
            actor = cached_actor(self._cache, clock=box.clock, text=self.bearer) or authenticate_token(
                box.read_uow_factory(),
                box.uow_factory(),
                clock=box.clock,
                text=self.bearer,
                cache=self._cache,
            )
        else:
            assert self.cookie is not None
            actor = authenticate_session(box.read_uow_factory(), clock=box.clock, cookie=self.cookie)
            if self._request.method not in SAFE_METHODS and not csrf_matches(self.cookie, self.csrf):
                self._request.state.actor = actor
                raise NotPermitted(
                    f"a change made with a session cookie needs the session's CSRF token in the {CSRF_HEADER} "
                    "header (or a csrf_token form field); it was missing or wrong",
                    action="csrf",
                )
        self._request.state.actor = self._actor = actor
        return actor


async def caller_of(request: Request) -> Caller:
    """The request's credentials (refused at once if there are none or the header is not a
    bearer token); a cookie-authenticated form post's ``csrf_token`` field is read here."""
    header = request.headers.get("authorization")
    if header is not None:
        scheme, _, credentials = header.partition(" ")
        if scheme.lower() != "bearer" or not credentials.strip():
            raise Unauthenticated("the Authorization header must be 'Bearer <API token>'")
        return Caller(request, bearer=credentials.strip(), cookie=None)
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie is None:
        raise Unauthenticated(
            "no credentials: send 'Authorization: Bearer <API token>' or sign in with POST /api/session"
        )
    csrf = None
    if request.method not in SAFE_METHODS:
        csrf = request.headers.get(CSRF_HEADER)
        if csrf is None and request.headers.get("content-type", "").startswith(FORM_TYPES):
            field = (await request.form()).get("csrf_token")
            csrf = field if isinstance(field, str) else None
    return Caller(request, bearer=None, cookie=cookie, csrf=csrf)


CallerOf = Annotated[Caller, Depends(caller_of)]


async def _box(request: Request) -> Container:
    # async: FastAPI runs a plain-def dependency in the thread pool, a crossing per request
    return container_of(request)


Box = Annotated[Container, Depends(_box)]


def set_session_cookie(response: Response, signed: SignedIn, *, secure: bool) -> None:
    """The session cookie of a sign-in: HttpOnly, SameSite=Strict, for the whole site."""
    response.set_cookie(
        SESSION_COOKIE,
        signed.cookie,
        max_age=int(SESSION_LIFETIME.total_seconds()),
        httponly=True,
        samesite="strict",
        secure=secure,
        path="/",
    )


def clear_session_cookie(response: Response, *, secure: bool) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict", secure=secure)
