"""The related-incident index: hand-made sets with exact expectations, and a brute-force check.

The brute force (``brute_force``) is written here from the contract alone -- words split on
spaces, unigrams and bigrams, sublinear tf, smoothed idf over the indexed tickets, cosine,
rounded to 3 places -- with plain dicts and ``math``, over texts of lower-case ASCII words.
"""

from __future__ import annotations

import itertools
import math
import random
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from sevflow.triage.related import Incident, Related, RelatedIndex
from sevflow.triage.related_index import term_vectors

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


def incident(
    ticket_id: int, text: str, *, line: str = "payments", age: timedelta = HOUR, is_open: bool = True
) -> Incident:
    return Incident(ticket_id, text, line, NOW - age, is_open)


def index_of(*incidents: Incident, min_score: float = 0.2, max_postings: int = 50_000) -> RelatedIndex:
    index = RelatedIndex(min_score=min_score, max_postings=max_postings)
    index.add_many(incidents)
    return index


def ids(results: list[Related]) -> list[int]:
    return [r.ticket_id for r in results]


FILLER = [
    incident(100, "password reset email never arrives"),
    incident(101, "mobile app crashes when uploading a photo"),
    incident(102, "invoice totals are rounded wrongly"),
]


# == scores and ordering ==========================================================================


def test_identical_text_scores_one_and_reports_the_tickets_facts() -> None:
    index = index_of(incident(1, "Checkout fails with error 500", age=3 * HOUR), *FILLER)
    assert index.similar("checkout FAILS with error 500", now=NOW) == [
        Related(1, 1.0, "payments", NOW - 3 * HOUR, open=True, likely_shared=False)
    ]


def test_unrelated_text_is_not_returned() -> None:
    index = index_of(incident(1, "checkout fails with error 500"), *FILLER)
    assert index.similar("dark mode colours look washed out", now=NOW) == []


def test_results_are_ordered_by_score_then_ticket_id_and_cut_at_the_limit() -> None:
    index = index_of(
        incident(7, "checkout fails with error 500 for visa cards"),
        incident(3, "checkout fails with error 500 for visa cards"),
        incident(5, "checkout fails with error 500"),
        incident(9, "checkout fails"),
        *FILLER,
    )
    results = index.similar("checkout fails with error 500", now=NOW)
    assert ids(results) == [5, 3, 7, 9]
    assert results[0].score == 1.0
    assert results[1].score == results[2].score > results[3].score >= 0.2
    assert ids(index.similar("checkout fails with error 500", now=NOW, limit=2)) == [5, 3]
    assert index.similar("checkout fails with error 500", now=NOW, limit=0) == []


def test_results_below_min_score_are_left_out() -> None:
    tickets = (incident(1, "checkout fails with error 500"), incident(2, "checkout fails"), *FILLER)
    query = "checkout fails with error 500"
    second = index_of(*tickets).similar(query, now=NOW)[1].score
    assert ids(index_of(*tickets, min_score=second).similar(query, now=NOW)) == [1, 2]
    assert ids(index_of(*tickets, min_score=second + 0.001).similar(query, now=NOW)) == [1]


def test_empty_or_whitespace_text_finds_nothing() -> None:
    index = index_of(incident(1, "checkout fails"), *FILLER)
    assert index.similar("", now=NOW) == []
    assert index.similar("  \n\t ", now=NOW) == []
    assert index.similar("!!! ---", now=NOW) == []


def test_only_the_first_10000_characters_of_a_text_are_read() -> None:
    padding = "lorem " * 2_000  # 12,000 characters
    index = index_of(incident(1, "database timeout"), incident(2, padding + "kafka lag"), *FILLER)
    assert ids(index.similar("kafka lag", now=NOW)) == []
    assert ids(index.similar(padding + "database timeout", now=NOW)) == [2]


