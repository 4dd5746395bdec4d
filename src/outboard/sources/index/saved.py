"""Saved searches and clues: collect N results into a new source group, in a background job.

`start_saved_search` creates the group (kind "search" or "clue"; `query` holds the filters, the count, the
source and, as the job goes, its progress) and queues a "saved_search" job. The job walks the candidates
in the preview's order, page by page (search.rank_page, or the people-search API's pages), leaves out
results that are already leads or suppressed (counted), and saves the rest as leads with their reason.

Each batch is one transaction: the leads, their group membership, the usage entries (one per result,
ref "<kind>:<group>:<person>") and the progress in the group row. So a job that is killed and run again,
or resumed with `resume_saved_search` after the budget was raised, goes on from the last committed batch:
no duplicate lead, no double charge (and the group's member count is the count of what was collected).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from outboard.core.errors import NotFound, ValidationError
from outboard.db.database import Database
from outboard.db.models import Job, SourceGroup, SourceGroupMember
from outboard.db.timeline import record
from outboard.db.usage import PRICES, BudgetSpent, charge, remaining
from outboard.runtime import Runtime
from outboard.sources.icp.filters import SearchFilters
from outboard.sources.index.clues import ClueSpec, fit_reason, signal_reason
from outboard.sources.index.people_api import HttpPeopleSearch, PeopleApiConfig, PeopleSearchProvider
from outboard.sources.index.promote import Result, promote
from outboard.sources.index.screen import MEMBER, NEW, Excluded, screen
from outboard.sources.index.search import build_plan, gather, rank_page
from outboard.sources.ranking import HashedNgramEmbedder, Hit, rank

JOB_KIND = "saved_search"
MAX_COUNT = 100_000
PAGE = 1_000  # candidates read per page
BATCH = 500  # results saved per transaction
ProgressFn = Callable[[int, int | None, str], None]


@dataclass(frozen=True)
class Started:
    group_id: int
    job_id: int
    name: str


def _ref(kind: str, group_id: int, person: str) -> str:
    key = person if len(person) <= 120 else hashlib.sha256(person.encode()).hexdigest()
    return f"{kind}:{group_id}:{key}"


def create_group(db: Database, workspace_id: int, name: str, filters: SearchFilters, count: int, *,
                 source: str = "index", description: str | None = None, clue: ClueSpec | None = None,
                 semantic: bool = False, today: date | None = None, api: dict[str, Any] | None = None) -> int:
    """The saved search's source group (ValidationError when the name is taken or the input is wrong)."""
    name = " ".join(name.split())[:200]
    if not name:
        raise ValidationError("name", "a saved search needs a name")
    if not 1 <= count <= MAX_COUNT:
        raise ValidationError("count", f"must be between 1 and {MAX_COUNT:,}", value=count)
    if source not in ("index", "api"):
        raise ValidationError("source", "must be index or api", value=source)
    if filters.is_empty():
        raise ValidationError("filters", "a saved search needs at least one criterion")
    today = today or db.clock.now().date()
    query: dict[str, Any] = {"filters": filters.to_dict(), "count": count, "source": source,
                             "description": description, "today": today.isoformat(), "semantic": semantic,
                             "progress": {"offset": 0, "cursor": None, "examined": 0, "not_matching": 0,
                                          "excluded": Excluded().as_dict(), "exhausted": False}}
    if clue is not None:
        query["clue"] = clue.to_dict()
    if api:
        query["api"] = api
    try:
        with db.transaction() as session:
            group = SourceGroup(workspace_id=workspace_id, name=name, kind="clue" if clue else "search", query=query)
            session.add(group)
            session.flush()
            record(session, workspace_id, "source_group_created", subject=f"source_group:{group.id}",
                   kind=group.kind, count=count)
            return group.id
    except IntegrityError:
        raise ValidationError("name", f"a source group named {name!r} already exists; choose another name") from None


def start_saved_search(rt: Runtime, workspace_id: int, name: str, filters: SearchFilters, count: int, *,
                       source: str = "index", description: str | None = None, clue: ClueSpec | None = None,
                       semantic: bool = False, api_url: str | None = None, api_key: str | None = None) -> Started:
    """Create the group and queue the job that fills it; returns both ids (the web page polls the job)."""
    api = None
    if source == "api":
        config = PeopleApiConfig.from_settings(rt.settings, api_url, api_key)
        api = {"url": config.url}
        if api_key:
            api["key"] = rt.secrets.seal(api_key)  # a key given for this search, kept encrypted
    group_id = create_group(rt.db, workspace_id, name, filters, count, source=source, description=description,
                            clue=clue, semantic=semantic, api=api)
    return Started(group_id, _submit(rt, workspace_id, group_id), " ".join(name.split())[:200])


def _submit(rt: Runtime, workspace_id: int, group_id: int) -> int:
    from outboard.jobs.runner import submit

    return submit(rt, workspace_id, JOB_KIND, {"group_id": group_id})


