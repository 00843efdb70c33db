"""Settings read from the environment (``MINIBOT_*``), with sane defaults.

Every setting is documented in ``.env.example`` and the README.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from services.errors import ConfigError


def _default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "minibot"


@dataclass(frozen=True)
class Settings:
    """All runtime settings. Build with :func:`load_settings`."""

    database_url: str = ""
    data_dir: Path = field(default_factory=_default_data_dir)
    log_level: str = "INFO"
    log_json: bool = False
    # ARI
    ari_url: str = "http://127.0.0.1:8088"
    ari_user: str = "minibot"
    ari_password: str = "minibot"
    ari_app: str = "minibot"
    # Media
    media_transport: str = "websocket"
    media_host: str = "127.0.0.1"
    media_port: int = 9099
    rtp_port_min: int = 20000
    rtp_port_max: int = 20999
    # Robot
    robot_id: str = ""
    global_max_calls: int = 50
    admission_asr_lag_ms: float = 300.0  # ASR lag p95 above this: take no new calls for a while
    admission_loop_lag_ms: float = 100.0  # event-loop lag p99 above this: the same
    ring_timeout_s: int = 30
    lease_seconds: int = 120
    drain_timeout_s: float = 60.0
    metrics_host: str = "127.0.0.1"
    metrics_port: int = 9100
    recordings_dir: Path = field(default_factory=lambda: _default_data_dir() / "recordings")
    # Speech
    vosk_model: str = ""
    asr_warm_recognizers: int = 4
    asr_max_idle_recognizers: int = 32  # idle recognizers kept warm; the others are freed
    vad_aggressiveness: int = 2
    tts_engine: str = "auto"  # auto (Piper when a voice is installed, else espeak-ng) | piper | espeak
    tts_voice: str = ""  # Piper voice name or .onnx path, or espeak-ng voice; "": the engine's default
    tts_workers: int = 1  # Piper synthesis threads
    tts_cache_dir: Path = field(default_factory=lambda: _default_data_dir() / "tts-cache")
    # NLP
    ollama_host: str = "http://127.0.0.1:11434"
    ollama_model: str = "qwen2.5:3b"
    ollama_keep_alive: str = "30m"  # how long Ollama keeps the model loaded after a request
    ollama_slots: int = 1  # OLLAMA_NUM_PARALLEL: live turns never queue behind a busy slot
    nlp_budget_ms: int = 800  # silent wait for the model on a live turn
    nlp_filler_ms: int = 2000  # more wait after a filler ("Je vois…"); 0: no filler
    nlp_analysis_budget_ms: int = 30000  # post-call analysis, off the call path
    # Dashboard
    dashboard_host: str = "127.0.0.1"
    dashboard_port: int = 8080
    secret_key: str = ""
    dashboard_idle_minutes: int = 30
    dashboard_session_hours: int = 12
    dashboard_trusted_proxies: str = ""
    language: str = "fr"
    retention_days: int = 180
    # Scheduler (jobs in every robot, each slot run once across robots)
    scheduler_enabled: bool = True
    timezone: str = "Europe/Paris"
    dnc_max_age_days: int = 60
    reports_dir: Path = field(default_factory=lambda: _default_data_dir() / "reports")
    summary_webhook_url: str = ""
    # Appointments: the adviser's notice (an .ics file always; webhook and e-mail when set)
    appointment_webhook_url: str = ""
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_from: str = "minibot@localhost"
    smtp_starttls: bool = True
    # Business metrics: what calls cost (per call placed, per minute of talk)
    cost_per_call: float = 0.0
    cost_per_minute: float = 0.0


_PREFIX = "MINIBOT_"


def _convert(name: str, raw: str, default: Any) -> Any:
    try:
        if isinstance(default, bool):
            if raw.lower() in {"1", "true", "yes", "on"}:
                return True
            if raw.lower() in {"0", "false", "no", "off", ""}:
                return False
            raise ValueError(raw)
        if isinstance(default, int):
            return int(raw)
        if isinstance(default, float):
            return float(raw)
        if isinstance(default, Path):
            return Path(raw).expanduser()
    except ValueError as exc:
        raise ConfigError(f"{_PREFIX}{name.upper()}={raw!r} is not a valid {type(default).__name__}") from exc
    return raw


def load_settings(env: dict[str, str] | None = None, **overrides: Any) -> Settings:
    """Read settings from ``env`` (default: ``os.environ``); keyword overrides win."""
    source = os.environ if env is None else env
    values: dict[str, Any] = {}
    defaults = Settings()
    for f in fields(Settings):
        key = _PREFIX + f.name.upper()
        if key in source:
            values[f.name] = _convert(f.name, source[key], getattr(defaults, f.name))
    values.update(overrides)
    return Settings(**values)
