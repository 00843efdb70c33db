"""Structured logging: one JSON object per line (or readable text), phone numbers masked.

Context such as ``call_id``, ``campaign`` and ``step`` is passed with ``extra=`` and lands
as top-level keys of the JSON record.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime

# Phone numbers only: E.164 (``+33 6 12 34 56 78``), the ``00`` international prefix, and national
# numbers written as a 0 and nine digits in pairs with one separator (``06 12 34 56 78``,
# ``0612345678``). IP addresses, ports, timestamps, status codes and ids are left alone.
_PHONE_RE = re.compile(
    r"(?<![\w.+])(?:"
    r"\+[1-9]\d{7,14}"  # E.164, compact (tried first, so what follows it stays)
    r"|\+[1-9]\d{0,2}(?:[ .-]\d{1,4}){2,6}"  # E.164 with separators: +33 6 12 34 56 78
    r"|00[1-9]\d{6,13}"  # international prefix
    r"|0[1-9]([ .-]?)\d{2}(?:\1\d{2}){3}"  # national, ten digits
    r")(?![\w]|[.:-]\d)"
)
_STANDARD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}


def mask_digits(text: str) -> str:
    """Mask every phone number (E.164 or national format), keeping its last 4 digits."""

    def _mask(match: re.Match[str]) -> str:
        digits = re.sub(r"\D", "", match.group(0))
        return "*" * (len(digits) - 4) + digits[-4:]

    return _PHONE_RE.sub(_mask, text)


def _context(record: logging.LogRecord) -> dict[str, object]:
    return {k: v for k, v in record.__dict__.items() if k not in _STANDARD and not k.startswith("_")}


class JsonFormatter(logging.Formatter):
    """Format records as JSON lines with masked phone numbers."""

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": mask_digits(record.getMessage()),
        }
        for key, value in _context(record).items():
            payload[key] = mask_digits(value) if isinstance(value, str) else value
        if record.exc_info:
            payload["exc"] = self.formatException(record.exc_info)
        return json.dumps(payload, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """Readable one-line format for a terminal, with the context appended and numbers masked."""

    def format(self, record: logging.LogRecord) -> str:
        ctx = " ".join(f"{k}={v}" for k, v in _context(record).items())
        ts = datetime.fromtimestamp(record.created).strftime("%H:%M:%S")
        line = f"{ts} {record.levelname:<7} {record.name}: {record.getMessage()}"
        line = mask_digits(f"{line}  {ctx}" if ctx else line)
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


def setup_logging(level: str = "INFO", *, json_lines: bool = False) -> None:
    """Configure the root logger once for a process."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if json_lines else TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
