"""The escalation policy: read the active one (or any stored version), list versions, and
upload a new version (validated completely first; nothing is stored if anything is wrong)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from starlette.concurrency import run_in_threadpool

from sevflow.domain.policy import Policy
from sevflow.entrypoints.api.auth import Box, CallerOf
from sevflow.entrypoints.api.problems import ProblemError
from sevflow.entrypoints.api.schemas import PolicyOut, PolicyVersionOut
from sevflow.policy.summary import policy_summary
from sevflow.services import policies

router = APIRouter(prefix="/api/policy", tags=["policy"])

YAML_TYPES = ("application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml", "text/plain")


def _out(policy: Policy, source: str) -> dict[str, Any]:
    return {
        "version": policy.version,
        "name": policy.name,
        "source": source,
        "summary": policy_summary(policy),
    }


@router.get("", response_model=PolicyOut)
def active_policy(caller: CallerOf, box: Box) -> dict[str, Any]:
    """The active policy: its version, name, YAML source and a summary."""
    actor = caller.actor()
    return _out(*policies.policy_document(box.read_uow_factory(), actor=actor))


@router.get("/versions", response_model=list[PolicyVersionOut])
def versions(caller: CallerOf, box: Box) -> list[dict[str, Any]]:
    """Every stored version, oldest first (old versions are kept: open tickets may run on them)."""
    actor = caller.actor()
    return [
        {"version": v.version, "name": v.name, "created_at": v.created_at, "active": v.active}
        for v in policies.policy_versions(box.read_uow_factory(), actor=actor)
    ]


@router.get("/versions/{version}", response_model=PolicyOut)
def version(version: Annotated[str, Path(max_length=64)], caller: CallerOf, box: Box) -> dict[str, Any]:
    actor = caller.actor()
    return _out(*policies.policy_document(box.read_uow_factory(), actor=actor, version=version))


@router.post(
    "",
    response_model=PolicyOut,
    status_code=201,
    openapi_extra={
        "requestBody": {"required": True, "content": {"application/yaml": {"schema": {"type": "string"}}}}
    },
)
async def upload(request: Request, caller: CallerOf, box: Box) -> dict[str, Any]:
    """Upload a policy file (YAML body, ``Content-Type: application/yaml``). It is validated
    completely — every problem is listed — then stored as a new version and activated. Tickets
    already open keep the version they run under."""
    raw = await request.body()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ProblemError(
            400, "bad-encoding", "Not UTF-8", f"the policy must be UTF-8 text; byte {error.start} is not"
        ) from None

    def upload_as_caller() -> Policy:
        return policies.upload_policy(
            box.uow_factory(),
            clock=box.clock,
            actor=caller.actor(),
            source_text=text,
            source="uploaded policy",
        )

    policy = await run_in_threadpool(upload_as_caller)
    return _out(policy, text)
