"""Importing histories: event logs folded into cases with known answers, and every row accounted
for -- bad rows rejected with record and line numbers, unreadable cells reported, files in other
encodings, with a BOM, with quoted newlines, missing columns refused by name."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from sevflow.analytics.importing import Rejection, import_history
from sevflow.analytics.mapping import load_mapping, parse_mapping, preset
from sevflow.domain.errors import InvalidInput

HEADER = "number,incident_state,active,reassignment_count,reopen_count,sys_mod_count,made_sla,opened_at,sys_updated_at,contact_type,category,subcategory,impact,urgency,priority,assignment_group,assigned_to,resolved_at,closed_at\n"


def row(
    number: str,
    state: str,
    mod: int,
    updated: str,
    group: str,
    priority: str = "3 - Moderate",
    *,
    reassigned: int = 0,
    reopened: int = 0,
    made_sla: str = "true",
    opened: str = "29/2/2016 01:16",
    resolved: str = "?",
    closed: str = "?",
) -> str:
    return (
        f"{number},{state},true,{reassigned},{reopened},{mod},{made_sla},{opened},{updated},Phone,Category 1,"
        f"Sub 1,2 - Medium,2 - Medium,{priority},{group},?,{resolved},{closed}\n"
    )


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def write(tmp_path: Path, text: str, name: str = "log.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_an_event_log_folds_into_one_case_per_incident_with_what_was_known_early_and_late(
    tmp_path: Path,
) -> None:
    text = HEADER + "".join(
        [
            # written out of order: the fold sorts by sys_mod_count
            row("INC1", "Active", 2, "29/2/2016 03:00", "Group B", "2 - High", reassigned=1),
            row("INC1", "New", 0, "29/2/2016 01:20", "Group A", "3 - Moderate"),
            row("INC1", "Active", 1, "29/2/2016 02:00", "Group A", "3 - Moderate"),
            row(
                "INC1",
                "Resolved",
                3,
                "29/2/2016 05:00",
                "Group A",
                "2 - High",
                reassigned=2,
                resolved="29/2/2016 05:00",
            ),
            row(
                "INC1",
                "Closed",
                4,
                "5/3/2016 12:00",
                "Group A",
                "2 - High",
                reassigned=2,
                made_sla="false",
                resolved="29/2/2016 05:00",
                closed="5/3/2016 12:00",
            ),
            row("INC2", "New", 0, "1/3/2016 09:00", "?", "4 - Low", opened="1/3/2016 08:59"),
        ]
    )
    history = import_history(write(tmp_path, text), preset("servicenow"))
    cases = history.cases
    assert cases["id"].to_list() == ["INC1", "INC2"]
    first = cases.row(0, named=True)
    assert {k: first[k] for k in ("record", "events", "created", "resolved", "closed", "made_sla")} == {
        "record": 1,
        "events": 5,
        "created": utc("2016-02-29 01:16"),
        "resolved": utc("2016-02-29 05:00"),
        "closed": utc("2016-03-05 12:00"),
        "made_sla": False,
    }
    assert (first["severity"], first["severity_final"], first["severity_max"]) == ("Sev3", "Sev2", "Sev2")
    assert (first["team_first"], first["team_last"], first["teams"]) == (
        "Group A",
        "Group A",
        ["Group A", "Group B", "Group A"],
    )
    assert (first["reassignments"], first["reopens"]) == (2, 0)
    assert [(h["at"], h["status"], h["team"]) for h in first["history"]] == [
        (utc("2016-02-29 01:20"), "New", "Group A"),
        (utc("2016-02-29 02:00"), "Active", "Group A"),
        (utc("2016-02-29 03:00"), "Active", "Group B"),
        (utc("2016-02-29 05:00"), "Resolved", "Group A"),
        (utc("2016-03-05 12:00"), "Closed", "Group A"),
    ]
    second = cases.row(1, named=True)
    assert (second["team_first"], second["teams"], second["resolved"], second["severity"]) == (
        None,
        [],
        None,
        "Sev4",
    )
    report = history.report
    assert (report.rows_read, report.rows_used, report.cases, report.rejected) == (6, 6, 2, [])
    assert report.notes == ["1 case(s) have no resolution time (still open, or not recorded)"]


def test_rows_that_cannot_be_read_are_rejected_with_record_and_line_and_the_rest_go_on(
    tmp_path: Path,
) -> None:
    text = HEADER + "".join(
        [
            row("INC1", "New", 0, "29/2/2016 01:20", "Group A"),
            row("?", "New", 0, "29/2/2016 01:20", "Group A"),
            row("INC3", "New", 0, "29/2/2016 01:20", "Group A", opened="31/2/2016 25:00"),
            row("INC4", "New", "x", "29/2/2016 01:20", "Group A", reassigned="many", priority="9 - Cosmic"),  # type: ignore[arg-type]
            row("INC5", "New", 0, "29/2/2016 01:20", "Group A", opened="?"),
        ]
    )
    history = import_history(write(tmp_path, text), preset("servicenow"))
    assert history.cases["id"].to_list() == ["INC1", "INC4"]
    assert history.report.rejected == [
        Rejection(2, 3, "no id"),
        Rejection(
            3,
            4,
            "created: '31/2/2016 25:00' is not a time in any of the forms: ISO 8601, %d/%m/%Y %H:%M, "
            "%d/%m/%Y %H:%M:%S, %Y-%m-%d %H:%M:%S",
        ),
        Rejection(5, 6, "no opening time (created)"),
    ]
    assert [(p.record, p.field, p.value) for p in history.report.problems] == [
        (4, "reassignments", "many"),
        (4, "severity", "9 - Cosmic"),
    ]
    assert (history.report.rows_read, history.report.rows_used) == (5, 2)
    assert history.report.notes[0].startswith(
        "1 row(s) have a severity the mapping's severity_values do not list: '9 - Cosmic' (1)"
    )


MAPPING = """
name: shop
zone: Europe/Berlin
timestamp_formats: ["%d.%m.%Y %H:%M"]
columns: {id: Ticket, created: Opened, resolved: Solved, severity: Prio, title: Subject, reassignments: Hops}
severity_values: {hoch: Sev2, mittel: Sev3}
"""


def test_a_latin1_file_with_quoted_newlines_reads_through_a_mapping_file_alone(tmp_path: Path) -> None:
    mapping = write(tmp_path, MAPPING, "mapping.yaml")
    text = (
        "Ticket;Opened;Solved;Prio;Subject;Hops\n"
        'T-1;24.11.2026 09:00;24.11.2026 10:30;hoch;"Kasse fällt aus,\nzweite Zeile";1\n'
        "T-2;2026-11-24T08:00:00Z;;mittel;Rückfrage;0\n"
        "T-3;29.03.2026 02:30;;mittel;Lücke;0\n"
    )
    path = write(tmp_path, text, "shop.csv", encoding="latin-1")
    loaded = load_mapping(mapping).model_copy(update={"encoding": "latin-1", "delimiter": ";"})
    history = import_history(path, loaded)
    cases = history.cases
    assert cases["title"].to_list() == ["Kasse fällt aus,\nzweite Zeile", "Rückfrage", "Lücke"]
    assert cases["created"].to_list() == [
        utc("2026-11-24 08:00"),  # 09:00 in Berlin (CET)
        utc("2026-11-24 08:00"),  # written with Z
        utc("2026-03-29 01:30"),  # 02:30 does not exist in Berlin that night: the hour after the gap
    ]
    assert cases["resolved"].to_list() == [utc("2026-11-24 09:30"), None, None]
    assert cases["severity"].to_list() == ["Sev2", "Sev3", "Sev3"]


def test_a_bom_is_dropped_and_a_record_after_a_quoted_newline_gets_its_true_line(tmp_path: Path) -> None:
    mapping = parse_mapping({"columns": {"id": "id", "created": "at", "title": "title"}}, "inline")
    text = '\ufeffid,at,title\n1,2026-01-01 10:00,"two\nlines"\n2,not a time,x\n'
    history = import_history(write(tmp_path, text), mapping)
    assert history.cases["id"].to_list() == ["1"]
    assert [(r.record, r.line) for r in history.report.rejected] == [(2, 4)]


def test_one_row_per_case_files_reject_a_repeated_id(tmp_path: Path) -> None:
    mapping = parse_mapping({"columns": {"id": "id", "created": "at"}}, "inline")
    history = import_history(write(tmp_path, "id,at\n1,2026-01-01\n2,2026-01-02\n1,2026-01-03\n"), mapping)
    assert history.cases["created"].to_list() == [utc("2026-01-01 00:00"), utc("2026-01-02 00:00")]
    assert history.report.rejected == [Rejection(3, 4, "duplicate id: record 1 has it already")]


def test_json_lines_read_like_csv(tmp_path: Path) -> None:
    mapping = parse_mapping(
        {"format": "jsonl", "columns": {"id": "key", "created": "at", "reopens": "n"}}, "inline"
    )
    text = '{"key": "A", "at": "2026-01-01T10:00:00+01:00", "n": 2}\n{"key": "B", "at": "2026-01-02", "n": null}\n'
    history = import_history(write(tmp_path, text, "h.jsonl"), mapping)
    assert history.cases.select("id", "created", "reopens").rows() == [
        ("A", utc("2026-01-01 09:00"), 2),
        ("B", utc("2026-01-02 00:00"), None),
    ]


def test_columns_the_mapping_needs_and_the_file_lacks_are_named(tmp_path: Path) -> None:
    with pytest.raises(
        InvalidInput,
        match=r"the mapping needs column\(s\) 'assignment_group', 'priority', which the file does not have",
    ):
        import_history(
            write(tmp_path, "number,opened_at\nINC1,29/2/2016 01:16\n"),
            preset("servicenow").model_copy(
                update={
                    "columns": {
                        "id": "number",
                        "created": "opened_at",
                        "severity": "priority",
                        "team": "assignment_group",
                    },
                    "event_log": None,
                }
            ),
        )


def test_a_file_in_another_encoding_than_declared_is_refused_with_the_fix(tmp_path: Path) -> None:
    path = write(tmp_path, "id,at\nÄ,2026-01-01\n", encoding="latin-1")
    mapping = parse_mapping({"columns": {"id": "id", "created": "at"}}, "inline")
    with pytest.raises(
        InvalidInput, match=r"is not UTF-8 .*name its encoding in the mapping, e\.g\. encoding: latin-1"
    ):
        import_history(path, mapping)


def test_a_mapping_with_unknown_fields_or_zone_is_refused_with_what_is_allowed() -> None:
    with pytest.raises(InvalidInput, match=r"columns: unknown field\(s\) owner; the fields are id, created"):
        parse_mapping({"columns": {"id": "a", "created": "b", "owner": "c"}}, "m.yaml")
    with pytest.raises(InvalidInput, match="zone: unknown time zone 'Mars/Base'"):
        parse_mapping({"zone": "Mars/Base", "columns": {"id": "a", "created": "b"}}, "m.yaml")
    with pytest.raises(InvalidInput, match=r"the mapping must name the column of: created \(for a history"):
        import_history(Path("unread.csv"), parse_mapping({"columns": {"id": "a"}}, "m.yaml"))
    with pytest.raises(
        InvalidInput, match="unknown preset 'remedy'; allowed: bugzilla, jira, servicenow, zendesk"
    ):
        preset("remedy")
