"""``sevflow triage``: train, evaluate and retrain the severity model, try it on a ticket, and
report how often people override it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from sevflow.adapters.clock import SystemClock
from sevflow.analytics.mapping import PRESETS, HistoryMapping, chosen_mapping
from sevflow.config import Settings
from sevflow.domain.errors import InvalidInput
from sevflow.domain.triage_policy import TriagePolicy
from sevflow.entrypoints.cli.runtime import cli_errors, container, err, out
from sevflow.policy.loader import load_policy
from sevflow.services import triage as triage_service
from sevflow.services.actors import Actor
from sevflow.triage import artifact
from sevflow.triage.evaluation import TaskResult, evaluate
from sevflow.triage.examples import Examples, read_examples
from sevflow.triage.features import TicketText
from sevflow.triage.training import Corrections, train

app = typer.Typer(help="The severity model: train, evaluate, retrain, try, report.", no_args_is_help=True)


def _model_file(given: Path | None) -> Path:
    """The model file a command was given, else the one intake uses (SEVFLOW_MODEL_PATH)."""
    if given is not None:
        return given
    configured = Settings().model_path
    if configured is None:
        raise InvalidInput("no model file: give --model FILE (SEVFLOW_MODEL_PATH is unset)")
    return configured


HistoryOpt = Annotated[
    list[Path] | None,
    typer.Option("--history", help="A labelled history file (CSV or JSON Lines); repeat for several."),
]
PresetOpt = Annotated[str | None, typer.Option("--preset", help=f"A shipped mapping: {', '.join(PRESETS)}.")]
MappingOpt = Annotated[Path | None, typer.Option("--mapping", help="A mapping file (YAML).")]
PolicyOpt = Annotated[
    Path | None,
    typer.Option(
        "--policy", help="Whose triage thresholds to use (default: ./sevflow-policy.yaml if there)."
    ),
]
QuietOpt = Annotated[bool, typer.Option("--quiet", help="No progress lines.")]


def _say(quiet: bool) -> Any:
    return (lambda what: None) if quiet else (lambda what: err.print(f"… {what}"))


def _policy(policy_file: Path | None) -> tuple[TriagePolicy, str | None]:
    """The policy's triage section (the defaults if it has none) and its version."""
    if policy_file is None and Settings().policy_path.exists():
        policy_file = Settings().policy_path
    if policy_file is None:
        return TriagePolicy(), None
    policy = load_policy(policy_file)
    return policy.triage or TriagePolicy(), policy.version


def _examples(files: list[Path] | None, mapping: HistoryMapping) -> Examples:
    if not files:
        raise InvalidInput("name the labelled history with --history FILE (repeat it for several files)")
    return read_examples(files, mapping)


def _mapping_source(preset_name: str | None, mapping_file: Path | None) -> dict[str, str]:
    return {"preset": preset_name} if preset_name else {"mapping": str(mapping_file)}


def _show_training(summary: dict[str, Any], path: Path) -> None:
    t, m = summary["training"], summary["metrics"]
    sev1 = m["per_class"].get("Sev1", {}).get("recall")
    out.print(f"model {summary['id']} written to {path} (trained in {summary['seconds']} s)")
    counts = ", ".join(f"{k} {v:,}" for k, v in t["per_severity"].items())
    out.print(f"examples: {t['examples']:,} ({counts}); corrections: {t['corrections']}")
    for why, n in t["skipped"].items():
        out.print(f"skipped: {n:,} rows {why}")
    recall = f", Sev1 recall {sev1:.3f}" if sev1 is not None else ""
    out.print(
        f"held out (latest {t['held_out']:.0%}, {m['test']:,} examples): macro-F1 {m['macro_f1']:.3f}{recall} "
        f"at thresholds {summary['thresholds']}"
    )


@app.command("train")
@cli_errors
def train_model(
    history: HistoryOpt = None,
    preset_name: PresetOpt = None,
    mapping_file: MappingOpt = None,
    policy_file: PolicyOpt = None,
    out_file: Annotated[
        Path | None, typer.Option("--out", help="Where to write the model (default: SEVFLOW_MODEL_PATH).")
    ] = None,
    held_out: Annotated[float, typer.Option("--held-out", help="The latest share measured on.")] = 0.2,
    quiet: QuietOpt = False,
) -> None:
    """Train the severity model on a labelled history: measure it on the latest examples, fit
    it on all of them, and write it (intake uses it once the policy has a `triage` section)."""
    mapping = chosen_mapping(preset_name, mapping_file)
    thresholds, version = _policy(policy_file)
    say = _say(quiet)
    say("reading examples")
    examples = _examples(history, mapping)
    trained = train(
        examples,
        policy=thresholds,
        now=SystemClock().now(),
        policy_version=version,
        held_out=held_out,
        progress=say,
    )
    summary = {**trained.summary, "source": _mapping_source(preset_name, mapping_file)}
    path = _model_file(out_file)
    saved = artifact.save(path, trained.model, summary)
    _show_training(saved.summary, path)


