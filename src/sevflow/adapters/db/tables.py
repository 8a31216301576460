"""The schema, as SQLAlchemy Core tables. Migrations (``migrations/versions``) must match it;
``tests/integration/test_db_schema.py`` checks that they do.

A ticket is stored as its whole ``Ticket.to_snapshot()`` in ``tickets.state``; the other
ticket columns are copies of snapshot fields, kept only so listings can filter and index.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    false,
    text,
)

from sevflow.adapters.db.types import UTCDateTime

# Deterministic constraint names, so migrations can refer to them on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)

# Bounded types only for values sevflow itself controls (versions, statuses, kinds). Names and
# free text are TEXT: the domain allows long values, SQLite ignores lengths anyway, and a bound
# PostgreSQL alone enforced would make the same input fail on one store only.
SHORT = 64  # policy versions, statuses, severities, event kinds

policies = Table(
    "policies",
    metadata,
    Column("version", String(SHORT), primary_key=True),
    Column("name", Text, nullable=False),
    Column("source_text", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("active", Boolean, nullable=False),
    # at most one active policy
    Index(
        "uq_policies_active",
        "active",
        unique=True,
        sqlite_where=text("active"),
        postgresql_where=text("active"),
    ),
)

tickets = Table(
    "tickets",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("version", Integer, nullable=False),
    Column("policy_version", String(SHORT), ForeignKey("policies.version"), nullable=False),
    Column("external_id", Text, nullable=True),
    Column("status", String(SHORT), nullable=False),
    Column("is_open", Boolean, nullable=False),
    Column("severity", String(SHORT), nullable=False),
    Column("service_line", Text, nullable=False),
    Column("customer", Text, nullable=False),
    Column("customer_tier", Text, nullable=False),
    Column("owner", Text, nullable=True),
    Column("tier", Text, nullable=False),
    Column("team", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("state", JSON, nullable=False),
    # the board's read model (``domain.sla_marks``): the SLA state at any instant, without the
    # snapshot; and the title, for board and queue rows
    Column("title", Text, nullable=False, server_default=text("''")),
    Column("deadline_at", UTCDateTime, nullable=True),
    Column("deadline_clock", String(SHORT), nullable=True),
    Column("at_risk_at", UTCDateTime, nullable=True),
    Column("stalled_at", UTCDateTime, nullable=True),
    Column("sla_breached", Boolean, nullable=False, server_default=false()),
    Column("sla_paused", Boolean, nullable=False, server_default=false()),
    Column("gate", Text, nullable=True),
    Column("gate_due_at", UTCDateTime, nullable=True),
    Index(
        "uq_tickets_external_id",
        "external_id",
        unique=True,
        sqlite_where=text("external_id IS NOT NULL"),
        postgresql_where=text("external_id IS NOT NULL"),
    ),
    Index("ix_tickets_is_open_severity", "is_open", "severity"),
    Index("ix_tickets_owner_is_open", "owner", "is_open"),
    Index("ix_tickets_service_line_is_open", "service_line", "is_open"),
    Index("ix_tickets_is_open_deadline_at", "is_open", "deadline_at"),
)

ticket_events = Table(
    "ticket_events",
    metadata,
    Column("ticket_id", Integer, ForeignKey("tickets.id"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("kind", String(SHORT), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("actor", Text, nullable=False),
    Column("reason", Text, nullable=True),
    Column("rule", Text, nullable=True),
    Column("key", Text, nullable=True),
    Column("policy_version", String(SHORT), nullable=False),
    Column("data", JSON, nullable=False),
    PrimaryKeyConstraint("ticket_id", "seq"),
    # a timer or rule firing is recorded at most once, even when two workers race
    Index(
        "uq_ticket_events_ticket_id_key",
        "ticket_id",
        "key",
        unique=True,
        sqlite_where=text("key IS NOT NULL"),
        postgresql_where=text("key IS NOT NULL"),
    ),
)

timers = Table(
    "timers",
    metadata,
    Column("ticket_id", Integer, ForeignKey("tickets.id"), nullable=False),
    Column("key", Text, nullable=False),
    Column("due_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("ticket_id", "key"),
    # claim_due walks this index in order: cost follows the due rows, not the table
    Index("ix_timers_due_at", "due_at", "ticket_id", "key"),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("ticket_id", Integer, ForeignKey("tickets.id"), nullable=False),
    Column("event_seq", Integer, nullable=False),
    Column("idempotency_key", Text, nullable=False, unique=True),
    Column("event_kind", String(SHORT), nullable=False),
    Column("channel", String(SHORT), nullable=False, server_default="log"),
    Column("recipients", JSON, nullable=False),
    Column("payload", JSON, nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Index("ix_outbox_status_next_attempt_at", "status", "next_attempt_at"),
    Index("ix_outbox_ticket_id_event_seq", "ticket_id", "event_seq"),
)

# the delivery log: every attempt at every queued notification
deliveries = Table(
    "deliveries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("outbox_id", Integer, ForeignKey("outbox.id"), nullable=False),
    Column("ticket_id", Integer, ForeignKey("tickets.id"), nullable=False),
    Column("number", Integer, nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("channel", String(SHORT), nullable=False),
    Column("target", Text, nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("status", Integer, nullable=True),
    Column("latency_ms", Float, nullable=False),
    Column("error", Text, nullable=True),
    Index("ix_deliveries_ticket_id_id", "ticket_id", "id"),
    Index("ix_deliveries_outbox_id", "outbox_id"),
)

agents = Table(
    "agents",
    metadata,
    Column("name", Text, primary_key=True),
    Column("open_tickets", Integer, nullable=False),
    Column("away", Boolean, nullable=False),
)

# Accounts: who uses sevflow over HTTP (records in ``sevflow.domain.accounts``). Only hashes of
# token secrets and session ids are stored.
HASH = 128  # hex digests (SHA-256 is 64 characters; room for a longer one)

users = Table(
    "users",
    metadata,
    Column("name", Text, primary_key=True),
    Column("role", String(SHORT), nullable=False),
    Column("duties", JSON, nullable=False),  # policy role values, sorted
    Column("organisation", Text, nullable=True),
    Column("password_hash", Text, nullable=True),
    Column("active", Boolean, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", String(SHORT), primary_key=True),
    Column("user", Text, ForeignKey("users.name"), nullable=False),
    Column("label", Text, nullable=False),
    Column("secret_hash", String(HASH), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=True),
    Column("last_used_at", UTCDateTime, nullable=True),
    Column("revoked_at", UTCDateTime, nullable=True),
    Index("ix_api_tokens_user", "user"),
)

web_sessions = Table(
    "web_sessions",
    metadata,
    Column("id_hash", String(HASH), primary_key=True),
    Column("user", Text, ForeignKey("users.name"), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime, nullable=True),
)

login_failures = Table(
    "login_failures",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("subject", Text, nullable=False),  # "user:NAME" or "ip:ADDRESS"
    Column("at", UTCDateTime, nullable=False),
    Index("ix_login_failures_subject_at", "subject", "at"),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", UTCDateTime, nullable=False),
    Column("actor", Text, nullable=False),
    Column("action", String(SHORT), nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("reason", Text, nullable=False),
    # no foreign key: a denied attempt may name a ticket that does not exist
    Column("ticket_id", Integer, nullable=True),
    Column("target", Text, nullable=True),
    Index("ix_audit_log_ticket_id_id", "ticket_id", "id"),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("actor", Text, nullable=False),
    Column("key", Text, nullable=False),
    Column("operation", String(SHORT), nullable=False),
    Column("fingerprint", String(HASH), nullable=False),
    Column("ticket_id", Integer, nullable=False),
    Column("status_code", Integer, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("actor", "key"),
    Index("ix_idempotency_keys_created_at", "created_at"),  # prune
)

customers = Table(
    "customers",
    metadata,
    Column("name", Text, primary_key=True),
    Column("tier", Text, nullable=False),
    Column("email_domains", JSON, nullable=False),  # lower-case
    Column("created_at", UTCDateTime, nullable=False),
)

# == the metrics' read model (``domain.outcomes``) ============================================

ticket_outcomes = Table(
    "ticket_outcomes",
    metadata,
    Column("ticket_id", Integer, ForeignKey("tickets.id"), primary_key=True),
    Column("day", String(10), nullable=False),  # YYYY-MM-DD (UTC) it closed: its daily_outcomes row
    Column("closed_at", UTCDateTime, nullable=False),
    Column("severity", String(SHORT), nullable=False),
    Column("service_line", Text, nullable=False),
    Column("customer_tier", Text, nullable=False),
    Column("first_response_seconds", Integer, nullable=True),
    Column("first_response_met", Boolean, nullable=True),
    Column("resolution_seconds", Integer, nullable=True),
    Column("resolution_met", Boolean, nullable=True),
    Column("escalations", Integer, nullable=False),
    Column("escalations_on_time", Integer, nullable=False),
)

# the outcomes summed per day and breakdown: what the metrics page reads (at most a few
# thousand rows for 90 days, however many tickets closed)
daily_outcomes = Table(
    "daily_outcomes",
    metadata,
    Column("day", String(10), nullable=False),
    Column("severity", String(SHORT), nullable=False),
    Column("service_line", Text, nullable=False),
    Column("customer_tier", Text, nullable=False),
    Column("tickets", Integer, nullable=False),
    Column("first_response_measured", Integer, nullable=False),
    Column("first_response_met", Integer, nullable=False),
    Column("first_response_seconds", BigInteger, nullable=False),
    Column("resolution_measured", Integer, nullable=False),
    Column("resolution_met", Integer, nullable=False),
    Column("resolution_seconds", BigInteger, nullable=False),
    Column("escalated", Integer, nullable=False),
    Column("escalations", Integer, nullable=False),
    Column("escalations_on_time", Integer, nullable=False),
    PrimaryKeyConstraint("day", "severity", "service_line", "customer_tier"),
)

# == how new tickets were triaged, and people's corrections (``domain.triage_record``) ==========

triage_records = Table(
    "triage_records",
    metadata,
    Column("ticket_id", Integer, ForeignKey("tickets.id"), primary_key=True),
    Column("opened_at", UTCDateTime, nullable=False),
    Column("week", String(10), nullable=False),  # YYYY-MM-DD, the Monday (UTC) of opened_at
    Column("title", Text, nullable=False),
    Column("description", Text, nullable=False),
    Column("service_line", Text, nullable=False),
    Column("customer_tier", Text, nullable=False),
    Column("channel", Text, nullable=False),
    Column("services", JSON, nullable=False),
    Column("users_affected", Integer, nullable=False),
    Column("proposed", String(SHORT), nullable=False),
    Column("source", String(SHORT), nullable=False),
    Column("model_severity", String(SHORT), nullable=True),
    Column("model_version", String(SHORT), nullable=True),
    Column("corrected_to", String(SHORT), nullable=True),
    Column("corrected_at", UTCDateTime, nullable=True),
    Column("corrected_by", Text, nullable=True),
    Column("correction_reason", Text, nullable=True),
    Index("ix_triage_records_week", "week"),
)

OUTBOX_PENDING = "pending"
OUTBOX_SENT = "sent"
OUTBOX_DEAD = "dead"
