"""Reading tickets to import from JSON Lines and CSV files (``adapters/ticket_files.py``): every
ticket that can be read becomes a ``NewTicket`` with the line it starts on, every record that
cannot is a problem with its line number -- all of them in one pass -- and only a file that
cannot be used at all is refused outright."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from sevflow.domain.errors import InvalidInput
from sevflow.domain.severity import Severity
from sevflow.entrypoints.ticket_files import TicketFileError, read_ticket_file
from sevflow.services.tickets import NewTicket

FIELDS = (
    "title, service_line, customer, customer_tier, description, services, users_affected, severity, "
    "severity_reason, channel, external_id"
)
PLAIN = {
    "title": "Refund totals look wrong",
    "service_line": "payments",
    "customer": "Globex",
    "customer_tier": "enterprise",
}
CSV_HEADER = "title,service_line,customer,customer_tier"
CHECKOUT = NewTicket(
    title="Checkout down, EU cards",
    service_line="payments",
    customer="Initech",
    customer_tier="business",
    services=("checkout", "billing"),
    users_affected=250,
    severity=Severity.SEV2,
    severity_reason="card network says so",
    channel="import",
)


def plain(**changes: Any) -> NewTicket:
    """The ticket ``PLAIN`` reads as, with ``changes``."""
    ticket = NewTicket("Refund totals look wrong", "payments", "Globex", "enterprise", channel="import")
    return replace(ticket, **changes)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def line(**fields: Any) -> str:
    """A JSON Lines record: the plain ticket with ``fields`` changed."""
    return json.dumps(PLAIN | fields, ensure_ascii=False)


def read(path: Path) -> tuple[list[tuple[int, NewTicket]], list[tuple[int, str]]]:
    result = read_ticket_file(path)
    return [(row.line, row.ticket) for row in result.rows], result.problems


def refusal(path: Path) -> str:
    with pytest.raises(InvalidInput) as error:
        read_ticket_file(path)
    return str(error.value)


# == reading ==================================================================================


def test_a_json_lines_file_becomes_new_tickets_with_the_line_each_starts_on(tmp_path: Path) -> None:
    full = {
        "title": " Checkout down, EU cards ",
        "service_line": "payments",
        "customer": "Initech",
        "customer_tier": "business",
        "description": "Every EU card is declined",
        "services": ["checkout", " billing "],
        "users_affected": 250,
        "severity": "sev2",
        "severity_reason": "card network says so",
        "channel": "email",
        "external_id": "ZD-1001",
    }
    records = [json.dumps(full), "", "   ", line(external_id=42), line(severity=1, users_affected=0)]
    path = write(tmp_path, "tickets.jsonl", "\n".join(records) + "\n")

    assert read(path) == (
        [
            (
                1,
                replace(
                    CHECKOUT, description="Every EU card is declined", channel="email", external_id="ZD-1001"
                ),
            ),
            (4, plain(external_id="42")),
            (5, plain(severity=Severity.SEV1)),
        ],
        [],
    )


@pytest.mark.parametrize("name", ["tickets.ndjson", "TICKETS.JSONL"])
def test_ndjson_and_upper_case_extensions_are_read_as_json_lines(tmp_path: Path, name: str) -> None:
    assert read(write(tmp_path, name, line() + "\n")) == ([(1, plain())], [])


def test_a_csv_file_becomes_new_tickets_with_services_separated_by_semicolons(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "tickets.csv",
        "external_id,title,service_line,customer,customer_tier,services,users_affected,severity,severity_reason\n"
        '7,"Checkout down, EU cards",payments,Initech,business,checkout; billing;,250,S2,card network says so\n'
        ",,,,,,,,\n"
        "\n"
        "8,Refund totals look wrong,payments,Globex,enterprise,,,,\n",
    )

    assert read(path) == ([(2, replace(CHECKOUT, external_id="7")), (5, plain(external_id="8"))], [])


@pytest.mark.parametrize(
    ("name", "text", "number"),
    [
        ("tickets.jsonl", line() + "\n", 1),
        ("tickets.csv", f"{CSV_HEADER}\r\nRefund totals look wrong,payments,Globex,enterprise\r\n", 2),
    ],
    ids=["json lines", "csv"],
)
def test_a_byte_order_mark_at_the_start_of_the_file_is_accepted(
    tmp_path: Path, name: str, text: str, number: int
) -> None:
    path = tmp_path / name
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())

    assert read(path) == ([(number, plain())], [])


# == problems: every one, with its line, in one pass =================================================


def test_every_bad_json_line_is_reported_with_its_line_number_and_the_good_ones_are_still_read(
    tmp_path: Path,
) -> None:
    lines = [
        line(external_id="A-1"),
        '{"title": "Refund totals look wrong", "service_line": "payments" "customer": "Globex"}',
        "[1, 2]",
        line(priority="high", colour="red"),
        json.dumps({"title": "No tier", "service_line": "payments", "customer": "Globex"}),
        line(users_affected=-3),
        line(users_affected=2.5),
        line(users_affected="many"),
        line(severity="urgent"),
        line(customer=True),
        line(services="checkout, refunds"),
        line(services=[1]),
        line(external_id="A-1"),
        line(external_id=7),
        "",
        line(external_id="7"),
    ]
    path = write(tmp_path, "tickets.jsonl", "\n".join(lines) + "\n")

    assert read(path) == (
        [
            (1, plain(external_id="A-1")),
            (11, plain(services=("checkout", "refunds"))),
            (14, plain(external_id="7")),
        ],
        [
            (2, "not valid JSON (Expecting ',' delimiter at column 66)"),
            (3, "expected a JSON object, got list"),
            (4, f"unknown field(s) 'colour', 'priority'; the fields are {FIELDS}"),
            (5, "missing customer_tier (required: title, service_line, customer, customer_tier)"),
            (6, "users_affected must be a whole number >= 0, got -3"),
            (7, "users_affected must be a whole number >= 0, got 2.5"),
            (8, "users_affected must be a whole number >= 0, got 'many'"),
            (9, "unknown severity 'urgent'; allowed: Sev1, Sev2, Sev3, Sev4"),
            (10, "customer must be text, got true"),
            (12, "services must be a list of service names"),
            (13, "external_id 'A-1' is also on line 1"),
            (16, "external_id '7' is also on line 14"),
        ],
    )


def test_every_bad_csv_row_is_reported_with_its_line_number(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "tickets.csv",
        f"{CSV_HEADER},users_affected,severity,external_id\n"
        "Refund totals look wrong,payments,Globex,enterprise,,,Z-1\n"
        "Refund totals look wrong,payments,Globex\n"
        "Refund totals look wrong,payments,Globex,enterprise,,,Z-2,surplus\n"
        "Refund totals look wrong,payments,Globex,enterprise,-1,,\n"
        "Refund totals look wrong,payments,Globex,enterprise,1.5,,\n"
        "Refund totals look wrong,payments,Globex,enterprise,,Sev7,\n"
        "Refund totals look wrong,payments,,enterprise,,,\n"
        "Refund totals look wrong,payments,Globex,enterprise,,,Z-1\n",
    )

    assert read(path) == (
        [(2, plain(external_id="Z-1"))],
        [
            (3, "3 values for 7 columns"),
            (4, "8 values for 7 columns"),
            (5, "users_affected must be a whole number >= 0, got '-1'"),
            (6, "users_affected must be a whole number >= 0, got '1.5'"),
            (7, "unknown severity 'Sev7'; allowed: Sev1, Sev2, Sev3, Sev4"),
            (8, "missing customer (required: title, service_line, customer, customer_tier)"),
            (9, "external_id 'Z-1' is also on line 2"),
        ],
    )


def test_a_csv_header_with_unknown_and_missing_columns_is_one_problem_on_line_1(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "tickets.csv",
        "title, service_line ,customer,priority,team\nRefund totals look wrong,payments,Globex,high,l1\n",
    )

    assert read(path) == (
        [],
        [
            (
                1,
                f"unknown column(s) 'priority', 'team'; missing column(s) customer_tier; the columns are {FIELDS}",
            )
        ],
    )


def test_a_file_with_problems_is_refused_with_every_problem_listed_by_line(tmp_path: Path) -> None:
    path = tmp_path / "tickets.jsonl"

    one = TicketFileError(path, [(3, "expected a JSON object, got list")])
    many = TicketFileError(path, [(n, f"problem {n}") for n in range(1, 23)])

    assert str(one) == f"{path}: 1 problem, nothing was imported:\n  line 3: expected a JSON object, got list"
    assert str(many) == (
        f"{path}: 22 problems, nothing was imported:\n"
        + "".join(f"  line {n}: problem {n}\n" for n in range(1, 21))
        + "  ... and 2 more"
    )
    assert many.problems == [(n, f"problem {n}") for n in range(1, 23)]
    assert isinstance(many, InvalidInput)


# == whole-file refusals ========================================================================


@pytest.mark.parametrize(("name", "shown"), [("tickets.txt", "'.txt'"), ("tickets", "'(none)'")])
def test_an_unknown_file_type_is_refused_naming_the_allowed_ones(
    tmp_path: Path, name: str, shown: str
) -> None:
    path = write(tmp_path, name, line() + "\n")

    assert (
        refusal(path) == f"cannot import {path}: unknown file type {shown}; use one of .csv, .jsonl, .ndjson"
    )


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.jsonl"

    assert refusal(path) == f"cannot import {path}: no such file"


def test_a_file_that_is_not_utf_8_is_refused_naming_the_bad_byte(tmp_path: Path) -> None:
    path = tmp_path / "tickets.csv"
    path.write_bytes(b"title\ncaf\xe9\n")

    assert refusal(path) == (
        f"cannot import {path}: 'utf-8' codec can't decode byte 0xe9 in position 9: invalid continuation byte"
    )


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("empty.jsonl", ""),
        ("blank.jsonl", "\n  \n\n"),
        ("empty.csv", ""),
        ("header-only.csv", f"{CSV_HEADER}\n"),
    ],
)
def test_a_file_without_tickets_is_refused(tmp_path: Path, name: str, text: str) -> None:
    path = write(tmp_path, name, text)

    assert refusal(path) == f"cannot import {path}: it holds no tickets"


# == known bugs: these fail until ticket_files.py is fixed ============================================


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\x85"], ids=["U+2028", "U+2029", "U+0085"])
def test_a_json_line_with_a_unicode_line_separator_inside_a_string_is_one_ticket(
    tmp_path: Path, separator: str
) -> None:
    # valid JSON (only U+0000-U+001F must be escaped), and what json.dumps(ensure_ascii=False) writes
    path = write(
        tmp_path, "tickets.jsonl", f"{line(title=f'Refunds{separator}fail')}\n{line(severity='Sev9')}\n"
    )

    assert read(path) == (
        [(1, plain(title=f"Refunds{separator}fail"))],
        [(2, "unknown severity 'Sev9'; allowed: Sev1, Sev2, Sev3, Sev4")],
    )


def test_a_csv_value_with_a_unicode_line_separator_is_one_value(tmp_path: Path) -> None:
    path = write(tmp_path, "tickets.csv", f"{CSV_HEADER}\nRefunds\u2028fail,payments,Globex,enterprise\n")

    assert read(path) == ([(2, plain(title="Refunds\u2028fail"))], [])


def test_a_quoted_csv_value_spanning_lines_keeps_its_line_breaks_and_the_row_starts_where_it_starts(
    tmp_path: Path,
) -> None:
    path = write(
        tmp_path,
        "tickets.csv",
        f"{CSV_HEADER},description\n"
        'Refunds fail,payments,Globex,enterprise,"Steps:\n1. pay\n2. refund"\n'
        "Refunds fail,payments,Globex,enterprise,one line,surplus\n",
    )

    assert read(path) == (
        [(2, plain(title="Refunds fail", description="Steps:\n1. pay\n2. refund"))],
        [(5, "6 values for 5 columns")],
    )


def test_a_repeated_external_id_is_reported_even_when_its_first_line_has_another_problem(
    tmp_path: Path,
) -> None:
    path = write(
        tmp_path, "tickets.jsonl", f"{line(external_id='A-1', severity='Sev9')}\n{line(external_id='A-1')}\n"
    )

    assert read(path) == (
        [],
        [
            (1, "unknown severity 'Sev9'; allowed: Sev1, Sev2, Sev3, Sev4"),
            (2, "external_id 'A-1' is also on line 1"),
        ],
    )