@pytest.mark.parametrize(
    ("stored", "query"),
    [
        ("データベースに接続できません", "データベースに接続できない"),
        ("Η σελίδα πληρωμής δεν φορτώνει", "Η ΣΕΛΊΔΑ ΠΛΗΡΩΜΉΣ ΔΕΝ ΦΟΡΤΏΝΕΙ"),
        ("Платёж не проходит по карте", "платёж не проходит"),
    ],
)
def test_non_latin_text_finds_its_match(stored: str, query: str) -> None:
    index = index_of(
        incident(1, stored),
        incident(2, "ログイン画面が表示されない"),
        incident(3, "Ο λογαριασμός κλειδώθηκε"),
        *FILLER,
    )
    results = index.similar(query, now=NOW)
    assert ids(results)[:1] == [1]
    assert results[0].score >= 0.5


# == which tickets are candidates =================================================================


def test_closed_tickets_count_only_when_opened_within_recent_before_now() -> None:
    index = index_of(
        incident(1, "disk full on db host", age=10 * DAY, is_open=False),
        incident(2, "disk full on db host", age=100 * DAY, is_open=False),
        incident(3, "disk full on db host", age=100 * DAY, is_open=True),
        incident(4, "disk full on db host", age=-HOUR, is_open=False),  # opened after `now`
        *FILLER,
    )
    assert ids(index.similar("disk full on db host", now=NOW)) == [1, 3]
    assert ids(index.similar("disk full on db host", now=NOW, recent=5 * DAY)) == [3]
    assert ids(index.similar("disk full on db host", now=NOW + 2 * HOUR)) == [1, 3, 4]


def test_exclude_drops_the_query_ticket_itself() -> None:
    index = index_of(incident(1, "disk full on db host"), incident(2, "disk full on db host"), *FILLER)
    assert ids(index.similar("disk full on db host", now=NOW, exclude=1)) == [2]
    assert ids(index.similar("disk full on db host", now=NOW, exclude=99)) == [1, 2]


# == likely shared incidents ======================================================================


def test_an_open_near_duplicate_on_the_same_line_within_the_window_is_likely_shared() -> None:
    index = index_of(incident(1, "payments api returns 502", age=HOUR), *FILLER)
    [found] = index.similar("payments api returns 502", now=NOW, service_line="payments")
    assert found.likely_shared
    [after] = index.similar("payments api returns 502", now=NOW - 2 * HOUR, service_line="payments")
    assert after.likely_shared  # the window reaches both ways from the query's time
    [later] = index.similar("payments api returns 502", now=NOW - 4 * HOUR, service_line="payments")
    assert not later.likely_shared


@pytest.mark.parametrize(
    ("stored", "line", "query", "near_duplicate"),
    [
        (incident(1, "payments api returns 502", is_open=False), "payments", "payments api returns 502", 0.6),
        (incident(1, "payments api returns 502", line="mobile"), "payments", "payments api returns 502", 0.6),
        (incident(1, "payments api returns 502", age=3 * HOUR), "payments", "payments api returns 502", 0.6),
        (incident(1, "payments api returns 502"), None, "payments api returns 502", 0.6),
        (
            incident(1, "payments api returns 502 since the deploy"),
            "payments",
            "payments api returns 502",
            0.9,
        ),
    ],
    ids=["closed", "other line", "outside the window", "no line given", "below near_duplicate"],
)
def test_likely_shared_needs_open_same_line_within_window_and_near_duplicate_score(
    stored: Incident, line: str | None, query: str, near_duplicate: float
) -> None:
    index = index_of(stored, *FILLER)
    [found] = index.similar(query, now=NOW, service_line=line, near_duplicate=near_duplicate)
    assert not found.likely_shared


def test_likely_shared_compares_the_rounded_score_with_near_duplicate() -> None:
    index = index_of(incident(1, "payments api returns 502 since the deploy"), *FILLER)
    [found] = index.similar("payments api returns 502", now=NOW, service_line="payments")
    again = index.similar(
        "payments api returns 502", now=NOW, service_line="payments", near_duplicate=found.score
    )
    assert again[0].likely_shared
    assert len(str(found.score)) <= 5  # three places at most


# == changes ======================================================================================


def test_adding_a_known_ticket_replaces_its_text() -> None:
    index = index_of(incident(1, "disk full on db host"), *FILLER)
    index.add(incident(1, "login page stays blank"))
    assert len(index) == 4
    assert index.similar("disk full on db host", now=NOW) == []
    assert ids(index.similar("login page stays blank", now=NOW)) == [1]


