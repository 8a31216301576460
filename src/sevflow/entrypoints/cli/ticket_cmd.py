"""``sevflow ticket ...``: drive a ticket by hand.

The acting person is ``--as NAME`` with ``--role`` (repeatable; default agent). The CLI is an
operator's tool on the database it points at; the HTTP API adds authentication.
"""

from __future__ import annotations

from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import typer

from sevflow.bootstrap import Container
from sevflow.domain.errors import InvalidInput
from sevflow.domain.policy import Role
from sevflow.domain.severity import Severity
from sevflow.domain.status import Status
from sevflow.entrypoints.cli import import_cmd, render
from sevflow.entrypoints.cli.runtime import cli_errors, container, out, print_json
from sevflow.services import queries, related
from sevflow.services import tickets as ticket_service
from sevflow.services.actors import Actor
from sevflow.services.ports import TicketFilter
from sevflow.services.tickets import NewTicket

app = typer.Typer(help="Create, inspect and drive tickets by hand.", no_args_is_help=True)

AsOpt = Annotated[str, typer.Option("--as", help="Who is acting (recorded in the audit trail).")]
RoleOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--role", help="Role of the actor: agent, lead, manager, incident_commander, ... (repeatable)."
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]
TzOpt = Annotated[
    str, typer.Option("--tz", help="Show instants in this IANA time zone.", envvar="SEVFLOW_TZ")
]
VersionOpt = Annotated[
    int | None,
    typer.Option(
        "--if-version", help="Refuse if the ticket is no longer at this version (optimistic locking)."
    ),
]


def _actor(name: str, roles: list[str] | None) -> Actor:
    parsed = set()
    for role in roles or ["agent"]:
        try:
            parsed.add(Role(role.strip().lower()))
        except ValueError:
            raise InvalidInput.unknown("role", role, [r.value for r in Role]) from None
    return Actor(name, frozenset(parsed))


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(
            f"unknown time zone {name!r}; use an IANA name such as Europe/Berlin or UTC"
        ) from None


def _show(box: Container, ticket_id: int, as_json: bool, zone: ZoneInfo) -> None:
    """Print the ticket as it is now, from the container the command already has open (one
    engine, one parsed policy per command)."""
    view = queries.show_ticket(box.read_uow_factory(), now=box.clock.now(), ticket_id=ticket_id)
    if as_json:
        print_json(render.view_json(view))
    else:
        out.print(render.ticket_view(view, zone))


@app.command("create")
@cli_errors
def create(
    title: Annotated[str, typer.Option(help="One-line summary.")],
    service_line: Annotated[str, typer.Option("--service-line", help="Service line (policy service_lines).")],
    customer: Annotated[str, typer.Option(help="Customer organisation.")],
    tier: Annotated[str, typer.Option("--tier", help="Customer tier (policy customer_tiers).")],
    description: Annotated[str, typer.Option(help="Longer description.")] = "",
    service: Annotated[
        list[str] | None, typer.Option("--service", help="Affected service (repeatable).")
    ] = None,
    users: Annotated[int, typer.Option("--users", help="Users affected.")] = 0,
    severity: Annotated[
        str | None, typer.Option(help="Declare a severity (Sev1-Sev4); the policy proposes one if omitted.")
    ] = None,
    reason: Annotated[str | None, typer.Option(help="Why, when the declared severity differs.")] = None,
    actor: AsOpt = "cli",
    as_json: JsonOpt = False,
    tz: TzOpt = "UTC",
) -> None:
    """Open a ticket: the policy proposes its severity, starts its SLA clocks and assigns an owner."""
    zone = _zone(tz)  # a bad --tz is refused before anything changes, not after
    request = NewTicket(
        title=title,
        service_line=service_line,
        customer=customer,
        customer_tier=tier,
        description=description,
        services=tuple(service or ()),
        users_affected=users,
        severity=Severity.parse(severity) if severity else None,
        severity_reason=reason,
        channel="cli",
    )
    with container() as box:
        ticket = ticket_service.open_ticket(
            box.uow_factory(), clock=box.clock, actor=Actor(actor), request=request, model=box.severity_model
        )
        assert ticket.id is not None
        related.note_shared_incident(
            box.uow_factory(), box.read_uow_factory(), box.incidents, clock=box.clock, ticket_id=ticket.id
        )
        _show(box, ticket.id, as_json, zone)


