"""Severity triage speed on the real Mozilla data (../shared/data/mozilla-bugzilla-severity):

- training: ``triage.training.train`` on every example (a fit on the earliest 80 % to measure,
  then a fit on all), against multinomial naive Bayes fitted on the same examples;
- one ticket at intake, pinned to one core: ``ModelClassifier.opinion`` (probabilities and the
  pushes of every severity) on held-out summaries, p50/p99, against the same model scored
  through scikit-learn's batch path one ticket at a time (what the fast path replaces);
- batch: ``TriageModel.probabilities`` on all held-out tickets at once, tickets per second,
  against naive Bayes' predict on the same tickets.

Medians of ``--repeats`` runs; the baselines are measured in the same run (the machine is shared).
Run: .venv/bin/python bench/bench_triage.py [--repeats 3] [--data DIR]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path

from sklearn.feature_extraction.text import CountVectorizer
from sklearn.naive_bayes import MultinomialNB

from sevflow.analytics.mapping import preset
from sevflow.domain.triage_policy import TriagePolicy
from sevflow.triage import artifact
from sevflow.triage.classifier import ModelClassifier
from sevflow.triage.examples import read_examples, time_split
from sevflow.triage.features import prepare
from sevflow.triage.training import train

STARTED = datetime(2026, 11, 24, tzinfo=UTC)  # recorded in the model's summary only
DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "mozilla-bugzilla-severity"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--singles", type=int, default=3000, help="one-at-a-time classifications per run")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/sevflow-bench-triage"))
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    files = sorted(args.data.glob("*.csv"))
    examples = read_examples(files, preset("bugzilla"))
    texts = [t.title for t in examples.tickets]
    labels = [s.value for s in examples.labels]
    _, test_rows = time_split(examples)
    held_out = [examples.tickets[n] for n in test_rows]
    print(
        f"{len(examples):,} examples from {len(files)} files; {len(held_out):,} held out; {os.cpu_count()} cores"
    )

    # -- training (both cores available: what `sevflow triage train` takes) -------------------
    train_s, bayes_s = [], []
    model_path = args.workdir / "model.npz"
    for _ in range(args.repeats):
        started = time.perf_counter()
        trained = train(examples, policy=TriagePolicy(), now=STARTED, policy_version=None)
        train_s.append(time.perf_counter() - started)
        started = time.perf_counter()
        counts = CountVectorizer()
        bayes = MultinomialNB().fit(counts.fit_transform(texts), labels)
        bayes_s.append(time.perf_counter() - started)
    artifact.save(model_path, trained.model, trained.summary)

    # -- from here on one core, as intake would run beside everything else -------------------
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    classifier = ModelClassifier(artifact.load(model_path))
    model = classifier.artifact.model
    queries = [held_out[n % len(held_out)] for n in range(args.singles)]
    fast_p50, fast_p99, slow_p50, slow_p99 = [], [], [], []
    for _ in range(args.repeats):
        took = []
        for t in queries:
            started = time.perf_counter()
            classifier.opinion(
                title=t.title, description=t.body, service_line="payments", customer_tier="standard",
                channel="email", services=(), users_affected=0,
            )  # fmt: skip
            took.append(time.perf_counter() - started)
        fast_p50.append(percentile(took, 0.5))
        fast_p99.append(percentile(took, 0.99))
        took = []
        for t in queries[: args.singles // 3]:
            started = time.perf_counter()
            texts1, fields1, _ = prepare([t])
            model.calibrated(model.decision(model.space.transform(texts1, fields1)))
            took.append(time.perf_counter() - started)
        slow_p50.append(percentile(took, 0.5))
        slow_p99.append(percentile(took, 0.99))

    # bodies: held-out summaries run together, as long as a typical and a very long e-mail
    bodies: dict[int, list[float]] = {1_000: [], 5_000: []}
    for size, p99s in bodies.items():
        texts_of = [t.title for t in held_out]
        for _ in range(args.repeats):
            took = []
            for n in range(args.singles // 3):
                body, k = "", n
                while len(body) < size:
                    body += texts_of[k % len(texts_of)] + ". "
                    k += 7
                started = time.perf_counter()
                classifier.opinion(
                    title=queries[n].title, description=body[: size + 200], service_line="payments",
                    customer_tier="standard", channel="email", services=(), users_affected=0,
                )  # fmt: skip
                took.append(time.perf_counter() - started)
            p99s.append(percentile(took, 0.99))

    batch_rate, bayes_rate = [], []
    held_texts = [t.title for t in held_out]
    for _ in range(args.repeats):
        started = time.perf_counter()
        model.probabilities(held_out)
        batch_rate.append(len(held_out) / (time.perf_counter() - started))
        started = time.perf_counter()
        bayes.predict(counts.transform(held_texts))
        bayes_rate.append(len(held_out) / (time.perf_counter() - started))

    med = statistics.median
    print()
    print("| measure | sevflow | baseline | ratio |")
    print("|---|--:|--:|--:|")
    print(
        f"| training on all {len(examples):,} examples (s; baseline: naive Bayes fit) | "
        f"{med(train_s):.1f} | {med(bayes_s):.2f} | {med(train_s) / med(bayes_s):.0f}x |"
    )
    print(
        f"| one ticket, p50 (ms, one core; baseline: scikit-learn's batch path, one at a time) | "
        f"{med(fast_p50) * 1e3:.2f} | {med(slow_p50) * 1e3:.2f} | {med(slow_p50) / med(fast_p50):.1f}x faster |"
    )
    print(
        f"| one ticket, p99 (ms, one core) | {med(fast_p99) * 1e3:.2f} | {med(slow_p99) * 1e3:.2f} | "
        f"{med(slow_p99) / med(fast_p99):.1f}x faster |"
    )
    for size, p99s in bodies.items():
        print(
            f"| one ticket with a {size:,}-character body, p99 (ms, one core) | {med(p99s) * 1e3:.2f} | | |"
        )
    print(
        f"| batch of {len(held_out):,} (tickets/s, one core; baseline: naive Bayes predict) | "
        f"{med(batch_rate):,.0f} | {med(bayes_rate):,.0f} | {med(batch_rate) / med(bayes_rate):.2f} |"
    )
    print(
        f"\nruns: training {[round(x, 1) for x in train_s]} s; p99 {[round(x * 1e3, 2) for x in fast_p99]} ms;"
    )
    print(f"batch {[round(x) for x in batch_rate]} tickets/s; model {model_path.stat().st_size / 1e6:.1f} MB")
    print(f"held-out figures of the trained model: {trained.summary['metrics']['macro_f1']} macro-F1")


if __name__ == "__main__":
    main()
