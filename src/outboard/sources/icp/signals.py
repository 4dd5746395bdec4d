"""The parts of a query read by pattern rather than by phrase book: head-counts, time windows and the
"why now" signals (posted about a topic, new in role, recently raised, hiring).

Each finder returns what it read with the span it used, so the parser can blank the span out and the
same words are never read twice ("less than 50 employees" is a size, not a keyword "50").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from outboard.core.errors import ValidationError


@dataclass(frozen=True)
class Found:
    start: int
    end: int
    kind: str  # size | window | posted | posted_recently | new_role | raised | hiring | series
    value: object = None


_UNIT = r"(?:people|persons|employees?|staff|ftes?|headcount|workers|emps?)"
_STRICT_UNIT = r"(?:employees?|staff|ftes?|headcount|workers|emps?)"  # "people" alone is often a count
_NUM = r"(\d{1,3}(?:[,.]\d{3})+|\d+(?:\.\d+)?)\s*(k|m)?\b"
_CUE = r"(?:with|of|size|headcount|sized|between|from|team\s+size|company\s+size)"

_SIZE_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(p), kind) for p, kind in (
    (rf"\b(?:between\s+)?{_NUM}\s*(?:-|to|and)\s*{_NUM}\s*\+?\s*{_UNIT}\b", "range"),
    (rf"\b{_CUE}\s*:?\s*{_NUM}\s*(?:-|to|and)\s*{_NUM}(?!\s*(?:day|week|month|year|%))", "range"),
    (rf"\b{_NUM}\s*\+\s*{_UNIT}?(?:\b|$)", "plus"),
    (rf"\b{_NUM}\s*{_UNIT}\s*(?:or\s+more|and\s+(?:above|up|more|over)|plus|minimum|at\s+least)\b", "plus"),
    (rf"\b{_NUM}\s*{_UNIT}\s*(?:or\s+(?:less|fewer)|and\s+(?:below|under|less|fewer)|max(?:imum)?|at\s+most)\b",
     "max"),
    (rf"(?:\b(?:more\s+than|over|above|greater\s+than|upwards\s+of)|>)\s*{_NUM}\s*{_UNIT}\b", "above"),
    (rf"(?:\b(?:at\s+least|minimum(?:\s+of)?|min|no\s+(?:fewer|less)\s+than)|>=)\s*{_NUM}\s*{_UNIT}\b", "plus"),
    (rf"(?:\b(?:less\s+than|fewer\s+than|under|below)|<)\s*{_NUM}\s*{_UNIT}\b", "below"),
    (rf"(?:\b(?:at\s+most|up\s+to|maximum(?:\s+of)?|max|no\s+more\s+than)|<=)\s*{_NUM}\s*{_UNIT}\b", "max"),
    (rf"\b(?:with|of|about|around|approximately|approx|roughly|circa)\s+~?\s*{_NUM}\s*{_UNIT}\b", "about"),
    (rf"~\s*{_NUM}\s*{_UNIT}\b", "about"),
    (rf"\b{_NUM}\s*{_STRICT_UNIT}\b", "about"),
))


def _number(digits: str, scale: str | None) -> int:
    if re.fullmatch(r"\d{1,3}(?:[,.]\d{3})+", digits):
        value = float(digits.replace(",", "").replace(".", ""))
    else:
        value = float(digits)
    value *= {"k": 1_000, "m": 1_000_000}.get(scale or "", 1)
    return max(0, round(value))


def find_sizes(folded: str) -> list[Found]:
    """Head-count ranges as (min, max) with None for an open end; ValidationError for "20-10 people"."""
    found: list[Found] = []
    taken: list[tuple[int, int]] = []
    for pattern, kind in _SIZE_PATTERNS:
        for m in pattern.finditer(folded):
            if any(s < m.end() and m.start() < e for s, e in taken):
                continue
            nums = [_number(m.group(i), m.group(i + 1)) for i in range(1, len(m.groups()), 2) if m.group(i)]
            low, high = _bounds(kind, nums, m.group().strip())
            taken.append((m.start(), m.end()))
            found.append(Found(m.start(), m.end(), "size", (low, high)))
    return found


def _bounds(kind: str, nums: list[int], text: str) -> tuple[int | None, int | None]:
    n = nums[0]
    if kind == "range":
        low, high = nums[0], nums[1]
        if low > high:
            raise ValidationError("company_size", f"{text!r}: the first number must not be above the second")
        return max(low, 1), high
    if kind == "plus":
        return max(n, 1), None
    if kind == "above":
        return n + 1, None
    if kind == "max":
        return 1, max(n, 1)
    if kind == "below":
        if n <= 1:
            raise ValidationError("company_size", f"{text!r}: no company has fewer than one person")
        return 1, n - 1
    return max(1, int(n * 0.7)), max(1, int(n * 1.3 + 0.999))  # "about 50 employees": 35–65


_WORD_NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                 "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "couple of": 2, "few": 3}
_UNIT_DAYS = {"day": 1, "week": 7, "month": 30, "quarter": 91, "year": 365}
_COUNT = r"(\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|couple\s+of|few)"
_WINDOWS: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(p), kind) for p, kind in (
    (rf"\b(?:in|within|during|over|for)?\s*(?:the\s+)?(?:last|past|previous|prior)\s+(?:{_COUNT}\s+)?"
     r"(day|week|month|quarter|year)s?\b", "last"),
    (rf"\b(?:within|in\s+under|under|less\s+than)\s+{_COUNT}\s+(day|week|month|quarter|year)s?\b", "last"),
    (rf"\b{_COUNT}\s+(day|week|month|year)s?\s+ago\b", "last"),
    (r"\bthis\s+(week|month|quarter|year)\b", "this"),
    (r"\b(today|yesterday)\b", "day"),
    (r"\b(recently|recent|lately|just|newly)\b", "recent"),
))


def find_windows(folded: str) -> list[Found]:
    """Time windows in days; "recently" gives None (the signal it belongs to picks the default)."""
    found: list[Found] = []
    for pattern, kind in _WINDOWS:
        for m in pattern.finditer(folded):
            if any(f.start < m.end() and m.start() < f.end for f in found):
                continue
            if kind == "last":
                count = m.group(1)
                n = 1 if count is None else int(count) if count.isdigit() else _WORD_NUMBERS[" ".join(count.split())]
                days: int | None = n * _UNIT_DAYS[m.group(2)]
            elif kind == "this":
                days = _UNIT_DAYS[m.group(1)]
            elif kind == "day":
                days = 1 if m.group(1) == "today" else 2
            else:
                days = None
            found.append(Found(m.start(), m.end(), "window", days))
    return found


_SIGNALS: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(p), kind) for p, kind in (
    (r"\b(?:new(?:ly)?\s+(?:in|to)\s+(?:their|the|his|her|a|this)?\s*(?:current\s+)?(?:role|job|position|seat)s?"
     r"|(?:started|starting|took|taken|began)\s+(?:a\s+|their\s+)?new\s+(?:role|job|position)s?"
     r"|(?:in|with)\s+(?:a\s+)?new\s+(?:role|job|position)s?|new\s+(?:role|job|position)s?"
     r"|(?:recently|just|newly)\s+(?:joined|started|hired|appointed|promoted|moved)"
     r"|changed\s+(?:jobs?|roles?|companies)|job\s+changers?|new\s+hires?|recent\s+hires?)\b", "new_role"),
    (r"\b(?:(?:recently|just|newly)\s+(?:raised|funded|closed\s+(?:a|their)\s+round)"
     r"|(?:raised|secured|closed|announced)\s+(?:some\s+|new\s+|fresh\s+|their\s+|a\s+new\s+)?"
     r"(?:money|funding|capital|investment|round|financing)"
     r"|(?:new|fresh|recent)\s+(?:funding|round|financing|capital|investment)"
     r"|(?:got|received|secured)\s+(?:vc\s+)?(?:funding|investment))\b", "raised"),
    (r"\b(?:raised|raising)\b", "raised_stage"),
    (r"\b(?:(?:actively\s+)?hiring(?:\s+for)?|recruiting\s+for|with\s+open\s+(?:roles|positions|jobs|vacancies)"
     r"(?:\s+(?:in|for))?|(?:growing|building|scaling|expanding)\s+(?:out\s+)?(?:their|its|the|a)\b)", "hiring"),
    (r"\b(?:posted|posting|posts|post|wrote|writes|writing|written|talked|talking|talks|spoke|speaking|speaks"
     r"|shared|sharing|shares|published|publishing|tweeted|tweeting|blogged|blogging|commented|commenting"
     r"|mentioned|mentioning)\b(?:\s+(?:a\s+lot|recently|lately|often|regularly|publicly|on\s+linkedin))*"
     r"\s+(?:about|on|regarding|around|re)\b", "posted"),
    (r"\b(?:posted|posting|active|posts)\s+(?:on\s+linkedin\s+)?(?=(?:recently|lately|this\s+(?:week|month)|in\s+the"
     r"\s+(?:last|past))\b)|\bactive\s+on\s+linkedin\b|\brecent\s+posts?\b", "posted_recently"),
))


def find_signals(folded: str) -> list[Found]:
    found: list[Found] = []
    for pattern, kind in _SIGNALS:
        for m in pattern.finditer(folded):
            if not any(f.start < m.end() and m.start() < f.end for f in found):
                found.append(Found(m.start(), m.end(), kind, m.group()))
    return found


_SERIES = re.compile(r"\bseries[\s-]+([a-f])\b((?:\s*(?:-|to|through|or|and|&|/|,)\s*(?:series[\s-]+)?[a-f]\b)*)"
                     r"(\s*\+)?")
_STAGE_OF = {"a": "series_a", "b": "series_b", "c": "series_c", "d": "series_d_plus", "e": "series_d_plus",
             "f": "series_d_plus"}


def find_series(folded: str) -> list[Found]:
    """'Series A or B', 'Series A-C', 'Series B+': the stages named."""
    found = []
    for m in _SERIES.finditer(folded):
        letters = [m.group(1)]
        rest = m.group(2) or ""
        for sep, letter in re.findall(r"(-|to|through|or|and|&|/|,)\s*(?:series[\s-]+)?([a-f])\b", rest):
            if sep in ("-", "to", "through") and letter > letters[-1]:
                letters += [chr(c) for c in range(ord(letters[-1]) + 1, ord(letter) + 1)]
            else:
                letters.append(letter)
        if m.group(3):
            letters += [chr(c) for c in range(ord(letters[-1]) + 1, ord("f") + 1)]
        stages = tuple(dict.fromkeys(_STAGE_OF[x] for x in letters))
        found.append(Found(m.start(), m.end(), "series", stages))
    return found