def find_saved(session: Session, workspace_id: int, name_or_id: str | int) -> SourceGroup:
    query = select(SourceGroup).where(SourceGroup.workspace_id == workspace_id,
                                      SourceGroup.kind.in_(("search", "clue")))
    if isinstance(name_or_id, int) or str(name_or_id).isdigit():
        group = session.scalar(query.where(SourceGroup.id == int(name_or_id)))
        if group is not None:
            return group
    group = session.scalar(query.where(SourceGroup.name == " ".join(str(name_or_id).split())))
    if group is None:
        raise NotFound(f"saved search {name_or_id!r} not found")
    return group


def resume_saved_search(rt: Runtime, workspace_id: int, name_or_id: str | int, *, force: bool = False) -> int:
    """Queue a new job for a saved search that stopped (budget spent, failure, a killed worker); it goes
    on where it was. `force` also when its last job still looks queued or running (a crashed worker)."""
    with rt.db.sessions() as session:
        group = find_saved(session, workspace_id, name_or_id)
        group_id = group.id
        if group.job_id is not None:
            state = session.scalar(select(Job.state).where(Job.id == group.job_id))
            if state in ("queued", "running") and not force:
                raise ValidationError("name", f"the saved search {group.name!r} is still running (job "
                                              f"{group.job_id}); --force if its worker died")
    return _submit(rt, workspace_id, group_id)


def saved_search_status(db: Database, workspace_id: int, name_or_id: str | int) -> dict[str, Any]:
    """The group, how far its job got, and what it left out (what the web page and the CLI show)."""
    with db.sessions() as session:
        group = find_saved(session, workspace_id, name_or_id)
        members = session.scalar(select(func.count()).select_from(SourceGroupMember).where(
            SourceGroupMember.source_group_id == group.id)) or 0
        job = session.get(Job, group.job_id) if group.job_id else None
        query = group.query or {}
        return {"group_id": group.id, "name": group.name, "kind": group.kind, "collected": members,
                "requested": query.get("count"), "source": query.get("source"), "filters": query.get("filters"),
                "clue": query.get("clue"), "progress": query.get("progress"),
                "job": None if job is None else {"id": job.id, "state": job.state, "done": job.done,
                                                 "total": job.total, "message": job.message, "error": job.error}}


# -- the job --------------------------------------------------------------------------------------------


@dataclass
class _Run:
    db: Database
    workspace_id: int
    group_id: int
    kind: str  # "search_result" or "clue_result"
    clue: ClueSpec | None
    count: int
    progress: dict[str, Any]
    collected: int
    created: int = 0
    batch: int = BATCH

    def reason(self, hit: Hit) -> dict[str, Any] | None:
        return signal_reason(self.clue.kind, hit) if self.clue else fit_reason(hit)


def run_saved_search(db: Database, workspace_id: int, group_id: int, *, progress: ProgressFn | None = None,
                     provider: PeopleSearchProvider | None = None, secrets: Any = None,
                     job_id: int | None = None, batch: int = BATCH) -> dict[str, Any]:
    """Fill a saved search's group up to its count (idempotent: run it again and it goes on)."""
    with db.transaction() as session:
        group = session.get(SourceGroup, group_id)
        if group is None or group.workspace_id != workspace_id or group.kind not in ("search", "clue"):
            raise NotFound(f"saved search {group_id} not found")
        if job_id is not None:
            group.job_id = job_id  # the group shows the job that fills it (the latest, after a resume)
        query = dict(group.query or {})
        members = session.scalar(select(func.count()).select_from(SourceGroupMember).where(
            SourceGroupMember.source_group_id == group_id)) or 0
    filters = SearchFilters.from_dict(query["filters"])
    clue = ClueSpec.from_dict(query["clue"]) if query.get("clue") else None
    run = _Run(db, workspace_id, group_id, "clue_result" if clue else "search_result", clue, int(query["count"]),
               dict(query.get("progress") or {}), members, batch=max(1, batch))
    today = date.fromisoformat(query.get("today") or db.clock.now().date().isoformat())
    if query.get("source") == "api":
        owned = provider is None
        provider = provider or _provider(query.get("api") or {}, secrets)
        try:
            _from_api(run, filters, today, provider, progress)
        finally:
            if owned:
                provider.close()  # type: ignore[attr-defined]
    else:
        _from_index(run, filters, today, bool(query.get("semantic")), query.get("description"), progress)
    return _summary(run)


def _provider(api: dict[str, Any], secrets: Any) -> HttpPeopleSearch:
    from outboard.runtime import runtime

    rt = runtime()
    key = (secrets or rt.secrets).open(api["key"]).reveal() if api.get("key") else None
    return HttpPeopleSearch(PeopleApiConfig.from_settings(rt.settings, api.get("url"), key))


def _summary(run: _Run) -> dict[str, Any]:
    p = run.progress
    return {"group_id": run.group_id, "collected": run.collected, "requested": run.count,
            "created_this_run": run.created, "examined": p.get("examined", 0),
            "not_matching": p.get("not_matching", 0), "excluded": p.get("excluded"),
            "exhausted": bool(p.get("exhausted")), "credits": run.created * PRICES[run.kind]}


