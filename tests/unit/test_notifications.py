"""Notification intents: a new ticket's notifications are numbered when it is stored."""

from __future__ import annotations

from sevflow.domain.notifications import UNNUMBERED, Notification


def test_numbering_puts_the_ticket_number_in_the_subject_prefix_and_leaves_the_title_alone() -> None:
    queued = Notification("assigned", ("omar",), (), f"[Sev2] {UNNUMBERED} assigned: why {UNNUMBERED}?", "s")
    assert queued.numbered(42).subject == f"[Sev2] #42 assigned: why {UNNUMBERED}?"


def test_a_notification_of_a_stored_ticket_is_left_as_it_is() -> None:
    queued = Notification("assigned", ("omar",), (), "[Sev2] #7 assigned: Refunds", "s")
    assert queued.numbered(42) is queued
