"""CLI: scenario list/validate/graph, nlp eval, simulate chat (typer runner, one real subprocess)."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner, Result

from commands import nlp, scenario, simulate_chat
from scenarios.library import library_dir
from scenarios.schema import load_scenario
from services.errors import ScenarioError
from tests.fakes.ollama_server import FakeOllama, Reply, running

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
PATRIMOINE = str(library_dir() / "patrimoine.yaml")
CORPUS = str(ROOT / "tests" / "data" / "utterances_fr.tsv")
runner = CliRunner()
root = typer.Typer()
root.add_typer(scenario.app, name="scenario")
root.add_typer(nlp.app, name="nlp")


def test_scenario_list_shows_step_counts() -> None:
    result = runner.invoke(root, ["scenario", "list"], terminal_width=200)
    steps = len(load_scenario(PATRIMOINE).steps)
    assert result.exit_code == 0
    assert f"patrimoine │ fr-FR    │ {steps}" in result.output


def test_scenario_validate_ok_reports_slots() -> None:
    result = runner.invoke(root, ["scenario", "validate", PATRIMOINE], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "ok patrimoine" in result.output and "0 recorded, 0 spliced, " in result.output


def test_scenario_validate_error_names_file_step_field(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        Path(PATRIMOINE).read_text(encoding="utf-8").replace("yes: q1_savings", "yes: q9"), "utf-8"
    )
    result = runner.invoke(root, ["scenario", "validate", str(bad)])
    assert isinstance(result.exception, ScenarioError)
    assert (result.exception.step, result.exception.field) == ("intro", "on.yes")
    cli = subprocess.run(
        [sys.executable, "-c", "import cli; cli.main()", "scenario", "validate", str(bad)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert cli.returncode != 0
    assert "bad.yaml, step 'intro', on.yes: unknown target step 'q9'" in " ".join(cli.stderr.split())


def test_scenario_graph_prints_mermaid() -> None:
    result = runner.invoke(root, ["scenario", "graph", PATRIMOINE])
    assert result.exit_code == 0 and result.output.startswith("flowchart TD")


def test_nlp_eval_json_and_tables() -> None:
    result = runner.invoke(root, ["nlp", "eval", CORPUS, "--json"])
    report = json.loads(result.output)
    assert report["total"] >= 300 and report["accuracy"] >= 0.9
    assert {"precision", "recall", "support"} == set(report["per_intent"]["yes"])
    assert report["confusion"]["yes"]["yes"] > 50
    tables = runner.invoke(root, ["nlp", "eval", CORPUS], terminal_width=200)
    assert tables.exit_code == 0 and "Confusion" in tables.output and "accuracy" in tables.output


def test_nlp_eval_with_scenario_step_keywords(tmp_path: Path) -> None:
    phrases = tmp_path / "q1.tsv"
    phrases.write_text("les trois\tyes\nles deux\tyes\n", encoding="utf-8")  # yes only at q1
    generic = json.loads(runner.invoke(root, ["nlp", "eval", str(phrases), "--json"]).output)
    result = runner.invoke(
        root, ["nlp", "eval", str(phrases), "--scenario", "patrimoine", "--step", "q1_savings", "--json"]
    )
    assert (generic["accuracy"], json.loads(result.output)["accuracy"]) == (0.0, 1.0)
    missing = runner.invoke(root, ["nlp", "eval", str(phrases), "--scenario", "patrimoine", "--step", "nope"])
    assert "no step 'nope'" in str(missing.exception)


def test_simulate_chat_command_with_typed_input() -> None:
    app = typer.Typer()
    simulate_chat.register(app)
    app.command("noop")(lambda: None)  # a second command keeps "chat" as a sub-command
    result = runner.invoke(app, ["chat", "patrimoine", "--first-name", "Paul"], input="non merci\n")
    assert result.exit_code == 0, result.output
    assert "Bonjour Paul" in result.output
    assert "[no 0.90] intro → goodbye_no" in result.output and "lead not_interested" in result.output


def _chat_with(fake: FakeOllama, monkeypatch: pytest.MonkeyPatch, typed: str) -> Result:
    """``simulate chat patrimoine --llm`` against ``fake`` (served from another thread)."""
    ready, stop = threading.Event(), threading.Event()

    async def serve() -> None:
        async with running(fake):
            ready.set()
            await asyncio.to_thread(stop.wait)

    thread = threading.Thread(target=asyncio.run, args=(serve(),))
    thread.start()
    try:
        assert ready.wait(10)
        monkeypatch.setenv("MINIBOT_OLLAMA_HOST", fake.url)
        app = typer.Typer()
        simulate_chat.register(app)
        app.command("noop")(lambda: None)
        return runner.invoke(app, ["chat", "patrimoine", "--llm"], input=typed)
    finally:
        stop.set()
        thread.join(10)


def test_simulate_chat_with_llm_asks_ollama_when_unsure(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeOllama(script=[Reply({"intent": "yes", "certitude": "forte"})])
    result = _chat_with(fake, monkeypatch, "ça dépend de quoi\n/hangup\n")
    assert result.exit_code == 0, result.output
    assert "[yes 0.95 · llm] intro → q1_savings" in result.output
    assert "Avez-vous une minute" in fake.requests[0]["messages"][-1]["content"]


@pytest.mark.parametrize(
    "reply",
    [Reply(kind="ndjson"), Reply(kind="html"), Reply(kind="no_message"), Reply(kind="drop"), Reply("oui")],
    ids=["ndjson", "html", "no_message", "drop", "not_json"],
)
def test_simulate_chat_with_a_broken_model_goes_on_without_a_traceback(
    reply: Reply, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = _chat_with(FakeOllama(script=[reply]), monkeypatch, "ça dépend de quoi\noui\n/hangup\n")
    assert result.exit_code == 0, result.output
    assert result.exception is None and "Traceback" not in result.output
    assert "· fallback] intro → intro" in result.output  # re-prompted, then the keywords go on
    assert "[yes 0.90] intro → q1_savings" in result.output


def test_simulate_chat_says_the_filler_while_a_slow_model_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MINIBOT_NLP_BUDGET_MS", "100")
    fake = FakeOllama(script=[Reply({"intent": "yes", "certitude": "forte"}, delay_s=0.5)])
    result = _chat_with(fake, monkeypatch, "ça dépend de quoi\n/hangup\n")
    assert result.exit_code == 0, result.output
    assert result.output.index("🤖 Je vois…") < result.output.index("[yes 0.95 · llm] intro → q1_savings")
