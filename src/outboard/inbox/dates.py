"""The return date in an out-of-office text, in EN, DE, FR, ES, IT, NL and PT, relative to the message date.

Each date in the text is read together with the words around it:
- a return word ("back on", "wieder", "de retour", "regreso", "rientro", "weer", "volto") → that day;
- an "until" word right before it ("until", "bis", "jusqu'au", "hasta el", "fino al", "tot", "até") → the
  day after: "until 14 March" may or may not include the 14th, and writing a day late is harmless while
  writing a day early lands in a full inbox;
- no context → the day after the latest date mentioned (the end of the absence).
A return word beats an "until" which beats no context. A date without a year is the next such date on or
after the message date (a date up to 30 days back stays in this year: a stale notice, not next year's).
Past dates are dropped, so a stale notice leaves the caller to its default wait.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from outboard.inbox.text import fold

MAX_AHEAD_DAYS = 400
STALE_TOLERANCE_DAYS = 30

MONTHS: dict[str, int] = {}
for _number, _names in enumerate([
    "january jan januar janner jaenner janvier janv enero ene gennaio gen januari janeiro",
    "february feb februar fevrier fevr febrero febbraio februari fevereiro fev",
    "march mar marz maerz mars marzo maart marco",
    "april apr avril avr abril aprile",
    "may mai mayo maggio mei maio",
    "june jun juni juin junio giugno junho",
    "july jul juli juillet juil julio luglio julho",
    "august aug aout agosto augustus",
    "september sep sept septembre septiembre setiembre settembre setembro",
    "october oct oktober okt octobre octubre ottobre ott outubro",
    "november nov novembre noviembre novembro",
    "december dec dezember dez decembre diciembre dic dicembre dezembro",
], start=1):
    for _name in _names.split():
        MONTHS[_name] = _number
_FULL_MONTHS = {n for n in MONTHS if len(n) > 4 and n != "may"} | {"mai", "mars", "juin", "juni", "june",
                                                                    "july", "juli", "mayo", "maio", "mei"}

WEEKDAYS: dict[str, int] = {}
for _number, _names in enumerate([
    "monday montag lundi lunes lunedi maandag segunda-feira segunda",
    "tuesday dienstag mardi martes martedi dinsdag terca-feira terca",
    "wednesday mittwoch mercredi miercoles mercoledi woensdag quarta-feira quarta",
    "thursday donnerstag jeudi jueves giovedi donderdag quinta-feira quinta",
    "friday freitag vendredi viernes venerdi vrijdag sexta-feira sexta",
    "saturday samstag sonnabend samedi sabado sabato zaterdag",
    "sunday sonntag dimanche domingo domenica zondag",
]):
    for _name in _names.split():
        WEEKDAYS[_name] = _number


def _alternation(words: list[str] | set[str] | dict[str, int]) -> str:
    return "|".join(sorted((re.escape(w) for w in words), key=len, reverse=True))


_M = _alternation(MONTHS)
_W = _alternation(WEEKDAYS)
_NEXT_WEEK = r"next\s+week|nachste[rn]?\s+woche|la\s+semaine\s+prochaine|la\s+proxima\s+semana|" \
             r"la\s+prossima\s+settimana|volgende\s+week|(?:a\s+)?proxima\s+semana"
_TOMORROW = r"tomorrow|demain|domani|amanha"
_DATE = re.compile(
    rf"""(?<![\w.,:/+-])(?:
      (?:(?P<wd1>{_W})\.?,?\s+(?:the\s+|den\s+|le\s+|el\s+|il\s+|o\s+|dia\s+)?)?
        (?P<d1>\d{{1,2}})(?:st|nd|rd|th|er|eme|o|a)?\.?\s*(?:of\s+|de\s+|di\s+)?(?P<m1>{_M})\b\.?
        (?:,?\s*(?:de\s+)?(?P<y1>\d{{4}})\b)?
    | (?:(?P<wd2>{_W}),?\s+(?:the\s+)?)?(?P<m2>{_M})\b\.?\s+(?:the\s+)?(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\b
        (?!:)(?:,?\s*(?P<y2>\d{{4}})\b)?
    | (?P<iy>\d{{4}})-(?P<im>\d{{1,2}})-(?P<id>\d{{1,2}})\b
    | (?:(?P<wd3>{_W})\.?,?\s+(?:den\s+|le\s+|el\s+|il\s+|o\s+|dia\s+)?)?
        (?P<nd>\d{{1,2}})\.(?P<nm>\d{{1,2}})(?:\.(?P<ny>\d{{4}}|\d{{2}})(?!\d)|\.|(?![\d.]))
    | (?!24/7\b)(?P<sd>\d{{1,2}})/(?P<sm>\d{{1,2}})(?:/(?P<sy>\d{{4}}|\d{{2}}))?(?![\d/])
    | (?P<hd>\d{{1,2}})-(?P<hm>\d{{1,2}})-(?P<hy>\d{{4}})\b
    | (?P<mo>{_alternation(_FULL_MONTHS)})\b(?:\s+(?P<moy>\d{{4}})\b)?
    | (?P<rel>{_NEXT_WEEK}|{_TOMORROW})\b
    | (?P<wd>{_W})\b
    )""",
    re.VERBOSE,
)
_UNTIL = re.compile(
    r"(?:\buntil|\btill|\btil|\bthrough|\bthru|\bto|\bup\s+to|\bbis(?:\s+(?:einschliesslich|einschl\.|inkl\.|"
    r"inklusive|und\s+mit))?(?:\s+(?:zum|zur|den|dem))?|\bjusqu'?\s*(?:au|a|a\s+la)?|\bau|\bhasta(?:\s+el)?|"
    r"\bal|\bfino\s+(?:al|a|all')|\bsino\s+al|\btot(?:\s+en\s+met)?|\bt/m|\bate(?:\s+(?:ao|a|o))?|"
    r"\ba|\bao|[-–—])\s*(?:(?:the|den|dem|le|el|il|o|dia|en|inclus|inclusive)\s+)?(?:dia\s+)?$"
)
_RETURN = re.compile(
    r"\b(?:back|return|returning|returns|again|resume|reachable|available|zuruck|wieder|ruckkehr|erreichbar|"
    r"retour|rentre|reviens|reviendrai|rentrerai|disponible|a\s+nouveau|de\s+nouveau|regreso|regresare|"
    r"vuelta|vuelvo|volvere|reincorporo|reincorporare|de\s+nuevo|rientro|rientrero|ritorno|tornero|torno|"
    r"di\s+nuovo|disponibile|nuovamente|terug|weer|beschikbaar|bereikbaar|regresso|regressarei|retorno|"
    r"retornarei|volto|voltarei|de\s+volta|disponivel|novamente)\b"
)
# After the date only verb-final word orders count: "ab dem 10.11. wieder", "vanaf 6 april ben ik weer".
_RETURN_AFTER = re.compile(r"\b(?:wieder|zuruck|erreichbar|weer|terug|bereikbaar|beschikbaar|again)\b")
_CLAUSE_END = re.compile(r"\b(?:and|und|et|y|e|en|but|aber|mais|pero|ma|maar|mas)\b|[;!?¶]|\.\s")


@dataclass(frozen=True)
class ReturnDate:
    date: date
    phrase: str  # the words the date was read from, for the reasons shown to the user
    context: str  # "return", "until" or "end of absence"


@dataclass(frozen=True)
class _Found:
    day: date
    start: int
    end: int


def _infer(day: int, month: int, year: int | None, ref: date | None) -> date | None:
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    if year is not None:
        year = year + 2000 if year < 100 else year
        try:
            return date(year, month, day)
        except ValueError:
            return None
    if ref is None:
        return None
    for candidate_year in (ref.year, ref.year + 1, ref.year + 2):
        try:
            candidate = date(candidate_year, month, day)
        except ValueError:  # 29 February in a common year
            continue
        if candidate >= ref - timedelta(days=STALE_TOLERANCE_DAYS):
            return candidate
    return None


def _read(match: re.Match[str], ref: date | None) -> date | None:
    g = match.groupdict()

    def num(name: str) -> int | None:
        return int(g[name]) if g.get(name) else None

    if g["m1"]:
        return _infer(int(g["d1"]), MONTHS[g["m1"]], num("y1"), ref)
    if g["m2"]:
        return _infer(int(g["d2"]), MONTHS[g["m2"]], num("y2"), ref)
    if g["iy"]:
        return _infer(int(g["id"]), int(g["im"]), int(g["iy"]), ref)
    if g["nd"]:
        return _infer(int(g["nd"]), int(g["nm"]), num("ny"), ref)
    if g["hd"]:
        return _infer(int(g["hd"]), int(g["hm"]), int(g["hy"]), ref)
    if g["sd"]:
        # 3/4 is the 3rd of April in most of the world and March 4th in the US: take the nearer future one.
        a, b, year = int(g["sd"]), int(g["sm"]), num("sy")
        options = [d for d in (_infer(a, b, year, ref), _infer(b, a, year, ref)) if d is not None]
        future = [d for d in options if ref is None or d >= ref]
        return min(future or options) if options else None
    if g["mo"]:
        return _infer(1, MONTHS[g["mo"]], num("moy"), ref)
    if ref is None:
        return None
    if g["rel"]:
        if re.match(_TOMORROW, g["rel"]):
            return ref + timedelta(days=1)
        return ref + timedelta(days=7 - ref.weekday())
    if g["wd"]:
        ahead = (WEEKDAYS[g["wd"]] - ref.weekday()) % 7
        return ref + timedelta(days=ahead or 7)
    return None


def _month_end(day: date) -> date:
    """`until September` means through September: back on the first of the next month."""
    return date(day.year + (day.month == 12), day.month % 12 + 1, 1) - timedelta(days=1)


def find_return_date(text: str, reference: date | None) -> ReturnDate | None:
    """The first day the writer of an out-of-office text is back, or None when the text does not say."""
    flat = re.sub(r"\n\s*\n", " ¶ ", fold(text[:4000])).replace("\n", " ")
    found: list[tuple[re.Match[str], date]] = []
    for match in _DATE.finditer(flat):
        day = _read(match, reference)
        if day is not None:
            found.append((match, day))
    best: dict[str, tuple[date, str]] = {}
    for index, (match, day) in enumerate(found):
        prev_end = found[index - 1][0].end() if index else 0
        before = flat[max(prev_end, match.start() - 70): match.start()].rsplit("¶", 1)[-1]
        next_start = found[index + 1][0].start() if index + 1 < len(found) else len(flat)
        after = flat[match.end(): min(next_start, match.end() + 35)]
        after = _CLAUSE_END.split(after, maxsplit=1)[0]
        only_context = match.group("wd") or match.group("rel") or match.group("mo")
        lead = before[-40:]
        lead = lead.split(" ", 1)[-1] if len(before) > 40 else lead  # start on a whole word
        phrase = (lead + match.group(0)).strip()
        if _UNTIL.search(before):
            context = "until"
            day = (_month_end(day) if match.group("mo") else day) + timedelta(days=1)
        elif _RETURN.search(before) or _RETURN_AFTER.search(after):
            context = "return"
        elif only_context:
            continue  # a bare weekday or month name says nothing about the absence
        else:
            context = "end of absence"
            day = day + timedelta(days=1)
        if reference is not None and not (reference <= day <= reference + timedelta(days=MAX_AHEAD_DAYS)):
            continue  # stale notice or a misread number
        current = best.get(context)
        # The first return date wins; for "until" and bare dates the latest one ends the absence.
        if current is None or (context != "return" and day > current[0]):
            best[context] = (day, phrase)
    for context in ("return", "until", "end of absence"):
        if context in best:
            day, phrase = best[context]
            return ReturnDate(day, phrase, context)
    return None
