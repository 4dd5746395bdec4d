"""LinkedIn profile URLs to the public id ("john-smith-82a505"), the key leads are deduplicated on.

Accepted: http/https or no scheme, www / country / mobile hosts (de.linkedin.com, m.linkedin.com,
linkedin.com/mwlite/in/...), trailing slashes and sub-pages (/in/x/details/...), query strings and
fragments, URL-encoded letters, bare ids ("john-smith", "in/john-smith"), and the old
/pub/name/a7/576/b50 form, which LinkedIn redirects to /in/name-b50576a7 (segments reversed).

Public ids are case-insensitive, so they are lowercased, except member ids ("ACwAAB..."), which are not.
Company, school, post, job and Sales Navigator links are not profiles: they give None and a reason.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from urllib.parse import unquote

_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:/*", re.IGNORECASE)
_PUB_SEGMENT = re.compile(r"^[0-9a-f]{1,3}$", re.IGNORECASE)
_MEMBER_ID = re.compile(r"^AC[a-zA-Z]AA[A-Za-z0-9_-]{10,}$")
# The usual shape, handled without splitting: https://www.linkedin.com/in/john-smith-82a505/?trk=...
_COMMON = re.compile(
    r"^(?:https?://)?(?:[a-z]{2,3}\.|www\.)?linkedin\.com/in/([a-z0-9_-]{3,100})/?(?:[?#].*)?$", re.IGNORECASE
)
_PLAIN_ID = re.compile(r"^[a-z0-9_-]{3,100}$")
_MOBILE_PREFIXES = frozenset({"mwlite", "m", "touch"})
_NOT_PROFILE = {
    "company": "a company page, not a person's profile",
    "school": "a school page, not a person's profile",
    "showcase": "a showcase page, not a person's profile",
    "sales": "a Sales Navigator link, not a public profile URL",
    "posts": "a post, not a profile",
    "feed": "a feed link, not a profile",
    "jobs": "a job link, not a profile",
    "groups": "a group link, not a profile",
    "events": "an event link, not a profile",
}


def _valid_id(candidate: str) -> str | None:
    if _PLAIN_ID.match(candidate):
        return candidate
    candidate = unicodedata.normalize("NFC", unquote(candidate).strip())
    if not 3 <= len(candidate) <= 100:
        return None
    if not all(ch.isalnum() or ch in "-_" for ch in candidate):
        return None
    return candidate if _MEMBER_ID.match(candidate) else candidate.lower()


@lru_cache(maxsize=1 << 14)
def _path_segments(text: str) -> tuple[tuple[str, ...], bool]:
    """Path segments of a LinkedIn URL and whether the text named a LinkedIn host at all."""
    text = _SCHEME.sub("", text, count=1).lstrip("/")
    text = text.split("?", 1)[0].split("#", 1)[0]
    host, _, path = text.partition("/")
    lowered_host = host.lower()
    if lowered_host == "linkedin.com" or lowered_host.endswith((".linkedin.com", ".linkedin.cn")):
        return tuple(s for s in path.split("/") if s), True
    return tuple(s for s in text.split("/") if s), False  # "in/john-smith" without a host


def parse_linkedin(raw: str | None) -> tuple[str | None, str | None]:
    """(public id, None) or (None, reason). Empty input gives (None, None)."""
    text = (raw or "").strip()
    if not text:
        return None, None
    common = _COMMON.match(text)
    if common:
        found = common.group(1)
        return (found if _MEMBER_ID.match(found) else found.lower()), None
    if "/" not in text:
        if "linkedin." in text.lower():
            return None, "a LinkedIn link without a profile"
        found = _valid_id(text)
        return (found, None) if found else (None, "not a LinkedIn profile URL or id")
    segments, on_linkedin = _path_segments(text)
    if segments and segments[0].lower() in _MOBILE_PREFIXES:
        segments = segments[1:]
    if not segments:
        return None, "a LinkedIn link without a profile"
    kind = segments[0].lower()
    if kind in _NOT_PROFILE:
        return None, _NOT_PROFILE[kind]
    if kind == "in" and len(segments) >= 2:
        found = _valid_id(segments[1])
    elif kind == "pub" and len(segments) >= 2:
        found = _valid_id(segments[1])
        tail = segments[2:5]
        if found and len(tail) == 3 and all(_PUB_SEGMENT.match(s) for s in tail):
            found = f"{found}-{tail[2]}{tail[1]}{tail[0]}".lower()
    else:
        found = None
    if found:
        return found, None
    return None, "not a LinkedIn profile URL" if on_linkedin else "not a LinkedIn profile URL or id"


def linkedin_id(raw: str | None) -> str | None:
    """The canonical public id of a LinkedIn profile URL or bare id, or None."""
    return parse_linkedin(raw)[0]


def linkedin_url(public_id: str) -> str:
    return f"https://www.linkedin.com/in/{public_id}"
