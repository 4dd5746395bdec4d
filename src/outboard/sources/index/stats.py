"""What a workspace's prospect index holds (`outboard index stats`, the web page's index panel)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from outboard.db.database import Database
from outboard.db.models import IndexBulkLoad, IndexCompany, IndexPerson, IndexPersonDetail


def index_stats(db: Database, workspace_id: int, *, top: int = 5) -> dict[str, Any]:
    p, c, d = IndexPerson, IndexCompany, IndexPersonDetail
    with db.sessions() as session:
        def one(query: Any) -> Any:
            return session.scalar(query)

        people = one(select(func.count()).select_from(p).where(p.workspace_id == workspace_id)) or 0
        out: dict[str, Any] = {
            "people": people,
            "companies": one(select(func.count()).select_from(c).where(c.workspace_id == workspace_id)) or 0,
            "sample_people": one(select(func.count()).select_from(p).where(p.workspace_id == workspace_id,
                                                                          p.is_sample)) or 0,
            "sample_companies": one(select(func.count()).select_from(c).where(c.workspace_id == workspace_id,
                                                                             c.is_sample)) or 0,
            "people_without_company": one(select(func.count()).select_from(p).where(
                p.workspace_id == workspace_id, p.company_id.is_(None))) or 0,
            "people_with_posts": one(select(func.count()).select_from(p).where(
                p.workspace_id == workspace_id, p.last_post_on.isnot(None))) or 0,
            "last_loaded_at": one(select(func.max(d.loaded_at)).where(d.workspace_id == workspace_id)),
            "newest_post_on": one(select(func.max(p.last_post_on)).where(p.workspace_id == workspace_id)),
            "bulk_load_pending": session.get(IndexBulkLoad, workspace_id) is not None,
        }
        for name, column in (("countries", p.country), ("functions", p.function), ("industries", p.company_industry)):
            rows = session.execute(select(column, func.count()).where(p.workspace_id == workspace_id,
                                                                      column.isnot(None))
                                   .group_by(column).order_by(func.count().desc(), column).limit(top))
            out[f"top_{name}"] = [{"value": value, "people": n} for value, n in rows]
    return out
