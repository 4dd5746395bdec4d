"""Streaming reader for CSV and JSONL lead files: one row at a time, never the whole file in memory.

    with open_table(path) as table:      # raises ValidationError for a file that cannot be imported
        for row in table:                # Row(number, values, error): a bad row never stops the others
            ...

Encoding rule (unless `encoding=` is given): a byte-order mark decides (UTF-8, UTF-16, UTF-32); NUL bytes
in the pattern of UTF-16 text mean UTF-16 without a BOM; otherwise, if the first 64 KiB are valid UTF-8,
the file is UTF-8 and any later byte that is not UTF-8 is read as Windows-1252 (files glued together from
several exports do this); if not, the whole file is Windows-1252 (a superset of Latin-1 for text). A
given encoding is strict: a byte that does not fit stops the import with the line number.

CSV: the delimiter is sniffed among comma, semicolon, tab and pipe (or taken from an Excel "sep=;" line);
quoted newlines are fine; lines before the header are skipped when the header is clearly the first row
with several columns (LinkedIn's connections export starts with three "Notes:" lines); duplicated header
names become "Email", "Email_2"; empty trailing columns are ignored; a row with more non-empty cells
than the header has columns is a row error, as is a cell over `max_field` characters or a line over
`max_line` characters. Row numbers are the file line where the record starts, as an editor shows it.

JSONL: one JSON object per line; scalars become text, nested values become JSON text.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from outboard.core.errors import ValidationError

MAX_FIELD = 1 << 20  # characters in one cell
MAX_LINE = 1 << 22  # characters in one physical line
_SAMPLE = 1 << 16
_DELIMITERS = (",", ";", "\t", "|")
_FALLBACK = "outboard-cp1252"
_MAGIC = {
    b"PK\x03\x04": "an Excel workbook or a ZIP archive, not CSV: save it as CSV UTF-8 and import that",
    b"\xd0\xcf\x11\xe0": "an old Excel (.xls) workbook, not CSV: save it as CSV UTF-8 and import that",
    b"%PDF": "a PDF document, not CSV or JSONL",
    b"\x1f\x8b": "gzip-compressed: decompress it first",
}


def _cp1252_fallback(exc: UnicodeError) -> tuple[str, int]:
    """Decode the bytes UTF-8 rejected as Windows-1252 (Latin-1 for its five undefined bytes)."""
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    bad = exc.object[exc.start : exc.end]
    text = "".join(bytes([b]).decode("cp1252", errors="ignore") or chr(b) for b in bad)
    return text, exc.end


codecs.register_error(_FALLBACK, _cp1252_fallback)


@dataclass(frozen=True, slots=True)
class Row:
    number: int  # file line where the record starts (1-based)
    values: dict[str, str]
    error: ValidationError | None = None


def _file_error(reason: str, path: Path) -> ValidationError:
    return ValidationError("file", reason, value=path.name)


def _detect_encoding(sample: bytes, path: Path) -> str:
    if sample.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "utf-32"
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in sample:
        even, odd = sample[0::2], sample[1::2]
        if odd.count(0) > 0.4 * len(odd) and even.count(0) < 0.05 * len(even):
            return "utf-16-le"
        if even.count(0) > 0.4 * len(even) and odd.count(0) < 0.05 * len(odd):
            return "utf-16-be"
        raise _file_error("this is not a text file (it contains binary data)", path)
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8"


def _looks_binary(text: str) -> bool:
    controls = sum(1 for ch in text if ch < " " and ch not in "\t\r\n\f") + text.count("\x7f")
    return controls > max(2, len(text) // 100)


def _records(sample: str, delimiter: str, complete: bool) -> list[list[str]]:
    reader = csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter)
    rows = list(itertools.islice(reader, 61))
    if len(rows) == 61:
        return rows[:60]
    return rows if complete or len(rows) < 2 else rows[:-1]  # the sample may cut the last record


def _header_index(rows: list[list[str]]) -> int | None:
    for i, row in enumerate(rows[:10]):
        if sum(1 for cell in row if cell.strip()) >= 2:
            return i
    return None


def _sniff(sample: str, complete: bool) -> tuple[str, int]:
    """(delimiter, number of records before the header): the delimiter under which the most rows have
    the header's width wins, then the wider header, then the order comma, semicolon, tab, pipe."""
    best: tuple[tuple[int, int, int], str, int] | None = None
    for rank, delimiter in enumerate(_DELIMITERS):
        rows = _records(sample, delimiter, complete)
        start = _header_index(rows)
        if start is None:
            continue
        width = len(rows[start])
        body = [r for r in rows[start + 1 :] if r]
        consistent = sum(1 for r in body if len(r) == width or (len(r) > width and not any(r[width:])))
        score = (consistent, width, -rank)
        if best is None or score > best[0]:
            best = (score, delimiter, start)
    if best is None:  # one column: the header is the first non-empty record
        rows = _records(sample, ",", complete)
        return ",", next((i for i, r in enumerate(rows) if any(c.strip() for c in r)), 0)
    return best[1], best[2]


