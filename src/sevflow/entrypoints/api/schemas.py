"""Request and response bodies. Requests forbid unknown fields (a typo is an error, not a
silently ignored value); responses are what the OpenAPI document promises."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- requests ------------------------------------------------------------------------------------


class TicketCreate(Strict):
    title: str = Field(min_length=1, max_length=1_000)
    service_line: str = Field(min_length=1, max_length=200)
    customer: str | None = Field(default=None, max_length=200, description="Customers: left out (their own).")
    customer_tier: str | None = Field(
        default=None, max_length=200, description="Default: the customer's tier."
    )
    description: str = Field(default="", max_length=100_000)
    services: list[str] = Field(default_factory=list, max_length=100)
    users_affected: int = Field(default=0, ge=0, le=10**9)
    severity: Literal["Sev1", "Sev2", "Sev3", "Sev4"] | None = None
    severity_reason: str | None = Field(default=None, max_length=10_000)
    external_id: str | None = Field(default=None, min_length=1, max_length=200)


class CommentCreate(Strict):
    body: str = Field(min_length=1, max_length=100_000)
    public: bool = True


class StatusChange(Strict):
    status: Literal["new", "triaged", "in_progress", "waiting_on_customer", "resolved", "closed"]
    reason: str | None = Field(default=None, max_length=10_000)


class SeverityOverride(Strict):
    severity: Literal["Sev1", "Sev2", "Sev3", "Sev4"]
    reason: str = Field(min_length=1, max_length=10_000)


class TierMove(Strict):
    reason: str = Field(min_length=1, max_length=10_000)
    to_tier: str | None = Field(default=None, max_length=200)


class GateDecision(Strict):
    decision: Literal["approve", "reject"]
    note: str | None = Field(default=None, max_length=10_000)
    severity_if_rejected: Literal["Sev1", "Sev2", "Sev3", "Sev4"] | None = None


class PageAcknowledgement(Strict):
    page: int | None = Field(
        default=None, ge=1, description="The page being acknowledged; over already: nothing changes."
    )
    note: str | None = Field(default=None, max_length=10_000)


class CustomerTierChange(Strict):
    customer_tier: str = Field(min_length=1, max_length=200)
    reason: str = Field(min_length=1, max_length=10_000)


class ImpactUpdate(Strict):
    users_affected: int = Field(ge=0, le=10**9)


class SignIn(Strict):
    name: str = Field(min_length=1, max_length=100)
    password: str = Field(min_length=1, max_length=1024)


class TokenCreate(Strict):
    label: str = Field(min_length=1, max_length=200)
    user: str | None = Field(default=None, max_length=100, description="Admins: whose token. Default: yours.")
    expires_at: AwareDatetime | None = Field(default=None, description="With a time zone offset (or Z).")


class UserCreate(Strict):
    name: str = Field(min_length=1, max_length=100)
    role: Literal["viewer", "agent", "lead", "manager", "admin", "customer"]
    password: str | None = Field(default=None, min_length=12, max_length=1024)
    duties: list[Literal["incident_commander", "senior_engineer", "on_call"]] = Field(default_factory=list)
    organisation: str | None = Field(default=None, max_length=200)


class CustomerPut(Strict):
    tier: str = Field(min_length=1, max_length=200)
    email_domains: list[str] = Field(default_factory=list, max_length=100)


class AwayChange(Strict):
    away: bool


# --- responses -----------------------------------------------------------------------------------


class ClockOut(BaseModel):
    clock: str
    state: str
    calendar: str
    target_minutes: int
    elapsed_seconds: int
    remaining_seconds: int
    percent: float
    deadline_at: datetime | None
    breached: bool
    met: bool | None


class EventOut(BaseModel):
    seq: int
    at: datetime
    kind: str
    actor: str
    reason: str | None
    rule: str | None
    data: dict[str, Any]
    policy_version: str


class DueOut(BaseModel):
    key: str
    kind: str
    due_at: datetime
    rule: str | None


class PageOut(BaseModel):
    """The open page: who was paged last (``to``, as ``target`` of the chain), until when they
    may acknowledge before the next step, and everyone paged so far."""

    number: int
    round: int
    step: int
    to: str
    target: str
    paged_at: datetime
    ack_due_at: datetime
    opened_at: datetime
    trigger: str
    paged: list[str]


class TicketOut(BaseModel):
    """A ticket. Fields about internal handling (tier, team, owner, gate, plan) are ``null`` in
    customers' views."""

    id: int
    version: int
    title: str
    description: str
    status: str
    severity: str
    sla_state: str
    service_line: str
    customer: str
    customer_tier: str
    services: list[str]
    users_affected: int
    channel: str
    external_id: str | None
    created_at: datetime
    updated_at: datetime
    next_deadline_at: datetime | None
    proposed_severity: str | None = None
    tier: str | None = None
    team: str | None = None
    owner: str | None = None
    owner_accepted: bool | None = None
    gate: str | None = None
    page: PageOut | None = None
    policy_version: str | None = None