@app.command("evaluate")
@cli_errors
def evaluate_model(
    history: HistoryOpt = None,
    preset_name: PresetOpt = None,
    mapping_file: MappingOpt = None,
    policy_file: PolicyOpt = None,
    held_out: Annotated[float, typer.Option("--held-out", help="The latest share measured on.")] = 0.2,
    task: Annotated[
        list[str] | None, typer.Option("--task", help="severity (Sev1-Sev4) and/or severe (two classes).")
    ] = None,
    leaks: Annotated[
        str, typer.Option("--leaks", help="keep, remove (label-naming tokens), or both.")
    ] = "both",
    json_file: Annotated[Path | None, typer.Option("--json", help="Also write the figures here.")] = None,
    quiet: QuietOpt = False,
) -> None:
    """Measure sevflow's model against the majority class and multinomial naive Bayes on a
    time-ordered held-out split: macro-F1, per-class precision and recall, the confusion matrix,
    and Sev1 (or severe) recall at the policy's threshold."""
    mapping = chosen_mapping(preset_name, mapping_file)
    thresholds, _ = _policy(policy_file)
    tasks = task or ["severity", "severe"]
    unknown = [t for t in tasks if t not in ("severity", "severe")]
    if unknown:
        raise InvalidInput.unknown("task", unknown[0], ["severity", "severe"])
    modes = {"keep": [False], "remove": [True], "both": [False, True]}
    if leaks not in modes:
        raise InvalidInput.unknown("--leaks", leaks, list(modes))
    say = _say(quiet)
    say("reading examples")
    examples = _examples(history, mapping)
    results = evaluate(
        examples, policy=thresholds, held_out=held_out, tasks=tasks, leaks=modes[leaks], progress=say
    )
    for result in results:
        _show_task(result)
    if json_file is not None:
        json_file.write_text(json.dumps([r.to_dict() for r in results], indent=1), encoding="utf-8")
        out.print(f"json: {json_file}")


def _show_task(result: TaskResult) -> None:
    leak = "label-leaking tokens removed" if result.leaks_removed else "text as written"
    title = (
        f"{result.task}: {', '.join(result.classes)} — {leak}; "
        f"{result.train:,} train / {result.test:,} held out; threshold {result.threshold}"
    )
    table = Table(title=title, title_justify="left")
    table.add_column("model")
    table.add_column("macro-F1", justify="right")
    for c in result.classes:
        table.add_column(f"{c} P/R", justify="right")
    for r in result.results:
        table.add_row(
            r.name,
            f"{r.macro_f1:.3f}",
            *(f"{r.per_class[c]['precision']:.2f}/{r.per_class[c]['recall']:.2f}" for c in result.classes),
        )
    out.print(table)
    ours = result.result("sevflow")
    out.print(f"confusion (rows true, columns decided: {', '.join(result.classes)}): {ours.confusion}")
    verdict = "beats" if result.beats_baselines() else "does NOT beat"
    out.print(
        f"sevflow {verdict} the baselines (macro-F1 against both, {result.key_class} recall against naive Bayes); "
        f"trained in {result.seconds_to_train:.1f} s\n"
    )


@app.command("classify")
@cli_errors
def classify(
    title: Annotated[str, typer.Argument(help="The ticket's subject.")],
    description: Annotated[str, typer.Option(help="The ticket's body.")] = "",
    service_line: Annotated[str, typer.Option("--service-line")] = "",
    tier: Annotated[str, typer.Option("--tier", help="Customer tier.")] = "",
    model_file: Annotated[
        Path | None, typer.Option("--model", help="The model file (default: SEVFLOW_MODEL_PATH).")
    ] = None,
    policy_file: PolicyOpt = None,
) -> None:
    """Show what the model makes of a ticket: probabilities, the proposal under the policy's
    thresholds, and the words and fields behind it."""
    loaded = artifact.load(_model_file(model_file))
    thresholds, _ = _policy(policy_file)
    fields = {"service_line": service_line, "customer_tier": tier}
    opinion = loaded.model.opinion(TicketText(title, description, fields), version=loaded.id)
    proposed, why = thresholds.model_proposal(opinion)
    out.print(f"model {loaded.id} proposes {proposed.value}: {why}")
    for severity, p in sorted(opinion.probabilities.items(), key=lambda kv: kv[0].rank):
        pushes = ", ".join(f"{x.feature} (+{x.weight:.2f})" for x in opinion.pushes.get(severity, ()))
        out.print(f"  {severity.value}: {p:.3f}  {pushes}")
    for note in opinion.notes:
        out.print(f"  note: {note}")


