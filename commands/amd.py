"""`minibot amd`: answering-machine detection measured on your own recordings."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from commands.common import console, err_console
from services.amd import AMD_BIASES
from services.amd_eval import LABELS, VERDICTS, EvalReport, evaluate, load_manifest

app = typer.Typer(
    help="Answering-machine detection: evaluate and tune it on your own recordings.", no_args_is_help=True
)


def _print_report(report: EvalReport, bias: str) -> None:
    console.print(
        f"bias [bold]{bias}[/bold]: accuracy [bold]{report.accuracy:.1%}[/bold] on {report.total} clips, "
        f"humans classed as machine {report.rate('human', 'machine'):.1%}, "
        f"machine recall {report.rate('machine', 'machine'):.1%}"
    )
    console.print(
        f"decision after answer: p50 {report.decision_percentile(50)} ms, "
        f"p95 {report.decision_percentile(95)} ms"
    )
    matrix = Table(title="Confusion (rows: label, columns: verdict)")
    matrix.add_column("")
    for verdict in VERDICTS:
        matrix.add_column(verdict, justify="right")
    for label in LABELS:
        matrix.add_row(label, *[str(n) for n in report.confusion[label].values()])
    console.print(matrix)
    if report.errors:
        errors = Table(title="Errors")
        for column in ("file", "label", "verdict", "decided (ms)", "reason"):
            errors.add_column(column)
        for r in report.errors:
            errors.add_row(r.clip.file, r.clip.label, r.verdict, str(r.decision_ms), r.reason)
        console.print(errors)


@app.command("eval")
def eval_command(
    manifest: Annotated[
        Path, typer.Argument(help="CSV with columns file,label (human|machine); WAV paths relative to it.")
    ],
    bias: Annotated[
        str, typer.Option(help=f"Campaign AMD bias to evaluate: {' | '.join(AMD_BIASES)}.")
    ] = "balanced",
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Run the production AMD on labelled recordings, frame by frame on a 20 ms clock, as a call would.

    Each recording is followed by silence (a callee waiting on the line) until the detector decides.
    Prints accuracy, the confusion matrix, decision times after answer and every error.
    """
    if bias not in AMD_BIASES:
        raise typer.BadParameter(f"must be one of {', '.join(AMD_BIASES)}", param_hint="--bias")
    clips = load_manifest(manifest)
    if not as_json:
        err_console.print(f"evaluating {len(clips)} clips...")
    report = evaluate(clips, bias)
    if as_json:
        print(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    else:
        _print_report(report, bias)