def test_adding_a_known_ticket_with_the_same_text_updates_its_facts() -> None:
    index = index_of(incident(1, "disk full on db host"), *FILLER)
    index.add(incident(1, "disk full on db host", line="storage", age=2 * DAY, is_open=False))
    assert index.similar("disk full on db host", now=NOW) == [
        Related(1, 1.0, "storage", NOW - 2 * DAY, open=False, likely_shared=False)
    ]
    assert len(index) == 4


def test_the_last_of_several_incidents_with_one_id_in_a_bulk_add_wins() -> None:
    index = index_of(incident(1, "disk full on db host"), incident(1, "login page stays blank"), *FILLER)
    assert len(index) == 4
    assert ids(index.similar("login page stays blank", now=NOW)) == [1]
    assert index.similar("disk full on db host", now=NOW) == []


def test_closing_marks_a_ticket_not_open_and_unknown_ids_are_ignored() -> None:
    index = index_of(incident(1, "disk full on db host", age=100 * DAY), *FILLER)
    assert ids(index.similar("disk full on db host", now=NOW)) == [1]
    index.close(1)
    index.close(42)
    assert index.similar("disk full on db host", now=NOW) == []
    assert index.similar("disk full on db host", now=NOW - 50 * DAY)[0].open is False


def test_removing_drops_a_ticket_and_unknown_ids_are_ignored() -> None:
    index = index_of(incident(1, "disk full on db host"), incident(2, "disk full on db"), *FILLER)
    index.remove(1)
    index.remove(42)
    assert len(index) == 4
    assert ids(index.similar("disk full on db host", now=NOW)) == [2]


def test_heavy_rewriting_keeps_one_live_version_per_ticket() -> None:
    index = RelatedIndex()
    for round_ in range(50):  # 4,900 replaced versions: more dead rows than the index compacts at
        index.add_many(incident(i, f"service {i} alarm round{round_}") for i in range(100))
    assert len(index) == 100
    assert ids(index.similar("service 42 alarm round49", now=NOW)) == [42]
    assert index.similar("round48", now=NOW) == []


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        Incident(1, "x", "payments", datetime(2026, 3, 2, 12, 0), True)  # noqa: DTZ001
    with pytest.raises(ValueError, match="aware"):
        RelatedIndex().similar("x", now=datetime(2026, 3, 2, 12, 0))  # noqa: DTZ001


# == candidates come from postings ================================================================

PRINTERS = [incident(i, "printer jammed again") for i in range(1, 21)]
OFFLINE = [incident(21, "printer offline"), incident(22, "printer")]


def test_a_ticket_sharing_only_left_out_common_terms_is_missed_only_where_the_contract_allows() -> None:
    full = index_of(*PRINTERS, *OFFLINE, min_score=0.1)
    bounded = index_of(*PRINTERS, *OFFLINE, min_score=0.1, max_postings=5)
    # "printer" (22 postings) is left out of candidate generation in `bounded`; ticket 22 shares
    # only it with the query and scores 1 / |query| = 0.201 > min_score, so the contract lets it go
    assert [(r.ticket_id, r.score) for r in full.similar("printer offline", now=NOW)] == [
        (21, 1.0),
        (22, 0.201),
    ]
    assert ids(bounded.similar("printer offline", now=NOW)) == [21]
    # with min_score above that bound, the bounded index answers exactly as the full one
    strict_full = index_of(*PRINTERS, *OFFLINE, min_score=0.25)
    strict_bounded = index_of(*PRINTERS, *OFFLINE, min_score=0.25, max_postings=5)
    assert strict_bounded.similar("printer offline", now=NOW) == strict_full.similar(
        "printer offline", now=NOW
    )


def test_a_query_of_common_terms_only_finds_candidates_through_its_rarest_term() -> None:
    bounded = index_of(*PRINTERS, *OFFLINE, max_postings=5)
    assert ids(bounded.similar("printer", now=NOW))[:1] == [22]


# == exact against a brute force ==================================================================

