"""Signing in and out (browser sessions), API tokens, and users."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from sevflow.entrypoints.api import render
from sevflow.entrypoints.api.auth import (
    FORM_TYPES,
    SESSION_COOKIE,
    Box,
    CallerOf,
    clear_session_cookie,
    container_of,
    set_session_cookie,
)
from sevflow.entrypoints.api.schemas import (
    NewTokenOut,
    SessionOut,
    SignIn,
    TokenCreate,
    TokenOut,
    UserCreate,
    UserOut,
)
from sevflow.entrypoints.views import token_json
from sevflow.services import accounts, sessions

router = APIRouter(prefix="/api", tags=["accounts"])

SIGN_IN_BODY = {"$ref": "#/components/schemas/SignIn"}


async def _sign_in_body(request: Request) -> SignIn:
    try:
        if request.headers.get("content-type", "").startswith(FORM_TYPES):
            form = await request.form()
            return SignIn.model_validate({k: v for k, v in form.items() if isinstance(v, str)})
        return SignIn.model_validate_json(await request.body())
    except ValidationError as error:
        raise RequestValidationError(
            [{**e, "loc": ("body", *e["loc"])} for e in error.errors(include_url=False)]
        ) from None


@router.post(
    "/session",
    response_model=SessionOut,
    status_code=201,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": SIGN_IN_BODY},
                "application/x-www-form-urlencoded": {"schema": SIGN_IN_BODY},
            },
        }
    },
)
async def sign_in(request: Request, response: Response) -> dict[str, Any]:
    """Sign in with name and password (JSON or a form post). Sets the session cookie (HttpOnly,
    SameSite=Strict) and returns the CSRF token to send with every change made with it.
    Repeated failures for one name or one address are refused for a while (429)."""
    body = await _sign_in_body(request)
    box = container_of(request)
    address = request.client.host if request.client else "unknown"
    signed = await run_in_threadpool(
        sessions.sign_in,
        box.uow_factory(),
        clock=box.clock,
        hasher=box.hasher,
        name=body.name,
        password=body.password,
        address=address,
    )
    set_session_cookie(response, signed, secure=box.settings.cookie_secure)
    assert signed.actor.account is not None
    return {
        "user": signed.actor.name,
        "role": signed.actor.account.value,
        "csrf_token": signed.csrf_token,
        "expires_at": signed.expires_at,
    }


@router.delete("/session", status_code=204)
def sign_out(request: Request, caller: CallerOf, box: Box) -> Response:
    """Sign out: the session ends on the server and the cookie is cleared."""
    caller.actor()  # only a signed-in caller signs out
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie is not None:
        sessions.sign_out(box.uow_factory(), clock=box.clock, cookie=cookie)
    response = Response(status_code=204)
    clear_session_cookie(response, secure=box.settings.cookie_secure)
    return response


@router.post("/tokens", response_model=NewTokenOut, status_code=201)
def create_token(body: TokenCreate, caller: CallerOf, box: Box) -> dict[str, Any]:
    """A new API token (yours, or — admins — anyone's). The token text is in the response
    this once; only a hash of it is kept."""
    actor = caller.actor()
    issued = accounts.create_token(
        box.uow_factory(),
        clock=box.clock,
        actor=actor,
        user=body.user or actor.name,
        label=body.label,
        expires_at=body.expires_at,
    )
    return {**token_json(issued.token), "token": issued.text}


@router.get("/tokens", response_model=list[TokenOut])
def list_tokens(
    caller: CallerOf,
    box: Box,
    user: Annotated[str | None, Query(max_length=100, description="Admins: whose; '*' for everyone.")] = None,
) -> list[dict[str, Any]]:
    actor = caller.actor()
    return [token_json(t) for t in accounts.list_tokens(box.read_uow_factory(), actor=actor, user=user)]


@router.delete("/tokens/{token_id}", response_model=TokenOut)
def revoke_token(
    token_id: Annotated[str, Path(max_length=64)], caller: CallerOf, box: Box, request: Request
) -> dict[str, Any]:
    """Revoke a token: it stops working at once here, and within a second in other API
    processes (the record is kept)."""
    actor = caller.actor()
    return token_json(
        accounts.revoke_token(
            box.uow_factory(),
            clock=box.clock,
            actor=actor,
            token_id=token_id,
            cache=request.app.state.token_cache,
        )
    )


@router.post("/users", response_model=UserOut, status_code=201)
def create_user(body: UserCreate, caller: CallerOf, box: Box) -> dict[str, Any]:
    """Create a user (admins). Customers need their organisation."""
    actor = caller.actor()
    user = accounts.create_user(
        box.uow_factory(),
        clock=box.clock,
        hasher=box.hasher,
        actor=actor,
        name=body.name,
        role=body.role,
        password=body.password,
        duties=body.duties,
        organisation=body.organisation,
    )
    return render.user_out(user)


@router.get("/users", response_model=list[UserOut])
def list_users(caller: CallerOf, box: Box) -> list[dict[str, Any]]:
    actor = caller.actor()
    return [render.user_out(u) for u in accounts.list_users(box.read_uow_factory(), actor=actor)]
