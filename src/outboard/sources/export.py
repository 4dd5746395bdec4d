"""A source group back to CSV, streamed: the leads are read in pages of ids, never all at once.

The header uses the generic preset's column names, so the file imports again as it is (custom fields come
back as custom fields). Cells that a spreadsheet would run as a formula ("=...", "@...", "+cmd|...") are
prefixed with an apostrophe (CSV injection); phone numbers such as "+4930..." are left alone.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from typing import Any, TextIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from outboard.db.models import Company, Lead, SourceGroupMember
from outboard.sources.groups import find_group

PAGE = 2_000
COLUMNS: tuple[tuple[str, str], ...] = (  # (header, where the value comes from)
    ("Full Name", "full_name"), ("First Name", "first_name"), ("Middle Name", "profile.name.middle"),
    ("Last Name", "last_name"), ("Salutation", "profile.name.honorific"), ("Suffix", "profile.name.suffix"),
    ("Email", "email"), ("LinkedIn URL", "linkedin_url"), ("Title", "title"), ("Headline", "headline"),
    ("Company", "company_name"), ("Company Domain", "company_domain"), ("Website", "company.website"),
    ("Industry", "company_industry"), ("Company Size", "company.size_band"), ("Phone", "phone"),
    ("Location", "profile.location"), ("City", "city"), ("Region", "region"), ("Country", "country"),
    ("Timezone", "timezone"), ("Stage", "stage"), ("Stop Reason", "stop_reason"),
)
_NUMBER = re.compile(r"^[+-][\d\s().-]*$")


def safe_cell(value: str) -> str:
    if value and (value[0] in "=@\t\r" or (value[0] in "+-" and not _NUMBER.match(value))):
        return "'" + value
    return value


def _rows(session: Session, group_id: int) -> Iterator[dict[str, Any]]:
    after = 0
    while True:
        query = (select(Lead.id, Lead.full_name, Lead.first_name, Lead.last_name, Lead.email, Lead.linkedin_id,
                        Lead.title, Lead.headline, Lead.phone, Lead.city, Lead.region, Lead.country, Lead.timezone,
                        Lead.stage, Lead.stop_reason, Lead.profile, Company.name.label("company_name"),
                        Company.domain.label("company_domain"), Company.industry.label("company_industry"),
                        Company.size.label("company_size"), Company.facts.label("company_facts"))
                 .join(SourceGroupMember, SourceGroupMember.lead_id == Lead.id)
                 .outerjoin(Company, Company.id == Lead.company_id)
                 .where(SourceGroupMember.source_group_id == group_id, Lead.id > after)
                 .order_by(Lead.id).limit(PAGE))
        page = [dict(row) for row in session.execute(query).mappings()]
        if not page:
            return
        yield from page
        after = page[-1]["id"]


def _value(row: dict[str, Any], source: str) -> str:
    if source == "linkedin_url":
        return f"https://www.linkedin.com/in/{row['linkedin_id']}" if row["linkedin_id"] else ""
    if source.startswith("profile."):
        node: Any = row["profile"] or {}
        for part in source.split(".")[1:]:
            node = node.get(part, "") if isinstance(node, dict) else ""
        return str(node or "")
    if source.startswith("company."):
        facts = row["company_facts"] or {}
        key = source.split(".", 1)[1]
        if key == "size_band" and not facts.get(key) and row["company_size"]:
            return str(row["company_size"])
        return str(facts.get(key) or "")
    value = row.get(source)
    return "" if value is None else str(value)


def export_group(session: Session, workspace_id: int, group_name: str, out: TextIO) -> int:
    """Write the group's leads as CSV to `out`; returns how many. Two passes over the group: the first
    collects the custom field names (the header comes first), the second writes."""
    group = find_group(session, workspace_id, group_name)
    custom: dict[str, None] = {}
    for row in _rows(session, group.id):
        custom.update(dict.fromkeys((row["profile"] or {}).get("custom") or {}))
    names = {header for header, _ in COLUMNS}
    extra = [c for c in custom if c not in names]
    writer = csv.writer(out)
    writer.writerow([header for header, _ in COLUMNS] + extra)
    count = 0
    for row in _rows(session, group.id):
        fields = (row["profile"] or {}).get("custom") or {}
        writer.writerow([safe_cell(_value(row, source)) for _, source in COLUMNS]
                        + [safe_cell(str(fields.get(name, ""))) for name in extra])
        count += 1
    return count