@app.command("list")
@cli_errors
def list_(
    status: Annotated[str | None, typer.Option(help="Only this status.")] = None,
    severity: Annotated[str | None, typer.Option(help="Only this severity.")] = None,
    service_line: Annotated[str | None, typer.Option("--service-line")] = None,
    tier: Annotated[str | None, typer.Option("--tier", help="Only this customer tier.")] = None,
    owner: Annotated[str | None, typer.Option()] = None,
    open_only: Annotated[bool, typer.Option("--open", help="Only open tickets.")] = False,
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 50,
    after: Annotated[int | None, typer.Option(help="Continue after this ticket id (paging).")] = None,
    as_json: JsonOpt = False,
    tz: TzOpt = "UTC",
) -> None:
    """List tickets, oldest first."""
    query = TicketFilter(
        status=Status.parse(status).value if status else None,
        severity=Severity.parse(severity).value if severity else None,
        service_line=service_line,
        customer_tier=tier,
        owner=owner,
        open_only=open_only,
        limit=limit,
        after_id=after,
    )
    zone = _zone(tz)
    with container(sync_policy=False) as box:
        tickets = queries.list_tickets(box.read_uow_factory(), query)
    if as_json:
        print_json([render.ticket_summary(t) for t in tickets])
    else:
        out.print(render.tickets_table(tickets, zone))


@app.command("show")
@cli_errors
def show(ticket_id: int, as_json: JsonOpt = False, tz: TzOpt = "UTC") -> None:
    """A ticket with its SLA clocks, what falls due next, and its full timeline."""
    zone = _zone(tz)
    with container(sync_policy=False) as box:
        _show(box, ticket_id, as_json, zone)


@app.command("escalate")
@cli_errors
def escalate(
    ticket_id: int,
    reason: Annotated[str, typer.Option(help="Why (required; recorded).")],
    to: Annotated[str | None, typer.Option("--to", help="Target tier (default: the next one).")] = None,
    actor: AsOpt = "cli",
    role: RoleOpt = None,
    if_version: VersionOpt = None,
    as_json: JsonOpt = False,
    tz: TzOpt = "UTC",
) -> None:
    """Escalate to the next tier (or --to a higher one), as the policy's manual rules allow."""
    zone = _zone(tz)  # a bad --tz is refused before anything changes, not after
    with container() as box:
        ticket_service.escalate(
            box.uow_factory(),
            clock=box.clock,
            actor=_actor(actor, role),
            ticket_id=ticket_id,
            reason=reason,
            to_tier=to,
            expected_version=if_version,
        )
        _show(box, ticket_id, as_json, zone)


@app.command("deescalate")
@cli_errors
def deescalate(
    ticket_id: int,
    reason: Annotated[str, typer.Option(help="Why (required; recorded).")],
    to: Annotated[str | None, typer.Option("--to", help="Target tier (default: the one below).")] = None,
    actor: AsOpt = "cli",
    role: RoleOpt = None,
    if_version: VersionOpt = None,
    as_json: JsonOpt = False,
    tz: TzOpt = "UTC",
) -> None:
    """De-escalate (needs a role the policy allows, e.g. lead)."""
    zone = _zone(tz)  # a bad --tz is refused before anything changes, not after
    with container() as box:
        ticket_service.deescalate(
            box.uow_factory(),
            clock=box.clock,
            actor=_actor(actor, role),
            ticket_id=ticket_id,
            reason=reason,
            to_tier=to,
            expected_version=if_version,
        )
        _show(box, ticket_id, as_json, zone)


@app.command("override-severity")
@cli_errors
def override_severity(
    ticket_id: int,
    severity: Annotated[str, typer.Argument(help="New severity, Sev1-Sev4.")],
    reason: Annotated[str, typer.Option(help="Why (required; recorded).")],
    actor: AsOpt = "cli",
    if_version: VersionOpt = None,
    as_json: JsonOpt = False,
    tz: TzOpt = "UTC",
) -> None:
    """Override the severity; clocks are re-targeted, keeping the time already spent."""
    zone = _zone(tz)  # a bad --tz is refused before anything changes, not after
    with container() as box:
        ticket_service.override_severity(
            box.uow_factory(),
            clock=box.clock,
            actor=Actor(actor),
            ticket_id=ticket_id,
            severity=Severity.parse(severity),
            reason=reason,
            expected_version=if_version,
        )
        _show(box, ticket_id, as_json, zone)


@app.command("status")
@cli_errors
def status(
    ticket_id: int,
    new_status: Annotated[
        str, typer.Argument(help="triaged, in_progress, waiting_on_customer, resolved or closed.")
    ],
    reason: Annotated[str | None, typer.Option(help="Why (optional).")] = None,
    actor: AsOpt = "cli",
    if_version: VersionOpt = None,
    as_json: JsonOpt = False,
    tz: TzOpt = "UTC",
) -> None:
    """Move the ticket through its lifecycle (waiting_on_customer pauses the clocks)."""
    zone = _zone(tz)  # a bad --tz is refused before anything changes, not after
    with container() as box:
        ticket_service.change_status(
            box.uow_factory(),
            clock=box.clock,
            actor=Actor(actor),
            ticket_id=ticket_id,
            status=Status.parse(new_status),
            reason=reason,
            expected_version=if_version,
        )
        _show(box, ticket_id, as_json, zone)


