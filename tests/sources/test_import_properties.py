"""Properties of the import, end to end through the database: the leads a set of rows makes do not depend
on the order of the rows or where batches cut the file; the suppression keys computed on the fast path are
the keys core.suppression_keys computes."""

from __future__ import annotations

import contextlib
import itertools
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from outboard.core.suppression_keys import Identity as SuppressionIdentity
from outboard.core.suppression_keys import InvalidSuppressionValue, suppression_hash
from outboard.db.models import Workspace
from outboard.sources.importer import ImportOptions, import_file
from outboard.sources.normalize import normalize_record
from outboard.sources.prepare import identity_of, suppression_hashes
from tests.sources.import_helpers import all_leads, write_csv

# First names whose variants all match each other (short form, one-letter typo, case), and last names
# that no two people of one company share: rows of different people never match, rows of one person may.
FIRST = (("Jonathan", "Jon", "Jonathon", "JONATHAN"), ("Christopher", "Chris", "Christophor", "christopher"),
         ("Alexander", "Alex", "Alexandar", "ALEXANDER"), ("Maria", "MARIA", "maria", "Maria"))
LAST = ("Schmidt", "Müller", "O'Brien", "García", "Nowak", "Tanaka")
DOMAINS = ("acme.io", "nordwind.de", "vega.es")
_counter = itertools.count()


@st.composite
def people_rows(draw: st.DrawFn) -> list[list[str]]:
    """Rows of a few people; each row shows some of its person's keys (name + company, email, LinkedIn)."""
    count = draw(st.integers(1, 4))
    people = []
    for index in range(count):
        first = draw(st.sampled_from(FIRST))
        people.append((first, LAST[index], draw(st.sampled_from(DOMAINS)), index))
    rows = []
    for first, last, domain, index in people:
        for _ in range(draw(st.integers(1, 4))):
            shown = draw(st.sets(st.sampled_from(("name", "email", "linkedin")), min_size=1))
            name = draw(st.sampled_from(first)) if "name" in shown else ""
            email = f"{first[0]}.{last}@{domain}".encode("ascii", "ignore").decode() if "email" in shown else ""
            if email and draw(st.booleans()):
                email = email.upper()
            linkedin = f"https://www.linkedin.com/in/person-{index}-{last.lower()[:3]}" if "linkedin" in shown else ""
            rows.append([name, last if name else "", email.replace("'", ""), linkedin,
                         f"https://{domain}" if name else ""])
    return rows


def _workspace(db) -> int:
    with db.transaction() as session:
        number = next(_counter)
        workspace = Workspace(name=f"Order {number}", slug=f"order-{number}", preferences={})
        session.add(workspace)
        session.flush()
        return workspace.id


def _people(db, workspace_id: int) -> set[frozenset[tuple[str, str]]]:
    """Each lead as the set of its keys; the name key without its first name (which variant a lead keeps
    depends on which row came first, the person does not)."""
    out = set()
    for lead in all_leads(db, workspace_id):
        keys = {("linkedin", lead.linkedin_key or ""), ("email", lead.email_key or "")}
        if lead.name_domain_key:
            keys.add(("name", lead.name_domain_key.split(" ", 1)[1]))
        out.add(frozenset(k for k in keys if k[1]))
    return out


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=people_rows(), data=st.data())
def test_the_leads_do_not_depend_on_row_order_or_batch_size(db, tmp_path, rows, data):
    header = ["First Name", "Last Name", "Email", "LinkedIn URL", "Website"]
    shuffled = data.draw(st.permutations(rows))
    results = []
    for order in (rows, shuffled):
        path = write_csv(Path(tmp_path) / f"rows-{next(_counter)}.csv", header, order)
        workspace_id = _workspace(db)
        batch = data.draw(st.sampled_from((1, 2, 3, 1000)))
        import_file(db, workspace_id, path, ImportOptions(batch_size=batch, workers=1))
        results.append(_people(db, workspace_id))
    assert results[0] == results[1]
    assert len(results[0]) <= len(rows)


_ADDRESS = st.emails().map(lambda e: e if len(e) < 200 else e[-200:])
_LINKEDIN = st.from_regex(r"\A[A-Za-z0-9][A-Za-z0-9_-]{2,40}\Z")
_NAMES = st.sampled_from(["Anna Schmidt", "Jürgen Müller", "Zoë Lefèvre", "王 小明", "O'Brien, Pat", "Ada"])


@settings(max_examples=150, deadline=None)
@given(email=_ADDRESS | st.sampled_from(["anna@müller.de", "Zoë@café.fr", "x@xn--mller-kva.de"]),
       upper=st.booleans(), linkedin=_LINKEDIN, name=_NAMES,
       website=st.sampled_from(["", "https://www.acme.co.uk/x", "müller.de", "http://www.shop.acme.io"]))
def test_fast_suppression_keys_are_the_keys_of_the_suppression_list(email, upper, linkedin, name, website):
    lead = normalize_record({"full_name": name, "email": email.upper() if upper else email,
                             "linkedin_url": f"https://www.linkedin.com/in/{linkedin}/", "company_website": website})
    ident = identity_of(lead)
    expected = set(SuppressionIdentity(email=lead.email or None, linkedin_id=lead.linkedin_id or None,
                                       name_domain=ident.name_domain_key or None).hashes())
    if lead.company_domain:
        with contextlib.suppress(InvalidSuppressionValue):
            expected.add(("domain", suppression_hash("domain", lead.company_domain)))
    assert set(suppression_hashes(lead, ident)) == expected
