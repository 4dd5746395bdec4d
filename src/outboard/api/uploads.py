"""File uploads for the pages and the API: the multipart body is parsed as it arrives and the file part is
written straight to a file of its own under the upload folder, never held in memory, and refused as soon
as it passes the size limit. Text fields stay small (MAX_FIELD bytes each)."""

from __future__ import annotations

import re
import secrets
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request

from outboard.core.errors import ValidationError

MAX_FIELD = 10_000  # bytes in one text field
MAX_FIELDS = 20
_SLACK = 64 * 1024  # what the multipart framing and the text fields may add to a declared body
_UNSAFE = re.compile(r"[^\w.\- ]+")


@dataclass
class Upload:
    fields: dict[str, str] = field(default_factory=dict)
    path: Path | None = None  # where the file part was written (in a folder of its own)
    filename: str = ""  # the name the sender gave, made safe
    size: int = 0

    def discard(self) -> None:
        """Remove the stored file and its folder (a refused upload leaves nothing behind)."""
        if self.path is not None:
            shutil.rmtree(self.path.parent, ignore_errors=True)
            self.path = None


def safe_filename(name: str) -> str:
    base = _UNSAFE.sub("_", Path(name.replace("\\", "/")).name).strip(" ._")[:120]
    return base or "upload.csv"


def _too_large(limit: int) -> ValidationError:
    return ValidationError("file", f"the file is larger than {limit // (1024 * 1024):,} MB")


class _Parts:
    """python-multipart callbacks: headers of each part, text fields in memory, the file part on disk."""

    def __init__(self, folder: Path, limit: int, before_file: Callable[[dict[str, str]], None] | None):
        self.folder, self.limit, self.before_file = folder, limit, before_file
        self.upload = Upload()
        self.checked = False
        self.error: BaseException | None = None
        self._headers: dict[bytes, bytes] = {}
        self._name, self._value = b"", b""
        self._field: str | None = None
        self._text = bytearray()
        self._file: IO[bytes] | None = None

    def callbacks(self) -> dict[str, Any]:
        return {"on_part_begin": self._begin, "on_header_field": self._header_field,
                "on_header_value": self._header_value, "on_header_end": self._header_end,
                "on_headers_finished": self._headers_done, "on_part_data": self._data, "on_part_end": self._end}

    def _guard(self, work: Callable[[], None]) -> None:
        if self.error is None:
            try:
                work()
            except BaseException as exc:  # kept and raised between chunks: the parser is not re-entered
                self.error = exc

    def _begin(self) -> None:
        self._headers, self._field, self._text = {}, None, bytearray()

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._name += data[start:end]

    def _header_value(self, data: bytes, start: int, end: int) -> None:
        self._value += data[start:end]

    def _header_end(self) -> None:
        self._headers[self._name.lower()] = self._value
        self._name, self._value = b"", b""

    def _headers_done(self) -> None:
        self._guard(self._open_part)

    def _open_part(self) -> None:
        _, options = parse_options_header(self._headers.get(b"content-disposition", b""))
        name = options.get(b"name", b"").decode("utf-8", "replace")
        if b"filename" not in options:
            if len(self.upload.fields) >= MAX_FIELDS:
                raise ValidationError("form", "too many form fields")
            self._field = name
            return
        if self.upload.path is not None or name != "file":
            raise ValidationError("file", "send one file, in the field named file")
        self.check()
        self.upload.filename = safe_filename(options[b"filename"].decode("utf-8", "replace"))
        folder = self.folder / secrets.token_hex(8)
        folder.mkdir(parents=True)
        self.upload.path = folder / self.upload.filename
        self._file = self.upload.path.open("wb")

    def check(self) -> None:
        """The caller's check of the text fields before any file byte is stored (the pages' CSRF token)."""
        if not self.checked:
            self.checked = True
            if self.before_file is not None:
                self.before_file(dict(self.upload.fields))

    def _data(self, data: bytes, start: int, end: int) -> None:
        self._guard(lambda: self._write(data[start:end]))

    def _write(self, chunk: bytes) -> None:
        if self._file is not None:
            self.upload.size += len(chunk)
            if self.upload.size > self.limit:
                raise _too_large(self.limit)
            self._file.write(chunk)
        elif self._field is not None:
            self._text += chunk
            if len(self._text) > MAX_FIELD:
                raise ValidationError(self._field, f"is longer than {MAX_FIELD:,} bytes")

    def _end(self) -> None:
        self._guard(self._close_part)

    def _close_part(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        elif self._field is not None:
            try:
                self.upload.fields[self._field] = self._text.decode("utf-8")
            except UnicodeDecodeError:
                raise ValidationError(self._field, "is not UTF-8 text") from None
            self._field = None

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


async def receive_upload(request: Request, folder: Path, *, limit: int,
                         before_file: Callable[[dict[str, str]], None] | None = None) -> Upload:
    """Read a multipart/form-data body with at most one file part (named "file"). `before_file(fields)`
    runs once, before the first byte of the file is written (or at the end when there is no file), with
    the text fields sent before it. ValidationError for a body that is not a usable upload; the file of a
    refused upload is removed."""
    content_type, options = parse_options_header(request.headers.get("content-type"))
    if content_type != b"multipart/form-data" or not options.get(b"boundary"):
        raise ValidationError("file", "send the file as multipart/form-data")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit + _SLACK:
        raise _too_large(limit)
    parts = _Parts(folder, limit, before_file)
    try:
        parser = MultipartParser(options[b"boundary"], parts.callbacks())  # type: ignore[arg-type]
        async for chunk in request.stream():
            parser.write(chunk)
            if parts.error is not None:
                raise parts.error
        parser.finalize()
        if parts.error is not None:
            raise parts.error
        parts.check()
    except FormParserError:
        parts.close()
        parts.upload.discard()
        raise ValidationError("file", "the upload is not a valid multipart form") from None
    except BaseException:
        parts.close()
        parts.upload.discard()
        raise
    parts.close()
    return parts.upload
