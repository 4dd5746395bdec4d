"""The rule-based ICP parser: always available, deterministic, no network.

Reading order: head-counts and funding series first (numbers), then the "why now" signals with their
topics and time windows, then negation cues, then every remaining phrase through the phrase book
(longest match first). Whatever is left and is not a stop word becomes a ranking keyword. Each step
blanks out the characters it read, so nothing is read twice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, cast

from outboard.core.errors import ValidationError
from outboard.sources.icp.filters import Exclusions, SearchFilters
from outboard.sources.icp.lexicon import Lexicon, lexicon
from outboard.sources.icp.protocol import ParseResult
from outboard.sources.icp.signals import Found, find_series, find_signals, find_sizes, find_windows
from outboard.sources.icp.text import fold, stem, word_spans
from outboard.sources.icp.vocab import VENTURE_STAGES

MAX_QUERY_CHARS = 1000
MAX_KEYWORDS = 12
_SQL = re.compile(
    r";\s*(?:drop|delete|insert|update|alter|create|truncate|select|attach|pragma)\b"
    r"|\bunion\s+(?:all\s+)?select\b|\b(?:drop|truncate|alter)\s+table\b|\bdelete\s+from\b|\binsert\s+into\b"
    r"|'\s*\)\s*;|--\s*$|/\*|\*/|'\s*(?:or|and)\s+'?\d+'?\s*=\s*'?\d", re.I)
_NEGATION = re.compile(r"\b(?:but\s+not|not|no|non|excluding|exclude|excludes|excluded|except(?:\s+for)?"
                       r"|without|other\s+than|outside(?:\s+of)?|apart\s+from|excl)\b")
_NEG_FILLER = frozenset("in at from based located the any a an for of to company firm people person those "
                        "anyone folk working who are is be with them including some other via by on "
                        "headquartered hq team role title level industry sector country city region customer "
                        "client startup business".split())
_CONNECTORS = frozenset({"and", "or", "nor"})
_HIRE_FILLER = frozenset("for more new a an their its the out in of some multiple several role people team "
                         "experienced additional".split())
_TOPIC_STOP = frozenset("in within during over last past this recently lately today yesterday ago since who "
                        "that which whose at from based for with by among while but not no except excluding "
                        "without are is were was have has had working work located living and/or".split())
_TOPIC_SKIP = frozenset("the a an their our how why what things".split())
_GROUPS = {"country": "location", "region": "location", "city": "location", "industry": "company",
           "funding": "company", "size": "company", "also_exclude_industry": "company", "seniority": "person",
           "function": "person", "title": "person", "exclude_title": "person", "keyword": "keyword",
           "ignore": "ignore"}


def clean_query(text: object) -> str:
    """The query with control characters and extra spaces removed; ValidationError when unusable."""
    if not isinstance(text, str):
        raise ValidationError("query", "must be text", value=type(text).__name__)
    if len(text) > MAX_QUERY_CHARS * 4:
        raise ValidationError("query", f"is too long ({len(text):,} characters); describe the people you want "
                                       f"in at most {MAX_QUERY_CHARS:,} characters")
    cleaned = " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())
    if not cleaned:
        raise ValidationError("query", "is empty; describe the people you want to reach, for example "
                                       "'heads of sales at fintech companies in Germany'")
    if len(cleaned) > MAX_QUERY_CHARS:
        raise ValidationError("query", f"is too long ({len(cleaned):,} characters); describe the people you "
                                       f"want in at most {MAX_QUERY_CHARS:,} characters")
    if _SQL.search(cleaned):
        raise ValidationError("query", "looks like SQL, not a description of people; describe who you want "
                                       "to reach in plain words")
    return cleaned


@dataclass
class _Mention:
    start: int
    end: int
    pairs: tuple[tuple[str, Any], ...]
    negated: bool = False
    hiring: bool = False

    @property
    def groups(self) -> set[str]:
        return {_GROUPS[k] for k, _ in self.pairs} or {"ignore"}


class RuleBasedParser:
    name = "rules"

    def parse(self, query: str) -> ParseResult:
        query = clean_query(query)
        reader = _Reader(query, lexicon())
        filters = reader.read()
        return ParseResult(query, filters, self.name, tuple(reader.notes))


class _Reader:
    def __init__(self, query: str, lex: Lexicon):
        self.query, self.lex = query, lex
        self.folded = fold(query)
        self.free = [True] * len(query)
        self.mentions: list[_Mention] = []
        self.sizes: list[tuple[int | None, int | None]] = []
        self.signals: list[Found] = []
        self.topics: list[str] = []
        self.windows: list[Found] = []
        self.negations: list[tuple[int, int]] = []
        self.notes: list[str] = []

    # -- bookkeeping ------------------------------------------------------------------------------

    def take(self, start: int, end: int) -> None:
        self.free[start:end] = [False] * (end - start)

    def is_free(self, start: int, end: int) -> bool:
        return all(self.free[start:end])

    def text(self, start: int, end: int) -> str:
        return self.query[start:end]

    # -- reading ----------------------------------------------------------------------------------

    def read(self) -> SearchFilters:
        for found in find_sizes(self.folded):
            self.take(found.start, found.end)
            self.sizes.append(cast(tuple[int | None, int | None], found.value))
        for found in find_series(self.folded):
            self.take(found.start, found.end)
            stages = cast(tuple[str, ...], found.value)
            self.mentions.append(_Mention(found.start, found.end, tuple(("funding", s) for s in stages)))
        signals = [s for s in find_signals(self.folded) if self.is_free(s.start, s.end)]
        for found in signals:  # topics first: "posted about hiring SDRs" is a topic, not a hiring signal
            if found.kind == "posted":
                self.take(found.start, found.end)
                self.signals.append(found)
                self._read_topics(found.end)
        for found in signals:
            if found.kind != "posted" and self.is_free(found.start, found.end):
                self.take(found.start, found.end)
                self.signals.append(found)
        for found in find_windows(self.folded):
            if self.is_free(found.start, found.end):
                self.take(found.start, found.end)
                self.windows.append(found)
        for m in _NEGATION.finditer(self.folded):
            if self.is_free(m.start(), m.end()):
                self.take(m.start(), m.end())
                self.negations.append((m.start(), m.end()))
        self._read_phrases()
        self.mentions.sort(key=lambda m: m.start)
        self._assign_hiring()
        self._assign_negations()
        return self._build()

    def _read_topics(self, pos: int) -> None:
        """Topics after "posted about": up to five, split on and/or/commas, each at most four words."""
        pieces: list[list[tuple[str, int, int]]] = [[]]
        last = pos
        for word, start, end in word_spans(self.folded[pos:]):
            start, end = start + pos, end + pos
            gap = self.folded[last:start]
            if not self.is_free(start, end) or not self.is_free(last, start) or re.search(r"[;.!?():]", gap):
                break
            if word in _TOPIC_STOP:
                break
            if "," in gap or "/" in gap or "&" in gap or word in ("and", "or"):
                if pieces[-1]:
                    pieces.append([])
                if word in ("and", "or"):
                    last = end
                    continue
            if not pieces[-1] and word in _TOPIC_SKIP:
                last = end
                continue
            if len(pieces[-1]) == 4 or len(pieces) > 5:
                break
            pieces[-1].append((word, start, end))
            last = end
        for piece in pieces:
            while piece and piece[-1][0] in self.lex.stop_words:
                piece.pop()
            if piece and len(self.topics) < 5:
                self.topics.append(" ".join(w for w, _, _ in piece))
                self.take(piece[0][1], piece[-1][2])

    def _read_phrases(self) -> None:
        segment: list[tuple[str, int, int]] = []
        last = 0
        for word, start, end in word_spans(self.folded):
            if not self.is_free(start, end):
                self._match(segment)
                segment, last = [], end
                continue
            gap = self.folded[last:start]
            if segment and (gap.strip(" -") or not self.is_free(last, start)):
                self._match(segment)
                segment = []
            segment.append((word, start, end))
            last = end
        self._match(segment)

    def _match(self, words: list[tuple[str, int, int]]) -> None:
        lex, i = self.lex, 0
        while i < len(words):
            for length in range(min(lex.longest, len(words) - i), 0, -1):
                chunk = words[i:i + length]
                start, end = chunk[0][1], chunk[-1][2]
                cased = lex.cased.get(tuple(self.text(s, e) for _, s, e in chunk))
                entry = cased if cased is not None else lex.phrases.get(tuple(stem(w) for w, _, _ in chunk))
                if entry is not None:
                    self.mentions.append(_Mention(start, end, tuple(p for p in entry if p[0] != "ignore")))
                    i += length
                    break
            else:
                word, start, end = words[i]
                if self._is_keyword(word):
                    self.mentions.append(_Mention(start, end, (("keyword", word),)))
                i += 1

    def _is_keyword(self, word: str) -> bool:
        stop = self.lex.stop_words
        return len(word) > 1 and not word.replace(".", "").isdigit() and word not in stop and stem(word) not in stop

    def _gap_words(self, start: int, end: int) -> tuple[list[str], str] | None:
        """Words and punctuation between two positions, or None when something already read lies between."""
        if not self.is_free(start, end):
            return None
        gap = self.folded[start:end]
        words = [w for w, _, _ in word_spans(gap)]
        punctuation = re.sub(r"[\w\s]", "", re.sub(r"[a-z0-9]+(?:[&'.+#][a-z0-9]+)*", "", gap))
        return words, punctuation

    def _assign_hiring(self) -> None:
        for cue in (s for s in self.signals if s.kind == "hiring"):
            pos, taken = cue.end, 0
            for m in (m for m in self.mentions if m.start >= cue.end):
                gap = self._gap_words(pos, m.start)
                if gap is None or len(gap[0]) > 3 or gap[1].strip(",&/-") or \
                        not set(gap[0]) <= (_HIRE_FILLER | _CONNECTORS):
                    break
                kinds = {k for k, _ in m.pairs}
                if not kinds & {"function", "title", "seniority"}:
                    break
                m.hiring, pos = True, m.end
                taken += bool(kinds & {"function", "title"})
            if not taken:
                cue_text = str(cue.value)
                if cue_text.startswith(("hiring", "actively", "recruiting", "with open")):
                    self.mentions.append(_Mention(cue.start, cue.end, (("function", "any"),), hiring=True))
                else:
                    self.notes.append(f"ignored {cue_text.strip()!r}: say which team is growing")

    def _assign_negations(self) -> None:
        for cue_start, cue_end in self.negations:
            pos, groups, closed = cue_end, None, False
            for m in (m for m in self.mentions if m.start >= cue_end and not m.hiring):
                gap = self._gap_words(pos, m.start)
                if gap is None or len(gap[0]) > 4:
                    break
                words, punctuation = gap
                if groups is None:
                    ok = not punctuation.strip("-:") and set(words) <= _NEG_FILLER
                else:
                    # A list goes on through commas until its "and"/"or": "no CEOs, CTOs or CFOs, engineers…"
                    ok = not punctuation.strip(",/&-") and set(words) <= (_NEG_FILLER | _CONNECTORS) \
                        and bool(groups & m.groups) and not (closed and "," in punctuation)
                if not ok or "ignore" in m.groups:
                    break
                closed = closed or bool(set(words) & _CONNECTORS)
                m.negated, pos, groups = True, m.end, m.groups
            if groups is None:
                self.notes.append(f"ignored {self.text(cue_start, cue_end)!r}: nothing to exclude after it")

    # -- building ---------------------------------------------------------------------------------

    def _build(self) -> SearchFilters:
        inc: dict[str, list[Any]] = {}
        exc: dict[str, list[Any]] = {}
        field_of = {"title": "titles", "seniority": "seniorities", "function": "functions",
                    "industry": "industries", "country": "countries", "region": "regions", "city": "cities",
                    "funding": "funding_stages", "keyword": "keywords"}
        for m in self.mentions:
            kinds = {k for k, _ in m.pairs}
            for kind, value in m.pairs:
                if m.hiring:
                    if kind == "function":
                        inc.setdefault("hiring_for", []).append(value)
                    elif kind == "title":
                        inc.setdefault("hiring_for", []).append(self.lex.title_functions.get(value, "any"))
                elif m.negated:
                    self._exclude(kind, value, kinds, exc, field_of)
                elif kind == "size":
                    self.sizes.append(value)
                elif kind in field_of:
                    inc.setdefault(field_of[kind], []).append(value)
        self._apply_signals(inc)
        if self.topics:
            inc["posted_about"] = self.topics
        inc["keywords"] = inc.get("keywords", [])[:MAX_KEYWORDS]
        low, high = _intersect(self.sizes)
        values = {k: tuple(dict.fromkeys(v)) for k, v in inc.items() if isinstance(v, list)}
        values.update({k: v for k, v in inc.items() if not isinstance(v, list)})
        if "any" in values.get("hiring_for", ()) and len(values["hiring_for"]) > 1:
            values["hiring_for"] = tuple(v for v in values["hiring_for"] if v != "any")
        exclude = Exclusions(**{k: tuple(dict.fromkeys(v)) for k, v in exc.items()})
        return SearchFilters(size_min=low, size_max=high, exclude=exclude, **values).validated()

    def _exclude(self, kind: str, value: Any, kinds: set[str], exc: dict[str, list[Any]],
                 field_of: dict[str, str]) -> None:
        if kind == "exclude_title":
            exc.setdefault("titles", []).append(value)
        elif kind == "also_exclude_industry":
            exc.setdefault("industries", []).append(value)
        elif kind == "size":
            low, high = value
            if high is None:
                self.sizes.append((1, low - 1))
            elif low <= 1:
                self.sizes.append((high + 1, None))
            else:
                self.notes.append("ignored an excluded size band: give the sizes you want instead")
        elif kind in ("seniority", "function") and "exclude_title" in kinds:
            return  # "no CEOs" removes the CEO title, not every C-level or every general manager
        elif kind in field_of:
            exc.setdefault(field_of[kind], []).append(value)

    def _apply_signals(self, inc: dict[str, Any]) -> None:
        attached: dict[int, int | None] = {}
        for window in self.windows:
            cue = self._cue_for(window)
            if cue is None:
                if window.value is not None:
                    self.notes.append(f"ignored {self.text(window.start, window.end)!r}: it follows no signal "
                                      "(posted about, new in role, raised)")
                continue
            attached[id(cue)] = cast(int | None, window.value)
        for cue in self.signals:
            has_window = id(cue) in attached
            days = attached.get(id(cue))
            if cue.kind == "posted":
                if has_window:
                    inc["posted_within_days"] = days or 30
                elif not self.topics:
                    inc["posted_within_days"] = 30
            elif cue.kind == "posted_recently":
                inc["posted_within_days"] = days or 30
            elif cue.kind == "new_role":
                inc["new_in_role_days"] = days or 90
            elif cue.kind == "raised":
                inc["raised_within_days"] = days or (90 if "just" in str(cue.value) else 180)
            elif cue.kind == "raised_stage":
                if has_window:
                    inc["raised_within_days"] = days or 180
                elif not any(k == "funding" for m in self.mentions for k, _ in m.pairs):
                    inc.setdefault("funding_stages", []).extend(VENTURE_STAGES)

    def _cue_for(self, window: Found) -> Found | None:
        """The signal a time window belongs to: the nearest one before it, else the nearest after it."""
        timed = [s for s in self.signals if s.kind != "hiring"]
        before = [s for s in timed if s.end <= window.start]
        if before:
            return max(before, key=lambda s: s.end)
        after = [s for s in timed if s.start >= window.end]
        return min(after, key=lambda s: s.start) if after else None


def _intersect(sizes: list[tuple[int | None, int | None]]) -> tuple[int | None, int | None]:
    low: int | None = None
    high: int | None = None
    for a, b in sizes:
        if a is not None and a > 1:
            low = a if low is None else max(low, a)
        if b is not None:
            high = b if high is None else min(high, b)
    if low is not None and high is not None and low > high:
        raise ValidationError("company_size", f"the size conditions contradict each other: at least {low:,} and "
                                              f"at most {high:,} employees")
    return low, high
