"""Streaming CSV helpers shared by the contact and DNC imports."""

from __future__ import annotations

import codecs
import csv
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
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


# Excel's "CSV" on French Windows writes Windows-1252; anything else must be named with --encoding.
FALLBACK_ENCODING = "cp1252"
_CHUNK = 1 << 20
NUL = b"\x00"
PROGRESS_EVERY = 4096  # lines between two progress reports


def detect_encoding(path: Path) -> str:
    """``utf-8-sig`` when the whole file is UTF-8 (BOM or not), else Windows-1252 if it decodes.

    Raises ImportError_ naming the first line that neither encoding can read.
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with path.open("rb") as raw:
            while chunk := raw.read(_CHUNK):
                if NUL in chunk:
                    raise ImportError_(
                        f"{path.name}: line {_first_line_with(path, NUL)} has NUL bytes: this is not "
                        "a CSV text file (save it from the spreadsheet as CSV UTF-8)"
                    )
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except OSError as exc:
        raise ImportError_(f"cannot read {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        line = first_undecodable_line(path, FALLBACK_ENCODING)
        if line is not None:
            raise ImportError_(
                f"{path.name}: line {line} is neither UTF-8 nor Windows-1252 text; "
                "give the file's encoding with --encoding (e.g. --encoding latin-1)"
            ) from None
        return FALLBACK_ENCODING
    return "utf-8-sig"


def _first_line_with(path: Path, needle: bytes) -> int:
    with path.open("rb") as raw:
        return next((n for n, line in enumerate(raw, start=1) if needle in line), 0)


def first_undecodable_line(path: Path, encoding: str) -> int | None:
    """The number of the first physical line of ``path`` that ``encoding`` cannot decode."""
    with path.open("rb") as raw:
        for number, line in enumerate(raw, start=1):
            try:
                line.decode(encoding)
            except UnicodeDecodeError:
                return number
    return None


@contextmanager
def open_text(path: Path, encoding: str | None = None) -> Iterator[TextIO]:
    """Open a text file in ``encoding`` (detected when None), translating OS errors into ImportError_."""
    chosen = encoding or detect_encoding(path)
    try:
        codecs.lookup(chosen)
    except LookupError:
        raise ImportError_(f"unknown encoding {chosen!r} (try utf-8, cp1252 or latin-1)") from None
    try:
        handle = path.open(encoding="utf-8-sig" if chosen in ("utf-8", "utf8") else chosen, newline="")
    except OSError as exc:
        raise ImportError_(f"cannot read {path}: {exc.strerror or exc}") from None
    with handle:
        yield handle


def counted_lines(handle: TextIO, progress: Callable[[int], None] | None) -> Iterator[str]:
    """Yield the lines of ``handle``, reporting characters read to ``progress`` every few thousand lines.

    A line the file's encoding cannot decode stops the import with its line number.
    """
    pending = 0
    try:
        for count, line in enumerate(handle, start=1):
            if progress is not None:
                pending += len(line)
                if count % PROGRESS_EVERY == 0:
                    progress(pending)
                    pending = 0
            yield line
    except UnicodeDecodeError as exc:
        path = Path(handle.name)
        line_number = first_undecodable_line(path, handle.encoding)
        where = f"line {line_number}" if line_number else f"byte {exc.start}"
        raise ImportError_(
            f"{path.name}: {where} is not {handle.encoding.removesuffix('-sig')} text ({exc.reason}); "
            "give the file's encoding with --encoding"
        ) from None
    if progress is not None and pending:
        progress(pending)


@dataclass
class Table:
    """A CSV file being read: its header, its data rows, and where the reader is."""

    header: list[str]
    rows: Iterator[list[str]]
    line_num: Callable[[], int]  # physical line number of the last row read
    delimiter: str


def table_reader(lines: Iterator[str]) -> Table:
    """Header, data rows and the current physical line number; the delimiter (``;``, ``,`` or tab)
    is guessed from the first line."""
    first = next(lines, "")
    delimiter = max((";", ",", "\t"), key=first.count) if any(d in first for d in ";,\t") else ","
    reader = csv.reader(_chain(first, lines), delimiter=delimiter)
    header = next(reader, [])
    return Table(header, reader, lambda: reader.line_num, delimiter)


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