def clean_header(cells: list[str]) -> list[str]:
    """Strip names, name blank ones "column_N", drop blank trailing ones, suffix duplicates: Email_2."""
    names = [c.replace("\ufeff", "").replace("\u200b", "").strip().strip('"').strip() for c in cells]
    while names and not names[-1]:
        names.pop()
    seen: set[str] = set()
    out = []
    for i, name in enumerate(names):
        base = name or f"column_{i + 1}"
        unique, n = base, 1
        while unique.casefold() in seen:
            n += 1
            unique = f"{base}_{n}"
        seen.add(unique.casefold())
        out.append(unique)
    return out


def _json_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


class Table:
    """An open lead file: format, encoding, delimiter and header are known; iterate for rows."""

    def __init__(self, path: Path, raw: BinaryIO, *, encoding: str, strict: bool, fmt: str,
                 delimiter: str | None, max_field: int, max_line: int) -> None:
        self.path, self.format, self.encoding = path, fmt, encoding
        self.delimiter = delimiter
        self.max_field, self.max_line = max_field, max_line
        self.header: list[str] = []
        self.preamble: list[str] = []  # lines skipped before the header (LinkedIn's "Notes:")
        self._stream = io.TextIOWrapper(raw, encoding=encoding, errors="strict" if strict else _FALLBACK,
                                        newline="")
        self.line_no = 0
        self._overlong: list[int] = []
        self._buffer: list[Row] = []
        self._rows: Iterator[Row] = iter(())

    # -- lines ---------------------------------------------------------------------------------------
    def _lines(self) -> Iterator[str]:
        """Physical lines, each cut at max_line: an overlong line is remembered and replaced by a newline."""
        readline = self._stream.readline
        while True:
            try:
                line = readline(self.max_line + 1)
            except UnicodeDecodeError as exc:
                raise _file_error(f"not valid {self.encoding} near line {self.line_no + 1} ({exc.reason})",
                                  self.path) from None
            if not line:
                return
            self.line_no += 1
            if len(line) > self.max_line and line[-1] not in "\r\n":
                self._overlong.append(self.line_no)
                while line and line[-1] not in "\r\n":
                    line = readline(self.max_line)
                yield "\n"
                continue
            yield line

    # -- CSV -----------------------------------------------------------------------------------------
    def _open_csv(self, sample: str, complete: bool) -> None:
        lines = self._lines()
        first = sample.split("\n", 1)[0].strip(' \r"')
        skip = 0
        if first.lower().startswith("sep=") and len(first) == 5:  # Excel's delimiter hint: "sep=;"
            self.delimiter = self.delimiter or first[4]
            next(lines, None)
            sample = sample.split("\n", 1)[1] if "\n" in sample else ""
        if self.delimiter is None:
            self.delimiter, skip = _sniff(sample, complete)
        else:
            skip = _header_index(_records(sample, self.delimiter, complete)) or 0
        csv.field_size_limit(self.max_field)  # process-wide; every import uses the same limit
        reader = csv.reader(lines, delimiter=self.delimiter)
        for _ in range(skip):
            record = next(reader, None)
            if record is not None:
                self.preamble.append(self.delimiter.join(record))
        header: list[str] | None = []
        while header is not None and not any(c.strip() for c in header):
            header = next(reader, None)
        if header is None:
            raise _file_error("the file is empty", self.path)
        if self._overlong:
            raise _file_error(f"the header line is longer than {self.max_line:,} characters", self.path)
        self.header = clean_header(header)
        self._rows = self._csv_rows(reader)

    def _csv_rows(self, reader: Iterator[list[str]]) -> Iterator[Row]:
        width = len(self.header)
        while True:
            start = self.line_no + 1
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                reason = (f"a cell is longer than {self.max_field:,} characters" if "field limit" in str(exc)
                          else f"unreadable CSV ({exc})")
                yield Row(start, {}, ValidationError("record", reason, row=start))
                continue
            if self._overlong:
                self._overlong.clear()
                reason = f"a line is longer than {self.max_line:,} characters"
                yield Row(start, {}, ValidationError("record", reason, row=start))
                continue
            if len(cells) > width:
                extra = cells[width:]
                if any(c.strip() for c in extra):
                    reason = f"{len(cells)} columns but the header has {width}"
                    yield Row(start, {}, ValidationError("columns", reason, row=start))
                    continue
                cells = cells[:width]
            if not "".join(cells).strip():
                continue  # blank line or a row of empty cells (Excel leaves those at the end)
            if len(cells) < width:
                cells = cells + [""] * (width - len(cells))
            yield Row(start, dict(zip(self.header, cells, strict=True)))

    # -- JSONL ---------------------------------------------------------------------------------------
    def _open_jsonl(self) -> None:
        self._rows = self._jsonl_rows(self._lines())
        seen: dict[str, None] = {}
        for row in self._rows:  # the header is the keys of the first objects, for preset detection
            self._buffer.append(row)
            seen.update(dict.fromkeys(row.values))
            if len(self._buffer) >= 50:
                break
        if not self._buffer:
            raise _file_error("the file is empty", self.path)
        self.header = list(seen)

    def _jsonl_rows(self, lines: Iterator[str]) -> Iterator[Row]:
        for line in lines:
            number = self.line_no
            if self._overlong:
                self._overlong.clear()
                reason = f"a line is longer than {self.max_line:,} characters"
                yield Row(number, {}, ValidationError("record", reason, row=number))
                continue
            text = line.strip().lstrip("\ufeff")
            if not text:
                continue
            try:
                obj = json.loads(text)
            except ValueError as exc:
                yield Row(number, {}, ValidationError("record", f"not valid JSON ({exc})", row=number))
                continue
            if not isinstance(obj, dict):
                yield Row(number, {}, ValidationError("record", "each line must be a JSON object", row=number))
                continue
            values = {str(k): _json_text(v) for k, v in obj.items()}
            if any(len(v) > self.max_field for v in values.values()):
                reason = f"a value is longer than {self.max_field:,} characters"
                yield Row(number, {}, ValidationError("record", reason, row=number))
                continue
            yield Row(number, values)

    # -- iteration -----------------------------------------------------------------------------------
    def _prefetch_first_row(self) -> None:
        first = next(self._rows, None)
        if first is None:
            raise _file_error("the file has a header row but no data rows", self.path)
        self._buffer.append(first)

    def __iter__(self) -> Iterator[Row]:
        while self._buffer:
            yield self._buffer.pop(0)
        yield from self._rows

    def bytes_read(self) -> int:
        """How far into the file reading got, in bytes (for progress; reads ahead by a buffer)."""
        try:
            return self._stream.buffer.tell()
        except (OSError, ValueError):
            return 0

    def close(self) -> None:
        self._stream.close()

    def __enter__(self) -> Table:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _format_of(path: Path, sample: str) -> str:
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    if suffix in (".csv", ".tsv", ".txt"):
        return "csv"
    return "jsonl" if sample.lstrip("\ufeff \r\n\t").startswith("{") else "csv"


