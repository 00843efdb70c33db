"""CSV files people open in a spreadsheet and files scripts read: one writer, two styles.

French Excel opens a file by double-click correctly only when it is separated by semicolons
(the comma is the decimal mark in France) and starts with a UTF-8 byte order mark (else it
reads Windows-1252 and garbles accents). Scripts want plain comma-separated UTF-8.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from typing import Any, TextIO

from services.errors import ConfigError


@dataclass(frozen=True)
class CsvStyle:
    """How a CSV file is written: its name, separator, leading text and line ending."""

    name: str
    delimiter: str
    bom: str
    lineterminator: str


EXCEL = CsvStyle("excel", ";", "\ufeff", "\r\n")  # French Excel: semicolons, UTF-8 BOM, CRLF
PLAIN = CsvStyle("plain", ",", "", "\n")  # scripts: RFC 4180 commas, no BOM
STYLES = {style.name: style for style in (EXCEL, PLAIN)}


def csv_style(name: str) -> CsvStyle:
    """The style called ``name`` (``excel`` or ``plain``); ConfigError otherwise."""
    try:
        return STYLES[name]
    except KeyError:
        raise ConfigError(f"unknown CSV format {name!r}: use one of {sorted(STYLES)}") from None


def csv_writer(handle: TextIO, style: CsvStyle) -> Any:
    """A ``csv.writer`` on ``handle`` in ``style``, the byte order mark written first when it has one."""
    handle.write(style.bom)
    return csv.writer(handle, delimiter=style.delimiter, lineterminator=style.lineterminator)