@app.command("comment")
@cli_errors
def comment(
    ticket_id: int,
    body: Annotated[str, typer.Argument(help="The text.")],
    internal: Annotated[bool, typer.Option("--internal", help="An internal note, not a response.")] = False,
    customer: Annotated[bool, typer.Option("--customer", help="Written by the customer.")] = False,
    actor: AsOpt = "cli",
    as_json: JsonOpt = False,
    tz: TzOpt = "UTC",
) -> None:
    """Comment. A public agent comment is the first response and a status update."""
    zone = _zone(tz)  # a bad --tz is refused before anything changes, not after
    who = Actor(actor, frozenset({Role.CUSTOMER})) if customer else Actor(actor)
    with container() as box:
        ticket_service.add_comment(
            box.uow_factory(), clock=box.clock, actor=who, ticket_id=ticket_id, body=body, public=not internal
        )
        _show(box, ticket_id, as_json, zone)


@app.command("accept")
@cli_errors
def accept(ticket_id: int, actor: AsOpt = "cli", as_json: JsonOpt = False, tz: TzOpt = "UTC") -> None:
    """Accept ownership (the assigned owner must, within the policy's handoff time)."""
    zone = _zone(tz)  # a bad --tz is refused before anything changes, not after
    with container() as box:
        ticket_service.accept_ownership(
            box.uow_factory(), clock=box.clock, actor=Actor(actor), ticket_id=ticket_id
        )
        _show(box, ticket_id, as_json, zone)


@app.command("ack")
@cli_errors
def ack(
    ticket_id: int,
    page: Annotated[
        int | None, typer.Option(help="The page acknowledged (if over: nothing changes).")
    ] = None,
    note: Annotated[str | None, typer.Option(help="A note for the timeline.")] = None,
    actor: AsOpt = "cli",
    as_json: JsonOpt = False,
    tz: TzOpt = "UTC",
) -> None:
    """Acknowledge the ticket's open page: the paging chain stops."""
    zone = _zone(tz)  # a bad --tz is refused before anything changes, not after
    with container() as box:
        ticket_service.acknowledge_page(
            box.uow_factory(),
            clock=box.clock,
            actor=Actor(actor),
            ticket_id=ticket_id,
            via="cli",
            page=page,
            note=note,
        )
        _show(box, ticket_id, as_json, zone)


@app.command("gate")
@cli_errors
def gate(
    ticket_id: int,
    approve: Annotated[
        bool, typer.Option("--approve/--reject", help="Confirm or reject the gated severity.")
    ],
    note: Annotated[str | None, typer.Option(help="Why (required to reject).")] = None,
    fallback: Annotated[str | None, typer.Option(help="Severity to use if rejected.")] = None,
    actor: AsOpt = "cli",
    role: RoleOpt = None,
    as_json: JsonOpt = False,
    tz: TzOpt = "UTC",
) -> None:
    """Decide a pending decision gate (e.g. confirm a Sev1) as an approver role."""
    zone = _zone(tz)  # a bad --tz is refused before anything changes, not after
    with container() as box:
        ticket_service.decide_gate(
            box.uow_factory(),
            clock=box.clock,
            actor=_actor(actor, role),
            ticket_id=ticket_id,
            approved=approve,
            note=note,
            severity_if_rejected=Severity.parse(fallback) if fallback else None,
        )
        _show(box, ticket_id, as_json, zone)


@app.command("set-tier")
@cli_errors
def set_tier(
    ticket_id: int,
    tier: Annotated[str, typer.Argument(help="The customer's new tier.")],
    reason: Annotated[str, typer.Option(help="Why (required; recorded).")],
    actor: AsOpt = "cli",
    if_version: VersionOpt = None,
    as_json: JsonOpt = False,
    tz: TzOpt = "UTC",
) -> None:
    """Change the customer tier; clocks are re-targeted, keeping the time already spent."""
    zone = _zone(tz)  # a bad --tz is refused before anything changes, not after
    with container() as box:
        ticket_service.change_customer_tier(
            box.uow_factory(),
            clock=box.clock,
            actor=Actor(actor),
            ticket_id=ticket_id,
            tier=tier,
            reason=reason,
            expected_version=if_version,
        )
        _show(box, ticket_id, as_json, zone)


@app.command("impact")
@cli_errors
def impact(
    ticket_id: int,
    users: Annotated[int, typer.Argument(help="Users affected now.")],
    actor: AsOpt = "cli",
    as_json: JsonOpt = False,
    tz: TzOpt = "UTC",
) -> None:
    """Update how many users are affected (impact rules may fire)."""
    zone = _zone(tz)  # a bad --tz is refused before anything changes, not after
    with container() as box:
        ticket_service.update_impact(
            box.uow_factory(), clock=box.clock, actor=Actor(actor), ticket_id=ticket_id, users_affected=users
        )
        _show(box, ticket_id, as_json, zone)


app.command("import")(import_cmd.import_file)
