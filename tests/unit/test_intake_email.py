"""E-mail messages (RFC 5322) as ticket events."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sevflow.adapters.intake.email_message import html_to_text, parse_email, strip_quoted
from sevflow.domain.errors import InvalidInput
from sevflow.domain.incoming import IncomingKind, IncomingTicket

FIXTURES = Path(__file__).parents[1] / "fixtures" / "intake"


def load(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def message(headers: str, body: str = "Hello") -> bytes:
    return (headers.strip() + "\nContent-Type: text/plain; charset=utf-8\n\n" + body).encode("utf-8")


def test_a_new_message_opens_a_ticket_named_by_its_message_id() -> None:
    assert parse_email(load("email_new_plain.eml")) == IncomingTicket(
        source="email",
        external_id="email:CAF=k3q9XbV2oLx7u_5d1Q@mail.example-crm.com",
        kind=IncomingKind.CREATED,
        title="Webhooks to our CRM stopped arriving",
        description=(
            "Hello,\n\nsince 08:40 UTC today no webhook has reached our CRM.\n"
            "The last delivery we received had id wh_8f2a1c.\n\nCould you check on your side?\n\n"
            "Ana Souza\nIntegration lead, Example CRM"
        ),
        requester="ana.souza@example-crm.com",
        occurred_at=datetime(2024, 6, 3, 9, 7, 9, tzinfo=UTC),
    )


def test_a_reply_names_its_thread_root_as_external_id_and_the_rest_most_recent_first() -> None:
    assert parse_email(load("email_reply_quoted.eml")) == IncomingTicket(
        source="email",
        external_id="email:CAF=k3q9XbV2oLx7u_5d1Q@mail.example-crm.com",
        kind=IncomingKind.UPDATED,
        title="Webhooks to our CRM stopped arriving",
        requester="ana.souza@example-crm.com",
        comment=(
            "Thanks, deliveries are arriving again since 10:58.\n"
            "We still miss the ones between 08:40 and 10:58 - can you replay them?"
        ),
        related_ids=(
            "email:20240603095512.7f3a@support.example.com",
            "email:20240603092001.1b2c@support.example.com",
        ),
        occurred_at=datetime(2024, 6, 3, 10, 15, 40, tzinfo=UTC),
    )


def test_a_multipart_alternative_message_uses_its_plain_text_part() -> None:
    assert parse_email(load("email_multipart_alternative.eml")) == IncomingTicket(
        source="email",
        external_id="email:a1b2c3d4e5f6.1717573518@example-logistics.pl",
        kind=IncomingKind.CREATED,
        title="Tracking page shows wrong delivery dates",
        description=(
            "Hi,\n\nthe public tracking page shows delivery dates one day early for parcels\n"
            "routed through Poznań.\n\nExample: parcel PL-0042-7781 shows 6 June, the carrier says 7 June.\n\n"
            "Marek"
        ),
        requester="marek.nowak@example-logistics.pl",
        occurred_at=datetime(2024, 6, 5, 7, 45, 18, tzinfo=UTC),  # "-0000": UTC, zone unknown
    )


def test_an_html_only_reply_becomes_text_without_its_quote_or_attachment() -> None:
    assert parse_email(load("email_html_reply_with_attachment.eml")) == IncomingTicket(
        source="email",
        external_id="email:20240605101500.99aa@support.example.com",
        kind=IncomingKind.UPDATED,
        title="Tracking page shows wrong delivery dates",
        requester="marek.nowak@example-logistics.pl",
        comment="Still wrong for parcels from Gdańsk & Poznań:\n- PL-0042-7790\n- PL-0042-7791\n"
        "Screenshot attached.\nMarek",
        occurred_at=datetime(2024, 6, 5, 12, 2, 51, tzinfo=UTC),
    )


def test_an_encoded_subject_and_a_latin1_quoted_printable_body_decode() -> None:
    assert parse_email(load("email_latin1_quoted_printable.eml")) == IncomingTicket(
        source="email",
        external_id="email:5f1e2d3c.4b5a.4a1b@beispiel-versand.de",
        kind=IncomingKind.CREATED,
        title="Anmeldung schlägt für alle Benutzer fehl",
        description=(
            "Guten Tag,\n\nseit heute Morgen schlägt die Anmeldung für alle Benutzer fehl. "
            "Die Fehlermeldung lautet: »Zugriff verweigert«. Betroffen sind etwa 40 Kolleginnen und "
            "Kollegen in Köln.\n\nMit freundlichen Grüßen\nJürgen Müller"
        ),
        requester="j.mueller@beispiel-versand.de",
        occurred_at=datetime(2024, 6, 4, 6, 30, tzinfo=UTC),
    )


def test_a_base64_utf8_body_and_subject_decode() -> None:
    assert parse_email(load("email_base64_utf8.eml")) == IncomingTicket(
        source="email",
        external_id="email:0100018fe1a2b3c4-5d6e7f80-9a0b-4c1d-8e2f-3a4b5c6d7e8f-000000@email.example.co.jp",
        kind=IncomingKind.CREATED,
        title="API が 503 を返します",
        description="サーバーが応答しません。\nThe API has answered 503 since 09:00 UTC 🙁\n\n田中 花子",
        requester="hanako.tanaka@example.co.jp",
        occurred_at=datetime(2024, 6, 4, 9, 2, 33, tzinfo=UTC),
    )


@pytest.mark.parametrize("headers", ["From: a@example.com\nSubject: Help", "Message-ID: <>", "Message-ID:  "])
def test_a_message_without_message_id_is_refused(headers: str) -> None:
    with pytest.raises(InvalidInput) as err:
        parse_email(message(headers))
    assert str(err.value) == (
        "e-mail message: the Message-ID header is missing or empty; expected e.g. "
        "Message-ID: <unique-id@mail.example.com>"
    )


@pytest.mark.parametrize(
    ("subject", "title"),
    [
        ("Re: Fwd: AW: WG: Login broken", "Login broken"),
        ("RE[2]: Fw: Login broken", "Login broken"),
        ("re:re:Login broken", "Login broken"),
        ("Regarding: Re: the invoice", "Regarding: Re: the invoice"),
        ("Re:", "(no subject)"),
        ("", "(no subject)"),
        ("Folded\n subject  line", "Folded subject line"),
    ],
)
def test_reply_and_forward_prefixes_are_stripped_from_the_subject(subject: str, title: str) -> None:
    raw = message(f"Message-ID: <1@x>\nFrom: a@example.com\nSubject: {subject}")
    assert parse_email(raw).title == title


def test_a_message_without_subject_header_has_a_placeholder_title() -> None:
    assert parse_email(message("Message-ID: <1@x>\nFrom: a@example.com")).title == "(no subject)"


def test_a_reply_with_only_in_reply_to_is_threaded_under_that_id() -> None:
    ticket = parse_email(message("Message-ID: <2@x>\nIn-Reply-To: <1@x>\nSubject: Re: Help"))
    assert (ticket.kind, ticket.external_id, ticket.related_ids) == (IncomingKind.UPDATED, "email:1@x", ())


def test_ids_without_angle_brackets_are_still_read() -> None:
    ticket = parse_email(message("Message-ID: <3@x>\nReferences: 1@x 2@x\nSubject: Re: Help"))
    assert (ticket.external_id, ticket.related_ids) == ("email:1@x", ("email:2@x",))


def test_an_unreadable_date_leaves_the_time_unknown() -> None:
    assert parse_email(message("Message-ID: <1@x>\nDate: the day before yesterday")).occurred_at is None


def test_a_from_without_an_address_gives_no_requester() -> None:
    assert parse_email(message("Message-ID: <1@x>")).requester is None


def test_a_body_in_an_unknown_charset_is_read_as_far_as_possible() -> None:
    raw = b"Message-ID: <1@x>\nContent-Type: text/plain; charset=x-made-up\n\nplain ascii text \xff"
    assert parse_email(raw).description == "plain ascii text \ufffd"


def test_a_message_that_is_only_an_attachment_has_an_empty_description() -> None:
    raw = (
        b"Message-ID: <1@x>\nSubject: scan\nContent-Type: application/pdf\n"
        b"Content-Disposition: attachment; filename=scan.pdf\nContent-Transfer-Encoding: base64\n\nJVBERi0=\n"
    )
    assert parse_email(raw).description == ""


def test_quoted_lines_and_the_attribution_before_them_are_removed() -> None:
    text = (
        "Danke, jetzt geht es.\n\n"
        "Am Di., 4. Juni 2024 um 09:12 Uhr schrieb Support <support@example.com>:\n\n"
        "> Bitte erneut versuchen.\n"
        ">> alte Nachricht\n"
    )
    assert strip_quoted(text) == "Danke, jetzt geht es."


def test_interleaved_answers_between_quotes_are_kept() -> None:
    text = "> Which region?\nEU only.\n> Since when?\nSince 09:00 UTC."
    assert strip_quoted(text) == "EU only.\nSince 09:00 UTC."


def test_a_line_that_merely_starts_with_on_is_not_an_attribution() -> None:
    assert strip_quoted("On Monday it worked.\nNow it does not.") == "On Monday it worked.\nNow it does not."


def test_html_becomes_readable_text() -> None:
    markup = (
        "<html><head><title>x</title><style>p{color:red}</style><script>alert(1)</script></head>"
        "<body><h1>Outage</h1><p>Payments&nbsp;fail &amp; refunds   too.<br>Since <b>09:00</b>.</p>"
        "<blockquote><p>earlier message</p></blockquote></body></html>"
    )
    assert html_to_text(markup) == "Outage\nPayments fail & refunds too.\nSince 09:00.\n> earlier message"


@given(
    name=st.sampled_from(sorted(p.name for p in FIXTURES.glob("*.eml"))),
    changes=st.lists(
        st.tuples(st.integers(min_value=0), st.sampled_from(list(b'<>@:;"=?\n\r \x00\xff()[],\\QB'))),
        max_size=20,
    ),
)
def test_a_damaged_message_gives_a_ticket_or_invalid_input(name: str, changes: list[tuple[int, int]]) -> None:
    raw = bytearray(load(name))
    for at, byte in changes:
        raw[at % len(raw)] = byte
    with contextlib.suppress(InvalidInput):
        parse_email(bytes(raw))
