"""Bytes and header words → text, trusting declared charsets only as far as the bytes agree. Never raises."""

from __future__ import annotations

import codecs
import re
from email.header import decode_header, make_header

from outboard.inbox.text import fix_surrogates

_FOLD = re.compile(r"\r?\n[ \t]*")
_CHARSET_ALIASES = {"utf8": "utf-8", "unicode-1-1-utf-8": "utf-8", "x-user-defined": "cp1252",
                    "ansi_x3.4-1968": "ascii", "us-ascii": "ascii", "iso-8859-8-i": "iso-8859-8"}
_UNKNOWN_CHARSETS = {"unknown-8bit", "x-unknown", "unknown", "8bit", "default", "none", "charset"}
_WESTERN = {"ascii", "iso8859-1", "cp1252", "iso8859-15"}


def decode_text(data: bytes, declared: str | None) -> tuple[str, str | None]:
    """Bytes of a text part → str, trusting the declared charset only as far as the bytes agree.

    Returns the text and a problem description when the declaration was missing, unknown or wrong.
    """
    if data.isascii():
        return data.decode("ascii"), None
    name = (declared or "").strip().strip("\"'").lower()
    name = _CHARSET_ALIASES.get(name, name)
    codec: str | None = None
    if name and name not in _UNKNOWN_CHARSETS:
        try:
            codec = codecs.lookup(name).name
        except Exception:  # LookupError, or a name with NUL / surrogates in it
            codec = None
    label = name or "no charset"
    if codec == "utf-8":
        try:
            return data.decode("utf-8"), None
        except UnicodeDecodeError:
            return data.decode("cp1252", "replace"), "declared utf-8 but the bytes are not; read as windows-1252"
    if codec is None or codec in _WESTERN:
        # Valid UTF-8 with non-ASCII bytes is almost never an accident: believe the bytes over the label.
        try:
            text = data.decode("utf-8")
            return text, (None if codec is None and not name else f"declared {label} but the bytes are utf-8")
        except UnicodeDecodeError:
            pass
        if codec is None:
            problem = f"unknown charset {name!r}; read as windows-1252" if name else None
            return data.decode("cp1252", "replace"), problem
        problem = "declared ascii but the bytes are 8-bit; read as windows-1252" if codec == "ascii" else None
        return data.decode("cp1252" if codec in ("ascii", "iso8859-1") else codec, "replace"), problem
    try:
        return data.decode(codec), None
    except (UnicodeDecodeError, LookupError):
        pass
    try:
        return data.decode("utf-8"), f"declared {label} but the bytes are utf-8"
    except UnicodeDecodeError:
        return data.decode(codec, "replace"), f"bytes do not match the declared charset {label}"


def unfold(value: str) -> str:
    return _FOLD.sub(" ", value).strip()


def decode_header_value(raw: str) -> str:
    """RFC 2047 encoded words decoded, raw 8-bit repaired, unknown charsets read leniently; never raises."""
    raw = unfold(raw)
    if "=?" not in raw:
        return fix_surrogates(raw)
    try:
        return fix_surrogates(str(make_header(decode_header(raw))))
    except Exception:
        pass
    try:
        parts = decode_header(raw)
    except Exception:
        return fix_surrogates(raw)
    try:
        return fix_surrogates("".join(c if isinstance(c, str) else decode_text(c, cs)[0] for c, cs in parts))
    except Exception:
        return fix_surrogates(raw)
