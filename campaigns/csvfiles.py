"""Streaming CSV helpers shared by the contact and DNC imports."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from services.errors import ImportError_

PHONE_HEADERS = frozenset(
    {
        "phone",
        "telephone",
        "téléphone",
        "tel",
        "tél",
        "numero",
        "numéro",
        "mobile",
        "portable",
        "number",
        "msisdn",
    }
)


@contextmanager
def open_text(path: Path) -> Iterator[TextIO]:
    """Open a UTF-8 (BOM tolerated) text file, translating OS errors into ImportError_."""
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise ImportError_(f"cannot read {path}: {exc.strerror or exc}") from None
    with handle:
        yield handle


def counted_lines(handle: TextIO, progress: Callable[[int], None] | None) -> Iterator[str]:
    """Yield the lines of ``handle``, reporting each line's size in characters to ``progress``."""
    try:
        for line in handle:
            if progress is not None:
                progress(len(line))
            yield line
    except UnicodeDecodeError as exc:
        raise ImportError_(f"the file is not UTF-8 text: {exc.reason} at byte {exc.start}") from None


def table_reader(lines: Iterator[str]) -> tuple[list[str], Iterator[list[str]], Callable[[], int]]:
    """Header, data rows and a function giving the current physical line number.

    The delimiter (``;``, ``,`` or tab) is guessed from the first line.
    """
    first = next(lines, "")
    delimiter = max((";", ",", "\t"), key=first.count) if any(d in first for d in ";,\t") else ","
    reader = csv.reader(_chain(first, lines), delimiter=delimiter)
    header = next(reader, [])
    return header, reader, lambda: reader.line_num


def _chain(first: str, lines: Iterator[str]) -> Iterator[str]:
    if first:
        yield first
    yield from lines


def phone_field(fieldnames: Sequence[str] | None) -> str | None:
    """The header naming the phone column (case-insensitive, common French/English aliases)."""
    for name in fieldnames or []:
        if name.strip().lower() in PHONE_HEADERS:
            return name
    return None
