"""`minibot nlp`: Language understanding: evaluate intents on your own phrases."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from commands import group_help
from commands.common import console
from scenarios.library import resolve
from services.errors import NotFoundError
from services.nlp.evaluate import EvalReport, evaluate, file_kind, load_tsv
from services.nlp.keywords import classify

app = typer.Typer(help=group_help("nlp"), no_args_is_help=True)


def _step_tables(scenario_name: str, step: str) -> tuple[Mapping[str, Sequence[str]], Sequence[str]]:
    scenario = resolve(scenario_name)
    if step not in scenario.steps:
        raise NotFoundError(
            f"scenario {scenario.name!r} has no step {step!r} (steps: {', '.join(scenario.steps)})"
        )
    return scenario.keywords_for(step), scenario.allowed_intents(step)


def _print_report(report: EvalReport) -> None:
    console.print(f"accuracy [bold]{report.accuracy:.1%}[/bold] on {report.total} phrases")
    for name, target in report.targets().items():
        mark = "[green]ok[/green]" if target["ok"] else "[red]missed[/red]"
        console.print(f"  {name}: {target['value']} (target {target['target']}) {mark}")
    scores = Table(title="Per intent")
    for column in ("intent", "precision", "recall", "support"):
        scores.add_column(column, justify="right" if column != "intent" else "left")
    for name, score in report.per_intent.items():
        scores.add_row(name, f"{score.precision:.2f}", f"{score.recall:.2f}", str(score.support))
    console.print(scores)
    labels = list(report.per_intent)
    matrix = Table(title="Confusion (rows: expected, columns: predicted)")
    matrix.add_column("")
    for label in labels:
        matrix.add_column(label, justify="right")
    for expected in labels:
        row = report.confusion.get(expected, {})
        matrix.add_row(expected, *[str(row.get(predicted, "")) for predicted in labels])
    console.print(matrix)
    if report.errors:
        errors = Table(title="Errors")
        for column in ("text", "expected", "predicted"):
            errors.add_column(column)
        for text, expected, predicted in report.errors:
            errors.add_row(text, expected, predicted)
        console.print(errors)


@app.command("eval")
def eval_command(
    file: Annotated[
        Path,
        typer.Argument(help="TSV file: text<TAB>intent per line (or a text<TAB>objection header line)."),
    ],
    scenario: Annotated[str, typer.Option(help="Use this scenario's keywords and objections.")] = "",
    step: Annotated[str, typer.Option(help="Step whose keywords and intents apply (with --scenario).")] = "",
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Accuracy, per-intent precision/recall, confusion matrix and the targets (accuracy >= 95 %,
    every do-not-call found, none taken as a callback) of the fast path on your own phrases.

    A file whose first line is ``text<TAB>objection`` scores the scenario's objections.
    """
    if step and not scenario:
        raise typer.BadParameter("--step needs --scenario")
    rows = load_tsv(file)
    if file_kind(file) == "objection" and not scenario:
        raise typer.BadParameter("an objection file needs --scenario (whose objections to test)")
    keywords: Mapping[str, Sequence[str]] | None = None
    allowed: Sequence[str] | None = None
    objections = None
    if scenario:
        scenario_obj = resolve(scenario)
        keywords, allowed = _step_tables(scenario, step or scenario_obj.start)
        objections = scenario_obj.objection_examples()
    report = evaluate(rows, lambda text: classify(text, keywords, allowed, objections).intent)
    if as_json:
        print(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    else:
        _print_report(report)
