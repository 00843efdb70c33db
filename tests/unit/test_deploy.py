"""The production stack as shipped: docker-compose.yml is valid Compose (the compose-spec parser,
after interpolation from .env.example) and consistent, every MINIBOT_* it sets is a setting, and
every metric the Grafana dashboard or the alert rules name is exported and recorded by the code."""

from __future__ import annotations

import configparser
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from compose_spec import PyCompose

from commands import GROUPS
from services import metrics
from services.config import Settings

pytestmark = pytest.mark.unit
ROOT = Path(__file__).resolve().parents[2]
_INTERPOLATION = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}")


def env_example() -> dict[str, str]:
    values = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        if line.strip() and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            values[key.strip()] = value.strip()
    return values


def interpolate(value: Any, env: dict[str, str]) -> Any:
    """Compose's variable interpolation: ${X}, ${X:-default}, ${X-default}, ${X:?error}, $$."""

    def one(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name, op, arg = match.groups()
        found = env.get(name)
        if op in (":-", "-"):
            unset = found is None or (op == ":-" and found == "")
            return arg if unset else str(found)
        if op in (":?", "?") and not found:
            raise AssertionError(f"${{{name}}} is required ({arg}) and .env.example does not set it")
        return found or ""

    if isinstance(value, dict):
        return {k: interpolate(v, env) for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate(v, env) for v in value]
    return _INTERPOLATION.sub(one, value) if isinstance(value, str) else value


def compose() -> dict[str, Any]:
    loaded = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return {k: v for k, v in loaded.items() if not k.startswith("x-")}


def test_compose_file_is_valid_compose() -> None:
    resolved = interpolate(compose(), env_example())
    parsed = PyCompose.from_json(json.dumps(resolved))  # raises on any departure from the spec
    parsed.validate()
    assert "robot" in parsed.service_names()


def test_compose_parser_refuses_what_compose_refuses() -> None:
    with pytest.raises(ValueError, match=r"condition|variant"):
        PyCompose.from_json(
            json.dumps({"services": {"a": {"image": "x", "depends_on": {"b": {"condition": "up"}}}}})
        )


def test_compose_services_are_consistent() -> None:
    spec = compose()
    services = spec["services"]
    assert {"postgres", "asterisk", "ollama", "robot", "dashboard", "prometheus", "grafana"} <= set(services)
    for name, svc in services.items():
        assert "image" in svc or "build" in svc, name
        image = svc.get("image", "")
        assert not image.endswith(":latest") and (":" in image or "build" in svc), f"{name}: pin {image}"
        for dep in svc.get("depends_on", {}):
            assert dep in services, f"{name} depends on unknown service {dep}"
        for volume in svc.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("./"):
                assert (ROOT / source).exists(), f"{name} mounts missing {source}"
            else:
                assert source in spec["volumes"], f"{name} uses undeclared volume {source}"
        one_shot = svc.get("restart") is None
        assert one_shot or "healthcheck" in svc, f"{name} runs for good but has no healthcheck"
    assert services["robot"]["environment"]["MINIBOT_DATABASE_URL"].startswith("postgresql://")


def test_every_minibot_variable_of_the_stack_is_a_setting() -> None:
    text = (ROOT / "docker-compose.yml").read_text()
    settings = {f"MINIBOT_{name.upper()}" for name in Settings.__dataclass_fields__}
    extra = {"MINIBOT_ADMIN_EMAIL", "MINIBOT_ADMIN_PASSWORD", "MINIBOT_VERSION"}  # read by the setup job
    unknown = set(re.findall(r"\bMINIBOT_[A-Z_]+", text)) - settings - extra
    assert not unknown, f"docker-compose.yml sets variables MiniBot does not read: {sorted(unknown)}"


def test_image_runs_as_a_user_with_a_healthcheck() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^USER (?!root)\w+", dockerfile, re.M) and "HEALTHCHECK" in dockerfile
    assert ":latest" not in dockerfile


def _exported_series() -> dict[str, str]:
    """Series name → Python name of the metric object, for every metric of the registry."""
    objects = {
        obj._name: var
        for var, obj in vars(metrics).items()
        if hasattr(obj, "_name") and hasattr(obj, "_type")
    }
    series = {}
    for name, var in objects.items():
        kind = getattr(metrics, var)._type
        suffixes = {"counter": ["_total"], "histogram": ["_bucket", "_sum", "_count"]}.get(kind, [""])
        for suffix in suffixes:
            series[name + suffix] = var
    return series


def _named_metrics() -> set[str]:
    dashboard = (ROOT / "deploy" / "grafana" / "dashboards" / "minibot.json").read_text()
    exprs = [t["expr"] for p in json.loads(dashboard)["panels"] for t in p.get("targets", [])]
    alerts = yaml.safe_load((ROOT / "deploy" / "alerts.yml").read_text())
    exprs += [r["expr"] for g in alerts["groups"] for r in g["rules"]]
    return {m for e in exprs for m in re.findall(r"\bminibot_[a-z_]+", e)}


def test_grafana_and_alerts_name_only_exported_metrics_that_the_code_records() -> None:
    exported = _exported_series()
    named = _named_metrics()
    assert len(named) >= 15
    missing = named - set(exported)
    assert not missing, f"dashboards or alerts name metrics the code does not export: {sorted(missing)}"
    sources = "\n".join(
        p.read_text()
        for folder in ("calls", "services", "campaigns", "dashboard")
        for p in (ROOT / folder).rglob("*.py")
    )
    recorded = r"\b{}\.(labels|inc|dec|observe|set|set_function)\b"
    unrecorded = {m for m in named if not re.search(recorded.format(exported[m]), sources)}
    assert not unrecorded, f"metrics defined but never recorded: {sorted(unrecorded)}"


def test_grafana_provisioning_points_at_the_dashboards() -> None:
    provider = yaml.safe_load((ROOT / "deploy/grafana/provisioning/dashboards/minibot.yml").read_text())
    datasource = yaml.safe_load((ROOT / "deploy/grafana/provisioning/datasources/prometheus.yml").read_text())
    uid = datasource["datasources"][0]["uid"]
    dashboard = json.loads((ROOT / "deploy/grafana/dashboards/minibot.json").read_text())
    assert provider["providers"][0]["options"]["path"] == "/var/lib/grafana/dashboards"
    assert all(p["datasource"]["uid"] == uid for p in dashboard["panels"] if "datasource" in p)


@pytest.mark.parametrize("unit", ["minibot-robot@.service", "minibot-dashboard.service"])
def test_systemd_units_start_existing_commands(unit: str) -> None:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string((ROOT / "deploy" / "systemd" / unit).read_text())
    command = parser["Service"]["ExecStart"].split()
    assert command[0].endswith("/minibot") and command[1] in GROUPS
    assert parser["Service"]["User"] != "root" and parser["Install"]["WantedBy"] == "multi-user.target"
