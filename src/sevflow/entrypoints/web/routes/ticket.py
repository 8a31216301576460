"""The ticket page: header, SLA clocks, timeline (every event with who, why, the rule that fired
and the notifications it queued), and the forms of the actions the viewer's role may take.

Every form posts to ``/tickets/{id}/{action}`` with the ticket's version and the last event the
page showed. A field the form got wrong is named next to the field (422). A form made stale by
someone else's change (the version moved) applies nothing: the page comes back (409) with what
changed since, and the values typed in kept, to submit again after a look."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from sevflow.domain.access import Action
from sevflow.domain.errors import IllegalTransition, InvalidInput
from sevflow.domain.events import EventKind
from sevflow.domain.severity import Severity
from sevflow.domain.status import Status
from sevflow.domain.tickets import Ticket
from sevflow.domain.triage_record import ticket_triage
from sevflow.entrypoints.api.render import MAX_ROW_ID
from sevflow.entrypoints.web.pages import pages_of
from sevflow.entrypoints.web.viewer import Viewer, ViewerOf
from sevflow.services import queries, related
from sevflow.services import tickets as service
from sevflow.services.actors import Actor
from sevflow.services.queries import TicketView

router = APIRouter(include_in_schema=False)

TicketId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]
MAX_TEXT = 20_000
MAX_REASON = 2_000


@dataclass
class FormState:
    """A submitted form that did not go through: which, what was typed, what was wrong."""

    form: str
    values: Mapping[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    """Field name -> what was wrong with it (``""``: the form as a whole)."""
    stale_since: int | None = None
    """The last event seq the form's page showed, when the ticket changed since."""


def offers(actor: Actor, ticket: Ticket) -> dict[str, bool]:
    """Which action forms the page shows to ``actor`` (the services still check each one)."""
    is_open = ticket.status.is_open
    policy = ticket.policy
    return {
        "comment": actor.may(Action.TICKET_COMMENT),
        "internal": actor.may(Action.TICKET_COMMENT_INTERNAL),
        "status": actor.may(Action.TICKET_STATUS),
        "escalate": is_open
        and actor.may(Action.TICKET_ESCALATE)
        and policy.next_tier(ticket.tier) is not None,
        "deescalate": is_open and actor.may(Action.TICKET_DEESCALATE) and policy.tier_index(ticket.tier) > 0,
        "severity": is_open and actor.may(Action.TICKET_SEVERITY),
        "accept": is_open
        and actor.may(Action.TICKET_ACKNOWLEDGE)
        and ticket.owner == actor.name
        and not ticket.owner_accepted,
        "take": is_open
        and actor.may(Action.TICKET_TAKE)
        and ticket.owner != actor.name
        and not actor.is_customer,
        "gate": is_open and actor.may(Action.TICKET_GATE) and may_decide_gate(actor, ticket),
        "ack": ticket.page is not None and actor.may(Action.TICKET_ACKNOWLEDGE) and not actor.is_customer,
    }


def may_decide_gate(actor: Actor, ticket: Ticket) -> bool:
    """A gate waits and ``actor`` may decide it (the domain's rule: ``Gate.refusal``)."""
    if ticket.gate is None:
        return False
    gate = ticket.policy.gate(ticket.gate.name)
    return gate.refusal(actor=actor.name, roles=actor.roles, owner=ticket.owner) is None


def render_ticket(
    request: Request, viewer: Viewer, ticket_id: int, *, state: FormState | None = None, status: int = 200
) -> Response:
    box = viewer.box
    view = queries.show_ticket(
        box.read_uow_factory(),
        now=box.clock.now(),
        ticket_id=ticket_id,
        actor=viewer.actor,
        project_ahead=False,
        with_notifications=True,
    )
    similar = []
    if not viewer.actor.is_customer:
        similar = related.related_incidents(
            box.read_uow_factory(), box.incidents, ticket_id=ticket_id, actor=viewer.actor, now=view.now
        )
    return pages_of(request).render(
        request,
        "ticket.html",
        actor=viewer.actor,
        csrf=viewer.csrf,
        status=status,
        related=similar,
        **ticket_context(view, viewer.actor, state),
    )


def ticket_context(view: TicketView, actor: Actor, state: FormState | None) -> dict[str, Any]:
    t = view.ticket
    notified: dict[int, list[Any]] = {}
    for message in view.notifications:
        notified.setdefault(message.event_seq, []).append(message)
    last_seq = view.events[-1].seq if view.events else 0
    changes = []
    if state is not None and state.stale_since is not None:
        changes = [e for e in view.events if e.seq > state.stale_since]
    triage = None
    if not actor.is_customer and view.events and view.events[0].event.kind is EventKind.CREATED:
        triage = ticket_triage([e.event for e in view.events])
    return {
        "view": view,
        "t": t,
        "triage": triage,
        "offer": offers(actor, t),
        "notified": notified,
        "last_seq": last_seq,
        "state": state or FormState(""),
        "changes": changes,
        "statuses": [s for s in Status if s is not t.status],
        "severities": [s for s in Severity if s is not t.severity],
        "higher_tiers": t.policy.tiers[t.policy.tier_index(t.tier) + 1 :],
        "lower_tiers": t.policy.tiers[: t.policy.tier_index(t.tier)],
        "marks_state": queries.sla_state(t, view.now).value,
    }


@router.get("/tickets/{ticket_id}")
def ticket_page(request: Request, ticket_id: TicketId, viewer: ViewerOf) -> Response:
    return render_ticket(request, viewer, ticket_id)


# -- the forms ----------------------------------------------------------------------------


