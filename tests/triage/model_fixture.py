"""A small, clearly separable labelled set for training models in tests (seconds, not minutes)."""

from __future__ import annotations

from sevflow.triage.features import TicketText

VOCABULARY = {
    "Sev1": ["outage", "down", "breach", "dataloss"],
    "Sev2": ["slow", "degraded", "timeout", "intermittent"],
    "Sev3": ["question", "howto", "configure", "setting"],
    "Sev4": ["typo", "cosmetic", "wording", "colour"],
}
FILLER = ["the", "customer", "reports", "portal", "app", "today", "users", "page"]


def labelled(per_class: int = 30) -> tuple[list[TicketText], list[str]]:
    """``per_class`` tickets of each severity: two of its words among rotating filler."""
    tickets, labels = [], []
    for label, words in VOCABULARY.items():
        for n in range(per_class):
            a, b = words[n % 4], words[(n + 1) % 4]
            filler = " ".join(FILLER[(n + k) % len(FILLER)] for k in range(3))
            line = "payments" if label == "Sev1" and n % 2 else "identity"
            tickets.append(TicketText(f"{a} {filler} {b}", f"ticket {n}", {"service_line": line}))
            labels.append(label)
    return tickets, labels
