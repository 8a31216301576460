"""The Zendesk and Jira presets read files shaped like those tools' CSV exports (column names and
date formats as the exports write them)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sevflow.analytics.importing import import_history
from sevflow.analytics.mapping import preset

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "history"


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_a_zendesk_export_reads_with_its_preset() -> None:
    history = import_history(FIXTURES / "zendesk_export.csv", preset("zendesk"))
    cases = history.cases
    assert cases.select("id", "severity", "customer_tier", "channel", "reassignments", "reopens").rows() == [
        ("101", "Sev1", "Globex", "Mail", 2, 0),
        ("102", "Sev3", "Initech", "Web form", 1, 1),
        ("103", "Sev4", "Globex", "Web form", 1, 0),
    ]
    assert cases["created"].to_list() == [
        utc("2016-05-09 13:53:47"),
        utc("2016-05-10 08:00"),
        utc("2016-05-11 08:00"),
    ]
    assert cases["resolved"].to_list() == [utc("2016-05-09 15:53:47"), utc("2016-05-10 12:00"), None]
    assert cases["first_response_minutes"].to_list() == [25.0, None, None]
    assert cases["text"].to_list()[0] == "Customer says the refund\nnever arrived"
    assert (history.report.rows_read, history.report.rejected, history.report.problems) == (3, [], [])


def test_a_jira_export_reads_with_its_preset() -> None:
    history = import_history(FIXTURES / "jira_export.csv", preset("jira"))
    cases = history.cases
    assert cases.select("id", "severity", "service_line", "title").rows() == [
        ("SUP-7", "Sev1", "Payments", "Checkout returns 500"),
        ("SUP-8", "Sev4", "Billing", "Typo on invoice"),
        ("SUP-9", "Sev3", "Platform", "Export stuck"),
    ]
    assert cases["created"].to_list() == [
        utc("2024-03-12 15:45"),
        utc("2024-03-13 09:05"),
        utc("2024-03-14 11:00"),
    ]
    assert cases["resolved"].to_list() == [utc("2024-03-12 16:45"), utc("2024-03-14 09:05"), None]
    assert (history.report.rows_read, history.report.rejected, history.report.problems) == (3, [], [])
