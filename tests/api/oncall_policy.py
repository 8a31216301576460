"""A test policy with on-call rotations: the starter policy plus an ``oncall`` section for
payments-l3 (Europe/Berlin) -- primary jonas and mei, handing over every Monday at 09:00 from
2026-01-05 (jonas has even weeks, mei odd ones); secondary ingrid alone -- and one override:
jonas covers mei's shift from Wednesday 2026-03-25 09:00 to Friday 2026-03-27 09:00 (the week
before Europe's clocks go forward on Sunday 2026-03-29)."""

from __future__ import annotations

from sevflow.policy.starter import starter_policy_text

ONCALL_SECTION = """
oncall:
  payments-l3:
    zone: Europe/Berlin
    layers:
      primary: {members: [jonas, mei], handoff: weekly, day: mon, at: "09:00", start: 2026-01-05}
      secondary: {members: [ingrid], handoff: daily, at: "09:00", start: 2026-01-05}
    overrides:
      - {layer: primary, who: jonas, from: 2026-03-25T09:00, to: 2026-03-27T09:00,
         reason: mei at a conference, replaces: mei}
"""


def oncall_policy_text() -> str:
    """The starter policy's YAML with the ``oncall`` section above appended."""
    return starter_policy_text().rstrip("\n") + "\n" + ONCALL_SECTION