def _report(run: _Run, progress: ProgressFn | None, note: str = "") -> None:
    if progress is not None:
        excluded = Excluded.from_dict(run.progress.get("excluded"))
        text = note or (f"{run.collected:,} of {run.count:,} saved; {excluded.already_leads:,} already leads, "
                        f"{sum(excluded.suppressed.values()):,} suppressed")
        progress(run.collected, run.count, text)


def _from_index(run: _Run, filters: SearchFilters, today: date, semantic: bool, description: str | None,
                progress: ProgressFn | None) -> None:
    plan = build_plan(run.db.engine.dialect.name, run.workspace_id, filters, today)
    with run.db.sessions() as session:
        capped = gather(session, plan)[1]
    # The order is decided by the first run, like the preview's, and kept: a resumed job walks the same way.
    run.progress.setdefault("order", "recent" if capped else "score")
    plan.order = run.progress["order"]
    if plan.order == "recent":
        plan.gathered = None
    embedder = HashedNgramEmbedder() if semantic else None
    _report(run, progress)
    while run.collected < run.count and not run.progress.get("exhausted"):
        offset = int(run.progress.get("offset", 0))
        with run.db.sessions() as session:
            page = rank_page(session, plan, filters, today=today, offset=offset, size=PAGE, query=description,
                             embedder=embedder)
        hits = list(page.ranking.hits)
        _save_hits(run, hits, lambda hit: f"index:{hit.record['id']}", progress,
                   page_end={"offset": offset + page.candidates, "exhausted": page.exhausted},
                   not_matching=page.candidates - len(hits))
    _report(run, progress)


def _from_api(run: _Run, filters: SearchFilters, today: date, provider: PeopleSearchProvider,
              progress: ProgressFn | None) -> None:
    _report(run, progress)
    while run.collected < run.count and not run.progress.get("exhausted"):
        answer = provider.search(filters, limit=100, cursor=run.progress.get("cursor"))
        hits = list(rank(answer.records, filters, today=today, limit=len(answer.records)).hits)
        _save_hits(run, hits, lambda hit: f"{provider.name}:{hit.record['id']}", progress,
                   page_end={"cursor": answer.next_cursor, "exhausted": answer.next_cursor is None},
                   not_matching=len(answer.records) - len(hits))
    _report(run, progress)


def _save_hits(run: _Run, hits: list[Hit], source_of: Callable[[Hit], str], progress: ProgressFn | None, *,
               page_end: dict[str, Any], not_matching: int) -> None:
    """Save a page's hits in batches of one transaction each. The progress remembers how many hits of the
    page were looked at ("skip"), so a resumed job neither saves nor counts any of them twice."""
    position = int(run.progress.get("skip", 0))
    while True:
        batch = hits[position:position + run.batch]
        with run.db.transaction() as session:
            group = session.get(SourceGroup, run.group_id)
            assert group is not None
            room = min(run.count - run.collected, _affordable(session, run))
            verdicts = screen(session, run.workspace_id, [h.record for h in batch], run.group_id)
            excluded = Excluded.from_dict(run.progress.get("excluded"))
            wanted: list[Result] = []
            used = 0
            for hit, verdict in zip(batch, verdicts, strict=True):
                if len(wanted) >= room:
                    break
                used += 1
                if verdict.status == MEMBER:
                    continue  # saved by an earlier run of this job: already counted in `collected`
                run.progress["examined"] = run.progress.get("examined", 0) + 1
                if verdict.status != NEW:
                    excluded.add(verdict)
                    continue
                reason = run.reason(hit)
                if reason is None:
                    run.progress["not_matching"] = run.progress.get("not_matching", 0) + 1
                    continue
                wanted.append(Result(hit.record, source_of(hit), reason))
            created = promote(session, run.workspace_id, run.group_id, wanted, run.db.clock.now())
            for result, _lead_id in created:
                charge(session, run.workspace_id, run.kind, _ref(run.kind, run.group_id, str(result.record["id"])),
                       known_new=True)
            run.collected += len(created)
            run.created += len(created)
            run.progress["excluded"] = excluded.as_dict()
            position += used
            page_done = position >= len(hits)
            if page_done:
                run.progress.update(page_end, skip=0)
                run.progress["not_matching"] = run.progress.get("not_matching", 0) + not_matching
            else:
                run.progress["skip"] = position
            group.query = {**(group.query or {}), "progress": dict(run.progress)}
        _report(run, progress)
        if page_done or run.collected >= run.count:
            return
        if room == 0 or (used < len(batch) and len(wanted) >= room and run.collected < run.count):
            raise BudgetSpent(f"the workspace's credit budget is spent after {run.collected:,} of {run.count:,} "
                              f"results; raise it in Settings → Usage, then resume the saved search")


def _affordable(session: Session, run: _Run) -> int:
    """How many results the budget still pays for (no budget: as many as asked)."""
    left = remaining(session, run.workspace_id)
    return MAX_COUNT if left is None else max(0, left // PRICES[run.kind])
