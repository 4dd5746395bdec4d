"""Numbers, amounts, percentages and dates in free text (en, de, fr), read into comparable values."""

from __future__ import annotations

import re

from outboard.write.text import fold

_MONTH_NAMES = {
    1: "january januar janvier", 2: "february februar fevrier", 3: "march marz maerz mars", 4: "april avril",
    5: "may mai", 6: "june juni juin", 7: "july juli juillet", 8: "august aout", 9: "september septembre",
    10: "october oktober octobre", 11: "november novembre", 12: "december dezember decembre",
}
MONTHS = {name: month for month, names in _MONTH_NAMES.items() for name in names.split()}
_ABBREVIATIONS = {"jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9,
                  "oct": 10, "nov": 11, "dec": 12}
WEEKDAYS = frozenset("""monday tuesday wednesday thursday friday saturday sunday montag dienstag mittwoch
donnerstag freitag samstag sonntag lundi mardi mercredi jeudi vendredi samedi dimanche""".split())

# Month names that are also ordinary words or first names count as dates only next to a day or a year.
_FREE = (r"January|February|April|June|July|August|September|October|November|December|Januar|Februar|"
         r"März|Juni|Juli|Oktober|Dezember|(?i:janvier|février|avril|juin|juillet|août|septembre|octobre|"
         r"novembre|décembre)|Mai")
_BOUND = r"May|March|(?i:mars)|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec"
_DAY = r"\d{1,2}(?:st|nd|rd|th|er|\.)?"
DATE_PATTERNS = re.compile(
    rf"(?<![\w.])(?P<iy>\d{{4}})-(?P<im>\d{{1,2}})-(?P<id>\d{{1,2}})(?!\w)"
    rf"|(?<![\w.])(?P<na>\d{{1,2}})[./](?P<nb>\d{{1,2}})[./](?P<ny>\d{{4}}|\d{{2}})(?!\w)"
    rf"|(?<!\w)(?:(?P<d1>{_DAY})\s+)?(?P<mon>{_FREE})(?!\w)(?:\s+(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?(?!\w),?)?"
    rf"(?:\s+(?P<y1>\d{{4}})(?!\w))?"
    rf"|(?<!\w)(?P<d3>{_DAY})\s+(?P<mon2>{_BOUND})\.?(?!\w)(?:\s+(?P<y2>\d{{4}})(?!\w))?"
    rf"|(?<!\w)(?P<mon3>{_BOUND})\.?\s+(?:(?P<d4>\d{{1,2}})(?:st|nd|rd|th)?(?!\w),?\s*)?(?P<y3>\d{{4}})?(?!\w)"
    rf"|(?<!\w)(?P<wd>(?i:{'|'.join(sorted(WEEKDAYS))}))(?!\w)"
)

NUMBER = re.compile(
    r"(?<![\w.,/])(?P<cur>[$€£]\s?)?(?P<num>\d{1,3}(?:[,.\u00a0\u202f]\d{3})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?)"
    r"(?:\s?(?P<mult>k|mm|m|bn|b|million|millions|billion|billions|mio|mrd|milliarden|milliarde|milliards|"
    r"milliard|md|x|×)(?!\w)\.?)?(?:\s?(?P<pct>%|percent|prozent|pour\s?cent))?",
    re.IGNORECASE,
)
_SCALE = {"k": 1e3, "m": 1e6, "mm": 1e6, "mio": 1e6, "million": 1e6, "millions": 1e6, "b": 1e9, "bn": 1e9,
          "billion": 1e9, "billions": 1e9, "mrd": 1e9, "milliarde": 1e9, "milliarden": 1e9, "milliard": 1e9,
          "milliards": 1e9, "md": 1e9, "x": 1.0, "×": 1.0}


def read_date(match: re.Match[str]) -> tuple[int | None, int, int | None] | None:
    """(year, month, day) from a DATE_PATTERNS match; None for a weekday or a bare ambiguous word."""
    g = match.groupdict()
    if g["iy"]:
        return int(g["iy"]), int(g["im"]), int(g["id"])
    if g["na"]:
        year = int(g["ny"]) + (2000 if len(g["ny"]) == 2 else 0)
        first, second = int(g["na"]), int(g["nb"])
        # 05/02/2025 is 5 February in Europe and 2 May in the US: read it the European way unless impossible.
        return (year, second, first) if second <= 12 else (year, first, second)
    name = g["mon"] or g["mon2"] or g["mon3"]
    if not name:
        return None
    folded = fold(name)
    month = MONTHS.get(folded) or _ABBREVIATIONS.get(folded)
    day = g["d1"] or g["d2"] or g["d3"] or g["d4"]
    year = g["y1"] or g["y2"] or g["y3"]
    if month is None or (g["mon3"] and not (day or year)):
        return None
    return (int(year) if year else None), month, (int(day.rstrip("stndrhe.")) if day else None)


def parse_date(match: re.Match[str]) -> tuple[int, int, int | None] | None:
    """Like read_date, but only dates with a year (facts: used to build the index)."""
    found = read_date(match)
    if found is None or found[0] is None:
        return None
    return found[0], found[1], found[2]


def _readings(num: str) -> set[float]:
    s = num.replace("\u00a0", "").replace("\u202f", "")
    if "," in s and "." in s:
        decimal = "," if s.rfind(",") > s.rfind(".") else "."
        other = "." if decimal == "," else ","
        return {float(s.replace(other, "").replace(decimal, "."))}
    for sep in (",", "."):
        if sep in s:
            parts = s.split(sep)
            values = set()
            if all(len(p) == 3 for p in parts[1:]):
                values.add(float("".join(parts)))  # thousands separators
            if len(parts) == 2:
                values.add(float(f"{parts[0]}.{parts[1]}"))  # decimal comma or point
            return values
    return {float(s)}


def number_values(text: str) -> list[tuple[str, set[float]]]:
    """Each number in the text with every value it can mean (1.500 is 1500 in German, 1.5 in English)."""
    out = []
    for match in NUMBER.finditer(text):
        scale = _SCALE.get((match.group("mult") or "").lower(), 1.0)
        out.append((match.group(0).strip(), {v * scale for v in _readings(match.group("num"))}))
    return out


def numbers_in(text: str) -> set[float]:
    """Every value a fact's text supports, scaled and unscaled ("$12M" supports 12,000,000 and 12)."""
    found: set[float] = set()
    for match in NUMBER.finditer(text):
        raw = _readings(match.group("num"))
        scale = _SCALE.get((match.group("mult") or "").lower(), 1.0)
        found.update(raw)
        found.update(v * scale for v in raw)
    return found