def open_table(path: str | Path, *, encoding: str | None = None, delimiter: str | None = None,
               fmt: str | None = None, max_field: int = MAX_FIELD, max_line: int = MAX_LINE) -> Table:
    """Open a CSV or JSONL file for streaming; raises ValidationError (field "file") when it cannot be
    imported at all: empty, header only, binary, a spreadsheet or archive, undecodable."""
    path = Path(path)
    raw = path.open("rb")
    try:
        sample = raw.read(_SAMPLE)
        complete = len(sample) < _SAMPLE
        if not sample.strip():
            raise _file_error("the file is empty", path)
        for magic, what in _MAGIC.items():
            if sample.startswith(magic):
                raise _file_error(f"this is {what}", path)
        chosen = encoding or _detect_encoding(sample, path)
        try:
            text = codecs.getincrementaldecoder(chosen)(errors="strict" if encoding else _FALLBACK).decode(
                sample, final=complete)
        except LookupError:
            raise _file_error(f"unknown encoding {encoding!r}", path) from None
        except UnicodeDecodeError as exc:
            raise _file_error(f"not valid {chosen} ({exc.reason})", path) from None
        if _looks_binary(text):
            raise _file_error("this is not a text file (it contains binary data)", path)
        if not text.lstrip("\ufeff").strip():
            raise _file_error("the file is empty", path)
        raw.seek(0)
        table = Table(path, raw, encoding=chosen, strict=encoding is not None, fmt=fmt or _format_of(path, text),
                      delimiter=delimiter, max_field=max_field, max_line=max_line)
        if table.format == "jsonl":
            table._open_jsonl()
        else:
            table._open_csv(text.lstrip("\ufeff"), complete)
            table._prefetch_first_row()
        return table
    except BaseException:
        raw.close()
        raise


def read_rows(path: str | Path, **options: object) -> Iterator[Row]:
    """Every row of a file (see open_table for the options); the file is closed at the end."""
    with open_table(path, **options) as table:  # type: ignore[arg-type]
        yield from table