@app.command("retrain")
@cli_errors
def retrain(
    history: HistoryOpt = None,
    preset_name: PresetOpt = None,
    mapping_file: MappingOpt = None,
    policy_file: PolicyOpt = None,
    model_file: Annotated[
        Path | None, typer.Option("--model", help="The model to replace (default: SEVFLOW_MODEL_PATH).")
    ] = None,
    quiet: QuietOpt = False,
) -> None:
    """Train again on the model's history (or --history) plus every correction people made to
    intake's severity since (from the database), each counted three times. The previous model
    is kept beside it as *.previous.npz."""
    model_file = _model_file(model_file)
    current = artifact.load(model_file)
    files = history or [Path(f) for f in current.summary.get("training", {}).get("files", [])]
    if preset_name is None and mapping_file is None:  # the mapping the model was trained with
        source = current.summary.get("source", {})
        preset_name = source.get("preset")
        mapping_file = Path(source["mapping"]) if "mapping" in source else None
    mapping = chosen_mapping(preset_name, mapping_file)
    thresholds, version = _policy(policy_file)
    say = _say(quiet)
    examples = _examples(files, mapping)
    with container() as box:
        now = box.clock.now()
        corrected = triage_service.corrections(box.read_uow_factory(), actor=Actor("cli"))
    extra = Corrections.of(corrected)
    say(f"{len(extra.labels)} correction(s) from the database")
    trained = train(
        examples, policy=thresholds, now=now, policy_version=version, corrections=extra, progress=say
    )
    previous = model_file.with_name(model_file.name.removesuffix(".npz") + ".previous.npz")
    model_file.replace(previous)
    summary = {
        **trained.summary,
        "source": _mapping_source(preset_name, mapping_file),
        "previous": current.id,
    }
    saved = artifact.save(model_file, trained.model, summary)
    _show_training(saved.summary, model_file)
    before = current.summary.get("metrics", {}).get("macro_f1")
    if before is not None:
        out.print(f"previous model {current.id} (kept as {previous}): held-out macro-F1 {before:.3f}")


@app.command("report")
@cli_errors
def report(
    weeks: Annotated[int, typer.Option(help="How many weeks back (this one included).")] = 12,
    as_json: Annotated[bool, typer.Option("--json", help="JSON instead of tables.")] = False,
) -> None:
    """Drift: how often people overrode intake's severity, by week and by proposed severity."""
    with container() as box:
        found = triage_service.drift_report(
            box.read_uow_factory(), now=box.clock.now(), actor=Actor("cli"), weeks=weeks
        )

    def share(rate: triage_service.Rate) -> str:
        return "—" if rate.share is None else f"{rate.share:.1%}"

    if as_json:
        data = {
            "since": found.since,
            "weeks": [{"week": w, "triaged": r.triaged, "overridden": r.overridden} for w, r in found.weeks],
            "by_severity": {
                s.value: {"triaged": r.triaged, "overridden": r.overridden}
                for s, r in found.by_severity.items()
            },
            "total": {"triaged": found.total.triaged, "overridden": found.total.overridden},
        }
        out.print(json.dumps(data, indent=1), markup=False)
        return
    table = Table(title=f"Overrides of intake's severity by week (since {found.since})", title_justify="left")
    for column in ("week", "triaged", "overridden", "rate"):
        table.add_column(column, justify="left" if column == "week" else "right")
    for week, rate in found.weeks:
        table.add_row(week, str(rate.triaged), str(rate.overridden), share(rate))
    out.print(table)
    by_class = Table(title="By proposed severity", title_justify="left")
    for column in ("proposed", "triaged", "overridden", "rate"):
        by_class.add_column(column, justify="left" if column == "proposed" else "right")
    for severity, rate in found.by_severity.items():
        by_class.add_row(severity.value, str(rate.triaged), str(rate.overridden), share(rate))
    by_class.add_row("all", str(found.total.triaged), str(found.total.overridden), share(found.total))
    out.print(by_class)
