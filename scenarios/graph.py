"""Mermaid flowchart of a scenario (``minibot scenario graph``)."""

from __future__ import annotations

from scenarios.schema import Scenario, Step

_MAX_LABEL = 48


def _quote(text: str) -> str:
    short = text if len(text) <= _MAX_LABEL else text[: _MAX_LABEL - 1] + "…"
    return short.replace('"', "'")


def _node(step: Step, scenario: Scenario) -> str:
    said = _quote(step.say.text) if step.say and step.say.text else ""
    label = f"{step.name}<br/>{said}" if said else step.name
    if step.branch is not None:
        return f'    {step.name}{{"{step.name}<br/>score ≥ {scenario.qualify.min_score} ?"}}'
    if step.action == "transfer":
        endpoint = step.endpoint or scenario.transfer_endpoint
        return f'    {step.name}[["{label}<br/>→ transfer {_quote(endpoint)}"]]'
    if step.action:
        status = step.status or ("callback" if step.action == "callback" else "by score")
        return f'    {step.name}(["{label}<br/>{step.action} · {status}"])'
    return f'    {step.name}["{label}"]'


def to_mermaid(scenario: Scenario) -> str:
    """Flowchart text: one node per step, one edge per transition (retries in the label)."""
    lines = ["flowchart TD", f"    start((start)) --> {scenario.start}"]
    lines += [_node(step, scenario) for step in scenario.steps.values()]
    for step in scenario.steps.values():
        if step.branch is not None:
            lines.append(f"    {step.name} -- qualified --> {step.branch[0]}")
            lines.append(f"    {step.name} -- otherwise --> {step.branch[1]}")
        by_target: dict[str, list[str]] = {}
        for key, transition in step.on.items():
            label = f"{key} (retry {transition.retry})" if transition.retry else key
            by_target.setdefault(transition.target, []).append(label)
        for target, labels in by_target.items():
            lines.append(f'    {step.name} -- "{" / ".join(labels)}" --> {target}')
    return "\n".join(lines) + "\n"