UseCase = Callable[..., object]
"""A ticket use case of ``services.tickets``: ``(uow, *, clock, actor, ticket_id,
expected_version, **its own arguments)``."""
Parse = Callable[[Mapping[str, str]], tuple[UseCase, dict[str, Any]]]
"""Form values -> the use case and its own arguments; ``_FieldErrors`` names the bad fields."""


def _text(values: Mapping[str, str], name: str, errors: dict[str, str], *, what: str, limit: int) -> str:
    value = values.get(name, "").strip()
    if not value:
        errors[name] = f"{what} is required"
    elif len(value) > limit:
        errors[name] = f"{what} is {len(value):,} characters long; at most {limit:,} are allowed"
    return value


def _choice(
    values: Mapping[str, str], name: str, allowed: list[str], errors: dict[str, str], *, what: str
) -> str:
    value = values.get(name, "")
    if value not in allowed:
        given = "nothing" if value == "" else repr(value)
        errors[name] = f"{given} is not a {what}; choose one of {', '.join(allowed)}"
    return value


def _comment(f: Mapping[str, str]) -> tuple[UseCase, dict[str, Any]]:
    errors: dict[str, str] = {}
    body = _text(f, "body", errors, what="the comment", limit=MAX_TEXT)
    _raise(errors)
    return service.add_comment, {"body": body, "public": f.get("visibility", "public") != "internal"}


def _status(f: Mapping[str, str]) -> tuple[UseCase, dict[str, Any]]:
    errors: dict[str, str] = {}
    target = _choice(f, "status", [s.value for s in Status], errors, what="status")
    _raise(errors)
    return service.change_status, {"status": Status(target), "reason": f.get("reason", "").strip() or None}


def _tier_move(use_case: UseCase) -> Parse:
    """Escalating and de-escalating: a reason, and the tier to go to if given."""

    def parse(f: Mapping[str, str]) -> tuple[UseCase, dict[str, Any]]:
        errors: dict[str, str] = {}
        reason = _text(f, "reason", errors, what="a reason", limit=MAX_REASON)
        _raise(errors)
        return use_case, {"reason": reason, "to_tier": f.get("to_tier") or None}

    return parse


def _severity(f: Mapping[str, str]) -> tuple[UseCase, dict[str, Any]]:
    errors: dict[str, str] = {}
    target = _choice(f, "severity", [s.value for s in Severity], errors, what="severity")
    reason = _text(f, "reason", errors, what="a reason", limit=MAX_REASON)
    _raise(errors)
    return service.override_severity, {"severity": Severity(target), "reason": reason}


def _gate(f: Mapping[str, str]) -> tuple[UseCase, dict[str, Any]]:
    errors: dict[str, str] = {}
    decision = _choice(f, "decision", ["approve", "reject"], errors, what="decision")
    note = f.get("note", "").strip()
    if decision == "reject" and not note:
        errors["note"] = "a rejection needs a note saying why"
    if len(note) > MAX_REASON:
        errors["note"] = f"the note is {len(note):,} characters long; at most {MAX_REASON:,} are allowed"
    _raise(errors)
    return service.decide_gate, {"approved": decision == "approve", "note": note or None}


def _ack(f: Mapping[str, str]) -> tuple[UseCase, dict[str, Any]]:
    return service.acknowledge_page, {"via": "dashboard", "page": _int(f.get("page"))}


FORMS: dict[str, Parse] = {
    "comment": _comment,
    "status": _status,
    "escalate": _tier_move(service.escalate),
    "deescalate": _tier_move(service.deescalate),
    "severity": _severity,
    "accept": lambda f: (service.accept_ownership, {}),
    "take": lambda f: (service.take_ownership, {}),
    "gate": _gate,
    "ack": _ack,
}


class _FieldErrors(Exception):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(errors)
        self.errors = errors


def _raise(errors: dict[str, str]) -> None:
    if errors:
        raise _FieldErrors(errors)


def _int(value: str | None) -> int | None:
    return int(value) if value is not None and value.isdigit() and len(value) < 12 else None


@router.post("/tickets/{ticket_id}/{form}")
async def submit(request: Request, ticket_id: TicketId, form: str, viewer: ViewerOf) -> Response:
    parse = FORMS.get(form)
    if parse is None:
        state = FormState(form, errors={"": f"there is no form {form!r}; the forms are {', '.join(FORMS)}"})
        return await _again(request, viewer, ticket_id, state, 404)
    raw = await request.form()
    values = {k: v for k, v in raw.items() if isinstance(v, str)}
    version, seen = _int(values.get("version")), _int(values.get("seen"))
    if version is None or seen is None:
        state = FormState(
            form, values, {"": "the form lacks the ticket's version; reload the page and try again"}
        )
        return await _again(request, viewer, ticket_id, state, 422)
    try:
        use_case, arguments = parse(values)
        box = viewer.box
        await run_in_threadpool(
            lambda: use_case(
                box.uow_factory(),
                clock=box.clock,
                actor=viewer.actor,
                ticket_id=ticket_id,
                expected_version=version,
                **arguments,
            )
        )
    except _FieldErrors as wrong:
        return await _again(request, viewer, ticket_id, FormState(form, values, wrong.errors), 422)
    except service.StaleVersion:
        state = FormState(
            form, values, {"": "the ticket changed while you were looking; nothing was applied"}, seen
        )
        return await _again(request, viewer, ticket_id, state, 409)
    except (InvalidInput, IllegalTransition) as refused:
        return await _again(request, viewer, ticket_id, FormState(form, values, {"": str(refused)}), 422)
    return RedirectResponse(f"/tickets/{ticket_id}#timeline", status_code=303)


async def _again(request: Request, viewer: Viewer, ticket_id: int, state: FormState, status: int) -> Response:
    return await run_in_threadpool(render_ticket, request, viewer, ticket_id, state=state, status=status)