class StepOut(BaseModel):
    at: datetime
    kind: str
    reason: str | None
    rule: str | None
    tier: str
    owner: str | None


class TicketDetail(TicketOut):
    clocks: list[ClockOut]
    timeline: list[EventOut]
    plan: list[DueOut]
    projection: list[StepOut] = Field(description="Only with ?projection=true (never for customers).")


class TicketPage(BaseModel):
    items: list[TicketOut]
    next_cursor: str | None = Field(description="Pass as ?cursor= for the next page; null on the last page.")


class AuditOut(BaseModel):
    id: int | None
    at: datetime
    actor: str
    action: str
    outcome: str
    reason: str
    ticket_id: int | None
    target: str | None


class TrailOut(BaseModel):
    events: list[EventOut]
    refused: list[AuditOut]


class AttemptOut(BaseModel):
    number: int = Field(description="1 for the first attempt at the message, 2 for the next...")
    at: datetime
    channel: str
    target: str = Field(description="Where it went, without secrets (host and path, SMTP server).")
    outcome: Literal["delivered", "failed", "refused"]
    status: int | None = Field(description="The receiver's HTTP status or SMTP reply code.")
    latency_ms: float
    error: str | None


class DeliveryOut(BaseModel):
    """One queued notification and its attempts, oldest first."""

    id: int
    event_seq: int
    event_kind: str
    idempotency_key: str = Field(description="Sent with every attempt; receivers drop duplicates by it.")
    channel: str
    template: str
    digest: str | None
    recipients: list[str]
    urgent: bool
    created_at: datetime
    status: Literal["pending", "sent", "dead"]
    attempts: list[AttemptOut]


class DeliveriesOut(BaseModel):
    items: list[DeliveryOut]


class PushOut(BaseModel):
    feature: str = Field(description="A word, phrase or field (`service line: payments`).")
    weight: float = Field(description="Its share of the severity's score; larger pushed harder.")


class ModelProposalOut(BaseModel):
    version: str = Field(description="The model's id (its artifact).")
    severity: str = Field(description="What the model proposed under the policy's thresholds.")
    probabilities: dict[str, float] = Field(description="Calibrated probability of each severity.")
    pushes: list[PushOut] = Field(description="What pushed the model toward its proposal, strongest first.")
    notes: list[str] = Field(description="What was done to the text (HTML stripped, truncated).")


class RulesProposalOut(BaseModel):
    severity: str | None = Field(description="The intake rules' floor (None: no rule matched).")
    matched: list[str]


class CorrectionOut(BaseModel):
    severity: str
    at: datetime
    actor: str
    reason: str


class RelatedOut(BaseModel):
    ticket_id: int
    score: float = Field(description="Similarity of the two tickets' words, 0-1.")
    likely_shared: bool = Field(
        description="Open, same service line, opened within the policy's window, a near-duplicate: "
        "probably the same incident."
    )
    open: bool
    title: str
    severity: str
    status: str
    service_line: str
    opened_at: datetime


class RelatedPage(BaseModel):
    items: list[RelatedOut]


class TriageOut(BaseModel):
    """How the ticket's severity was decided at intake, and corrected since."""

    proposed: str = Field(description="Intake's proposal: rules and model together.")
    source: Literal["rules", "forced", "model", "default"]
    opened_as: str = Field(
        description="The severity it opened with (declared by the caller, or the proposal)."
    )
    reason: str | None
    rules: RulesProposalOut
    model: ModelProposalOut | None = Field(description="None: no model was consulted.")
    corrections: list[CorrectionOut] = Field(description="Severities people set against the proposal.")


class AuditPage(BaseModel):
    items: list[AuditOut]
    next_cursor: str | None


class IntakeOut(BaseModel):
    ticket_id: int
    created: bool
    skipped: list[str]


class SessionOut(BaseModel):
    user: str
    role: str
    csrf_token: str
    expires_at: datetime


class TokenOut(BaseModel):
    id: str
    user: str
    label: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None


class NewTokenOut(TokenOut):
    token: str = Field(description="The token itself: shown this once, never again.")


class UserOut(BaseModel):
    name: str
    role: str
    duties: list[str]
    organisation: str | None
    active: bool
    has_password: bool
    created_at: datetime


class CustomerOut(BaseModel):
    name: str
    tier: str
    email_domains: list[str]
    created_at: datetime


class TeamOut(BaseModel):
    name: str
    service_line: str
    tier: str
    lead: str
    members: list[str]


class AgentOut(BaseModel):
    name: str
    teams: list[str]
    leads: list[str]
    open_tickets: int
    away: bool


class ServiceLineOut(BaseModel):
    name: str
    queue: str
    manager: str
    services: list[str]
    teams: dict[str, str]
    owners: dict[str, dict[str, str]]


class PolicyVersionOut(BaseModel):
    version: str
    name: str
    created_at: datetime
    active: bool


class PolicyOut(BaseModel):
    version: str
    name: str
    source: str
    summary: dict[str, Any]
