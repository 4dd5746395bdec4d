"""Discovery search over the prospect index: filters in SQL first, then ranking on a small pool.

1. `build_plan` turns SearchFilters into SQL on the narrow `index_people` rows: indexed columns for
   seniority, function, location, industry, size, funding, dates and hiring (exclusions included), and a
   full-text MATCH (FTS5) / @@ (tsvector) for titles, post topics, and keywords when they are all a query
   has. Every condition is exactly ranking.Matcher's except the full-text ones, which match a phrase's
   words in their plural forms anywhere in a field (a superset), and text exclusions, which only ranking
   applies: `Plan.exact` says which case holds.
2. `gather` reads up to COUNT_CAP matches in one pass (id, pre-score, full-text rank), which counts them
   too, and orders them by the pre-score (the parts of ranking.fit that columns can give: recency of the
   signal asked for, recent activity, keywords mentioned), ties broken by id. Past COUNT_CAP the
   candidates are the most recent ones instead, read along the date's index (`_recent`).
3. A page of candidates is read whole (details, company) and ranked by `ranking.rank`: the exact filter
   check, fit and text relevance (the database's bm25() / ts_rank where the page has it, BM25 over the
   page otherwise), optional semantic re-ranking, and the fit signals.

The same filters over the same index give the same pages in the same order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import (
    Column,
    ColumnElement,
    Date,
    Float,
    and_,
    bindparam,
    case,
    cast,
    column,
    false,
    func,
    literal,
    literal_column,
    not_,
    or_,
    select,
    table,
    text,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.visitors import replacement_traverse

from outboard.db.models import IndexCompany, IndexPerson, IndexPersonDetail
from outboard.sources.icp.filters import SearchFilters
from outboard.sources.icp.lexicon import title_variants
from outboard.sources.icp.text import fold
from outboard.sources.icp.vocab import REGION_GROUPS
from outboard.sources.index.fts import BM25_WEIGHTS, Phrase, fts5_query, phrases, tsquery
from outboard.sources.index.records import FUNCTION_BITS
from outboard.sources.ranking import Embedder, Ranking, rank

P = IndexPerson.__table__
D = IndexPersonDetail.__table__
C = IndexCompany.__table__
COUNT_CAP = 10_000  # the preview counts up to here, then says "10,000+"
_TS_CONFIG = literal_column("'simple'::regconfig")  # the text search configuration of migration 0002


@dataclass
class Plan:
    workspace_id: int
    dialect: str
    where: list[ColumnElement[bool]]
    prescore: ColumnElement[Any]
    text_groups: list[list[Phrase]] = field(default_factory=list)  # a row matches a phrase of every group
    exact: bool = True  # the SQL conditions are the whole filter check
    empty: bool = False  # the filters cannot match anything (e.g. only stop words to look for)
    # "score": candidates by pre-score (a sort of every match); "recent": by the date the search is about,
    # newest first, read along its index and stopped after a page (for more than COUNT_CAP matches).
    order: str = "score"
    recent: Any = None  # the date column of the "recent" order
    gathered: list[tuple[int, float | None]] | None = None  # every candidate in order ("score", from gather())

    @property
    def sqlite(self) -> bool:
        return self.dialect == "sqlite"

    def text_query(self) -> str | None:
        """The MATCH (SQLite) or to_tsquery (PostgreSQL) string of all text groups, or None."""
        if not self.text_groups:
            return None
        build = fts5_query if self.sqlite else tsquery
        parts = [build(group) for group in self.text_groups]
        joiner = " AND " if self.sqlite else " & "
        return joiner.join(f"({part})" for part in parts) if len(parts) > 1 else parts[0]

    def text_match(self, name: str = "text_q") -> ColumnElement[bool]:
        """`index_people.id` is a row matching every text group (ids only: cheap, for counting)."""
        query = bindparam(name, self.text_query())
        if self.sqlite:
            inner = select(literal_column("rowid")).select_from(text("index_people_fts")).where(
                text(f"index_people_fts MATCH :{name}").bindparams(query))
        else:
            inner = select(D.c.person_id).where(D.c.workspace_id == self.workspace_id, _tsv().op("@@")(
                func.to_tsquery(_TS_CONFIG, query)))
        return P.c.id.in_(inner)


# -- conditions ------------------------------------------------------------------------------------------


def _any_in(column: Any, values: Sequence[str]) -> ColumnElement[bool]:
    return column.in_(list(values))


def _none_in(column: Any, values: Sequence[str]) -> ColumnElement[bool]:
    """Not one of the values; NULL passes, as ranking.Matcher lets an unknown value through."""
    return or_(column.is_(None), column.notin_(list(values)))


def _places(countries: Sequence[str], regions: Sequence[str], cities: Sequence[str]) -> ColumnElement[bool] | None:
    codes = set(countries)
    local = set()
    for region in regions:
        if region in REGION_GROUPS:
            codes.update(REGION_GROUPS[region])
        else:
            local.add(fold(region))
    parts = []
    if codes:
        parts.append(func.coalesce(P.c.country, "").in_(sorted(codes)))
    if local:
        parts.append(func.coalesce(P.c.region_key, "").in_(sorted(local)))
    if cities:
        parts.append(func.coalesce(P.c.city_key, "").in_(sorted({fold(c) for c in cities})))
    return or_(*parts) if parts else None


def _cutoff(today: date, days: int) -> date:
    return today - timedelta(days=days)


def _tsv() -> ColumnElement[Any]:
    return literal_column("index_person_details.search_tsv")


def _match(dialect: str, workspace_id: int, any_of: Sequence[Phrase], name: str) -> ColumnElement[bool]:
    """`index_people.id` is one of the rows matching any of the phrases (the query is a bound parameter)."""
    if dialect == "sqlite":
        inner = select(literal_column("rowid")).select_from(text("index_people_fts")).where(
            text(f"index_people_fts MATCH :{name}").bindparams(bindparam(name, fts5_query(any_of))))
        return P.c.id.in_(inner)
    ts = func.to_tsquery(_TS_CONFIG, bindparam(name, tsquery(any_of)))
    inner = select(D.c.person_id).where(D.c.workspace_id == workspace_id, _tsv().op("@@")(ts))
    return P.c.id.in_(inner)


def _title_phrases(titles: Sequence[str]) -> list[Phrase]:
    return phrases([variant for title in titles for variant in title_variants(title)], "title")


def _recency(column: Any, today: date, window: int, sqlite: bool) -> ColumnElement[Any]:
    """ranking._recency in SQL: 1 for today, ½ at the edge of the window (and for unknown dates)."""
    if sqlite:
        days = func.julianday(literal(today.isoformat())) - func.julianday(column)
    else:
        days = cast(literal(today, Date) - column, Float)
    return case((column.is_(None), 0.5), (column >= today, 1.0), (column <= _cutoff(today, window), 0.5),
                else_=1.0 - 0.5 * days / float(window))


def build_plan(dialect: str, workspace_id: int, filters: SearchFilters, today: date) -> Plan:
    f, x = filters, filters.exclude
    where: list[ColumnElement[bool]] = [P.c.workspace_id == workspace_id]
    plan = Plan(workspace_id, dialect, where, literal(0.0))
    if f.seniorities:
        where.append(_any_in(P.c.seniority, f.seniorities))
    if f.functions:
        where.append(_any_in(P.c.function, f.functions))
    if x.seniorities:
        where.append(_none_in(P.c.seniority, x.seniorities))
    if x.functions:
        where.append(_none_in(P.c.function, x.functions))
    if f.industries:
        where.append(_any_in(P.c.company_industry, f.industries))
    if x.industries:
        where.append(_none_in(P.c.company_industry, x.industries))
    if f.funding_stages:
        where.append(_any_in(P.c.company_funding_stage, f.funding_stages))
    if x.funding_stages:
        where.append(_none_in(P.c.company_funding_stage, x.funding_stages))
    if f.size_min is not None:
        where.append(P.c.company_size >= f.size_min)
    if f.size_max is not None:
        where.append(P.c.company_size <= f.size_max)
    place = _places(f.countries, f.regions, f.cities)
    if place is not None:
        where.append(place)
    unplace = _places(x.countries, x.regions, x.cities)
    if unplace is not None:
        where.append(not_(unplace))
    if f.raised_within_days:
        where.append(P.c.company_raised_on >= _cutoff(today, f.raised_within_days))
    if f.new_in_role_days:
        where.append(P.c.role_started_on >= _cutoff(today, f.new_in_role_days))
    if f.posted_within_days:
        where.append(P.c.last_post_on >= _cutoff(today, f.posted_within_days))
    if f.hiring_for:
        bits = sum(FUNCTION_BITS[h] for h in f.hiring_for if h in FUNCTION_BITS)
        mask = P.c.company_hiring_mask
        where.append(mask != 0 if "any" in f.hiring_for or not bits else mask.op("&")(bits) != 0)
    groups = []
    if f.titles:
        groups.append(_title_phrases(f.titles))
    if f.posted_about:
        groups.append(phrases(f.posted_about, "posts_text"))
    keywords = phrases(f.keywords)
    if f.keywords and _only_keywords(f):
        # Keywords only rank; with nothing else to go on, a result must mention at least one of them.
        groups.append(keywords)
    if any(not group for group in groups):
        plan.empty = True  # a title or topic of nothing but punctuation: nothing can match it
    plan.text_groups = [g for g in groups if g]
    plan.exact = not plan.text_groups and not x.titles and not x.keywords
    plan.prescore = _prescore(plan, f, today, keywords)
    plan.recent = P.c.role_started_on if f.new_in_role_days else P.c.company_raised_on if f.raised_within_days \
        else P.c.last_post_on
    return plan


def choose_order(plan: Plan, capped: bool) -> Plan:
    """Past COUNT_CAP matches, sorting them all by pre-score costs more than a preview may: the candidates
    are then the most recent ones (recent activity, or the signal's date) in index order, and ranking
    orders each page. Both orders are deterministic (ties on id: lower first by score, higher by date)."""
    plan.order = "recent" if capped else "score"
    return plan


def _only_keywords(f: SearchFilters) -> bool:
    rest = SearchFilters(**{k: v for k, v in f.__dict__.items() if k not in ("keywords", "exclude")})
    return rest.is_empty()


def _prescore(plan: Plan, f: SearchFilters, today: date, keywords: list[Phrase]) -> ColumnElement[Any]:
    """The column part of ranking.fit (weights as there), plus the share of keywords mentioned."""
    sqlite = plan.sqlite
    parts: list[tuple[ColumnElement[Any], float]] = []
    if f.posted_about or f.posted_within_days:
        parts.append((_recency(P.c.last_post_on, today, f.posted_within_days or 180, sqlite), 1.0))
    if f.new_in_role_days:
        parts.append((_recency(P.c.role_started_on, today, f.new_in_role_days, sqlite), 1.0))
    if f.raised_within_days:
        parts.append((_recency(P.c.company_raised_on, today, f.raised_within_days, sqlite), 1.0))
    if keywords:
        hits = [case((_match(plan.dialect, plan.workspace_id, [k], f"kw{i}"), 1.0), else_=0.0)
                for i, k in enumerate(keywords)]
        parts.append((sum(hits[1:], hits[0]) / float(len(hits)), 1.0))
    activity = case((P.c.last_post_on >= _cutoff(today, 30), 1.0), (P.c.last_post_on >= _cutoff(today, 90), 0.6),
                    (P.c.last_post_on.isnot(None), 0.3), else_=0.0)
    parts.append((activity, 0.5))
    total = sum(w for _, w in parts)
    score = sum((expr * (w / total) for expr, w in parts[1:]), parts[0][0] * (parts[0][1] / total))
    return score.label("prescore")


# -- reading -----------------------------------------------------------------------------------------------


def _conditions(plan: Plan, *, with_text: bool = True) -> ColumnElement[bool]:
    if plan.empty:
        return false()
    return and_(*plan.where, plan.text_match()) if with_text and plan.text_groups else and_(*plan.where)


def count(session: Session, plan: Plan, cap: int = COUNT_CAP) -> tuple[int, bool]:
    """How many rows pass the SQL conditions, counting at most `cap` + 1; (count, capped)."""
    if plan.empty:
        return 0, False
    inner = select(literal(1)).select_from(P).where(_conditions(plan)).limit(cap + 1).subquery()
    n = session.scalar(select(func.count()).select_from(inner)) or 0
    return min(n, cap), n > cap


def _scored(plan: Plan) -> Any:
    """SELECT id, pre-score, full-text rank (NULL without text groups) of the rows that pass. The rank
    (bm25() on SQLite, ts_rank on PostgreSQL, higher is better) comes from the query that matches, so it
    is computed only for rows that pass the other filters."""
    if not plan.text_groups:
        return select(P.c.id, plan.prescore, literal(None).label("text_rank")).where(_conditions(plan))
    q = bindparam("text_q", plan.text_query())
    if plan.sqlite:
        fts = table("index_people_fts", column("rowid"))
        weights = ", ".join(str(w) for w in BM25_WEIGHTS)
        score = literal_column(f"-bm25(index_people_fts, {weights})")
        # The planner drives from the MATCH (checked with EXPLAIN): bm25() runs only for rows that pass.
        return (select(P.c.id, plan.prescore, score.label("text_rank")).select_from(fts.join(P, P.c.id == fts.c.rowid))
                .where(text("index_people_fts MATCH :text_q").bindparams(q), _conditions(plan, with_text=False)))
    ts = func.to_tsquery(_TS_CONFIG, q)
    return (select(P.c.id, plan.prescore, func.ts_rank(_tsv(), ts).label("text_rank"))
            .select_from(P.join(D, D.c.person_id == P.c.id))
            .where(_tsv().op("@@")(ts), _conditions(plan, with_text=False)))


def gather(session: Session, plan: Plan, cap: int = COUNT_CAP) -> tuple[int, bool]:
    """Count and order the candidates in one pass: up to `cap` rows are read (id, pre-score, text rank) and
    sorted here, which also gives the exact count; past the cap the plan switches to the "recent" order.
    Returns (count, capped)."""
    if plan.empty:
        plan.gathered = []
        return 0, False
    rows = session.execute(_scored(plan).limit(cap + 1)).all()
    if len(rows) > cap:
        plan.order, plan.gathered = "recent", None
        return cap, True
    rows.sort(key=lambda r: (-r[1], r[0]))
    plan.order = "score"
    plan.gathered = [(row_id, None if rank_value is None else float(rank_value)) for row_id, _, rank_value in rows]
    return len(rows), False


def candidates(session: Session, plan: Plan, offset: int, size: int) -> list[tuple[int, float | None]]:
    """(id, full-text rank) of the candidates at [offset, offset + size) in the plan's order: pre-score
    (ties: lower id first) or "recent" (ties: higher id first)."""
    if plan.empty or size <= 0:
        return []
    if plan.order == "score" and plan.gathered is not None:
        return plan.gathered[offset:offset + size]
    if plan.order == "recent":
        return _recent(session, plan, offset, size)
    rows = session.execute(_scored(plan).order_by(plan.prescore.desc(), P.c.id).offset(offset).limit(size))
    return [(row_id, None if rank_value is None else float(rank_value)) for row_id, _, rank_value in rows]


def _plus(plan: Plan, condition: ColumnElement[bool]) -> ColumnElement[bool]:
    """The condition with every column but the workspace and the date behind SQLite's unary `+`, which
    keeps the planner from using their indexes: it then walks the date's index, newest first, and stops
    after a page (it would rather read every match through the most selective index and sort them)."""
    keep = {"workspace_id", plan.recent.name}

    def swap(element: Any) -> Any:
        if isinstance(element, Column) and element.table is P and element.name not in keep:
            return literal_column(f"+index_people.{element.name}", type_=element.type)
        return None

    return replacement_traverse(condition, {}, swap)


def _recent(session: Session, plan: Plan, offset: int, size: int) -> list[tuple[int, float | None]]:
    """Candidates newest first (ties: higher id first, the index's own order)."""
    condition = _conditions(plan)
    newest = plan.recent.desc()
    if plan.sqlite:
        condition = _plus(plan, condition)  # NULL dates sort last in SQLite's descending order
    else:
        newest = newest.nulls_last()
    query = select(P.c.id).where(condition).order_by(newest, P.c.id.desc()).offset(offset).limit(size)
    return [(row_id, None) for row_id in session.scalars(query)]


_PERSON = (P.c.id, P.c.external_id, P.c.is_sample, P.c.seniority, P.c.function, P.c.country, P.c.role_started_on,
           P.c.last_post_on)
_DETAIL = tuple(D.c[n] for n in ("full_name", "first_name", "last_name", "title", "headline", "company_external_id",
                                 "company_name", "company_domain", "city", "region", "timezone", "language",
                                 "linkedin_id", "email", "linkedin_key", "email_key", "name_key", "skills",
                                 "positions", "posts"))
_COMPANY_FIELDS = ("is_sample", "name", "domain", "website", "linkedin_id", "industry", "description", "size",
                   "size_range", "founded_year", "city", "region", "country", "timezone", "funding_stage",
                   "funding_total_usd", "last_funding_on", "raised_on", "milestones", "hiring_for", "hiring",
                   "keywords")
_COMPANY = (C.c.external_id.label("c_id"), *(C.c[n].label(f"c_{n}") for n in _COMPANY_FIELDS))
_COMPANY_KEYS = tuple((f"c_{n}", n) for n in _COMPANY_FIELDS)


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def load_records(session: Session, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """Index people as prospect-index records (docs/prospect-index.md) with their company under
    "company"; also "_row" (our id) and "_keys" (the identity keys dedup reads)."""
    out: dict[int, dict[str, Any]] = {}
    for start in range(0, len(ids), 500):
        chunk = list(ids[start:start + 500])
        query = (select(*_PERSON, *_DETAIL, *_COMPANY).select_from(
            P.join(D, D.c.person_id == P.c.id).outerjoin(C, C.c.id == P.c.company_id)).where(P.c.id.in_(chunk)))
        for row in session.execute(query).mappings():
            out[row["id"]] = _record(row)
    return out


def _record(row: Any) -> dict[str, Any]:
    company = None
    if row["c_id"] is not None:
        company = {"id": row["c_id"], "record_type": "company"}
        company.update((name, _iso(row[key])) for key, name in _COMPANY_KEYS)
    return {
        "id": row["external_id"], "_row": row["id"], "record_type": "person", "is_sample": bool(row["is_sample"]),
        "full_name": row["full_name"], "first_name": row["first_name"], "last_name": row["last_name"],
        "title": row["title"], "headline": row["headline"], "seniority": row["seniority"],
        "function": row["function"], "role_started_on": _iso(row["role_started_on"]),
        "company_id": row["company_external_id"], "company_name": row["company_name"],
        "company_domain": row["company_domain"], "city": row["city"], "region": row["region"],
        "country": row["country"], "timezone": row["timezone"], "language": row["language"],
        "linkedin_id": row["linkedin_id"], "email": row["email"], "skills": list(row["skills"] or ()),
        "positions": list(row["positions"] or ()), "posts": list(row["posts"] or ()),
        "last_post_on": _iso(row["last_post_on"]), "company": company,
        "_keys": (row["linkedin_key"], row["email_key"], row["name_key"], row["company_domain"]),
    }


# -- one page -------------------------------------------------------------------------------------------


@dataclass
class Page:
    offset: int  # where the page started in the candidate order
    candidates: int  # rows the page read (fewer than asked: the candidates ran out)
    ranking: Ranking  # what passed the exact check, best first
    exhausted: bool


def rank_page(session: Session, plan: Plan, filters: SearchFilters, *, today: date, offset: int, size: int,
              query: str | None = None, embedder: Embedder | None = None, rerank: int = 100,
              keep: int | None = None) -> Page:
    """One page of candidates ranked; `keep` limits the hits returned (and explained) to the best ones."""
    found = candidates(session, plan, offset, size)
    ids = [row_id for row_id, _ in found]
    records = load_records(session, ids)
    pool = [records[i] for i in ids if i in records]
    # The database's rank when the page came with one; else ranking computes BM25 over the page.
    scores = {records[i]["id"]: s for i, s in found if i in records and s is not None} \
        if plan.text_groups and plan.order == "score" else None
    ranking = rank(pool, filters, today=today, limit=len(pool) if keep is None else keep, query=query,
                   text_scores=scores, embedder=embedder, rerank=rerank, prefiltered=False)
    return Page(offset, len(ids), ranking, exhausted=len(ids) < size)