WORDS = (
    "disk",
    "full",
    "host",
    "timeout",
    "login",
    "page",
    "blank",
    "payment",
    "card",
    "declined",
    "email",
    "queue",
    "stuck",
    "api",
    "error",
    "latency",
    "spike",
    "cache",
    "stale",
    "deploy",
    "failed",
    "certificate",
    "expired",
    "dns",
    "lookup",
    "slow",
    "export",
    "csv",
)


def terms_of(text: str) -> Counter[str]:
    words = text.split()
    return Counter(words + [f"{a} {b}" for a, b in itertools.pairwise(words)])


def brute_force(
    tickets: dict[int, Incident], query: str, now: datetime, min_score: float, limit: int
) -> list[tuple[int, float]]:
    vectors = {i: terms_of(t.text) for i, t in tickets.items()}
    df: Counter[str] = Counter()
    for counts in vectors.values():
        df.update(counts.keys())
    n = len(tickets)

    def weights(counts: Counter[str]) -> dict[str, float]:
        return {t: (1 + math.log(c)) * (math.log((1 + n) / (1 + df[t])) + 1) for t, c in counts.items()}

    q = weights(terms_of(query))
    q_norm = math.sqrt(sum(w * w for w in q.values()))
    scored = []
    for ticket_id, counts in vectors.items():
        ticket = tickets[ticket_id]
        if not (ticket.open or now - timedelta(days=90) <= ticket.opened_at <= now):
            continue
        d = weights(counts)
        dot = sum(w * d.get(t, 0.0) for t, w in q.items())
        score = round(dot / (q_norm * math.sqrt(sum(w * w for w in d.values()))), 3)
        if score >= min_score:
            scored.append((ticket_id, score))
    scored.sort(key=lambda pair: (-pair[1], pair[0]))
    return scored[:limit]


def assert_no_hash_collisions(texts: list[str]) -> None:
    """Precondition: the corpus's distinct terms land in distinct hashed columns (the contract
    lets two terms share a column; this test checks that the index is exact otherwise)."""
    unigrams = {w for text in texts for w in text.split()}
    column = {w: int(term_vectors([w]).indices[0]) for w in unigrams}
    for text in texts:
        for bigram in terms_of(text):
            if " " in bigram:
                a, b = bigram.split()
                [column[bigram]] = set(term_vectors([bigram]).indices.tolist()) - {column[a], column[b]}
    assert len(set(column.values())) == len(column)


def test_results_equal_a_brute_force_cosine_over_the_live_tickets() -> None:
    rng = random.Random(20260302)

    def text() -> str:
        return " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 9)))

    def ticket(ticket_id: int) -> Incident:
        age = timedelta(hours=rng.randint(0, 24 * 200))
        return Incident(ticket_id, text(), rng.choice(["payments", "mobile"]), NOW - age, rng.random() < 0.2)

    index = RelatedIndex()
    live: dict[int, Incident] = {}
    first = [ticket(i) for i in range(200)]
    index.add_many(first)
    live.update((t.ticket_id, t) for t in first)
    queries = [text() for _ in range(40)] + [t.text for t in first[:10]]
    checked = 0
    for i in range(200, 320):  # one at a time, some replacing or removing earlier tickets
        if i % 7 == 0:
            replacement = ticket(rng.randrange(200))
            index.add(replacement)
            live[replacement.ticket_id] = replacement
        elif i % 11 == 0:
            gone = rng.choice(sorted(live))
            index.remove(gone)
            del live[gone]
        else:
            index.add(new := ticket(i))
            live[i] = new
        if i % 10 == 0:  # queries between additions read the newest, still pending, tickets too
            query = queries[checked % len(queries)]
            got = [(r.ticket_id, r.score) for r in index.similar(query, now=NOW, limit=10)]
            assert got == brute_force(live, query, NOW, 0.2, 10)
            checked += 1
    assert_no_hash_collisions([t.text for t in live.values()] + queries)
    assert len(index) == len(live)
    found = 0
    for query in queries:
        got = [(r.ticket_id, r.score) for r in index.similar(query, now=NOW, limit=10)]
        expected = brute_force(live, query, NOW, 0.2, 10)
        assert got == expected, query
        found += len(expected)
    assert found > 100
