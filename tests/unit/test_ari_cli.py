"""`minibot simulate pbx` refuses a bad persona rules file before listening."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli import app
from services.errors import ConfigError

pytestmark = pytest.mark.unit


def test_bad_rules_file_is_a_config_error(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text("rules: [{match: x, persona: ghost}]\n")
    result = CliRunner().invoke(app, ["simulate", "pbx", "--rules", str(rules), "--port", "0"])
    assert isinstance(result.exception, ConfigError)
    assert "unknown persona 'ghost'" in str(result.exception)
