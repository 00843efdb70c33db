"""Settings come from MINIBOT_* variables; bad values are clear errors; .env.example lists them all."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import pytest

from services.config import Settings, load_settings
from services.errors import ConfigError

pytestmark = pytest.mark.unit
ROOT = Path(__file__).resolve().parents[2]


def test_env_values_are_converted() -> None:
    s = load_settings(
        {"MINIBOT_GLOBAL_MAX_CALLS": "12", "MINIBOT_LOG_JSON": "yes", "MINIBOT_DATA_DIR": "/tmp/x"}
    )
    assert s.global_max_calls == 12 and s.log_json is True and s.data_dir == Path("/tmp/x")


def test_bad_value_names_the_variable() -> None:
    with pytest.raises(ConfigError, match="MINIBOT_MEDIA_PORT='abc'"):
        load_settings({"MINIBOT_MEDIA_PORT": "abc"})


def test_env_example_documents_every_setting() -> None:
    text = (ROOT / ".env.example").read_text()
    missing = [f.name for f in fields(Settings) if f"MINIBOT_{f.name.upper()}=" not in text]
    assert missing == []
