"""Who is the same person: matching rules, order-independent clusters, and merging without overwriting."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from outboard.sources.dedup import Conflict, DedupIndex, cluster, first_names_match, merge
from outboard.sources.normalize import Identity, normalize_record


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("anna", "anna", True),
        ("jon", "jonathan", True),  # a short form that is a prefix: merged
        ("chris", "christopher", True),
        ("alex", "alexander", True),
        ("jonathon", "jonathan", True),  # a one-letter typo in a long name
        ("mohamed", "mohammed", True),
        ("katarina", "katharina", True),
        ("bob", "robert", False),  # a nickname that is not a prefix: told apart
        ("daniel", "daniela", False),  # gendered endings are different people
        ("ivan", "ivana", False),
        ("christina", "christine", False),
        ("alexander", "alexandra", False),
        ("jon", "john", False),
        ("", "", False),
        ("anna", "", False),
    ],
)
def test_first_names_match(a, b, same):
    assert first_names_match(a, b) is same
    assert first_names_match(b, a) is same


def lead(**raw):
    return normalize_record(raw)


def test_same_linkedin_id_email_or_name_at_the_same_company():
    records = [
        lead(full_name="Jonathan Smith", email="jonathan@acme.com"),  # 0
        lead(full_name="Jon Smith", company_website="https://www.acme.com"),  # 1: name + domain
        lead(full_name="JONATHAN SMITH", email="Jonathan@ACME.com"),  # 2: same email
        lead(full_name="Bob Smith", company_website="acme.com"),  # 3
        lead(full_name="Robert Smith", email="robert@acme.com"),  # 4: not Bob
        lead(full_name="Anna Müller", linkedin_url="linkedin.com/in/anna-m", company_website="x.de"),  # 5
        lead(full_name="ANNA MUELLER", company_website="https://x.de"),  # 6: Mueller = Müller
        lead(first_name="Anna", last_name="Müller", linkedin_url="https://de.linkedin.com/in/Anna-M/"),  # 7
        lead(full_name="Daniel Weber", company_website="x.de"),  # 8
        lead(full_name="Daniela Weber", company_website="x.de"),  # 9
        lead(full_name="Jon Smith"),  # 10: no company domain, no match on name alone
        lead(full_name="Jon Smith", email="jon@gmail.com"),  # 11: a free mailbox is no company domain
    ]
    assert sorted(cluster(records)) == [[0, 1, 2], [3], [4], [5, 6, 7], [8], [9], [10], [11]]


def test_contradicting_emails_or_linkedin_ids_are_two_people():
    records = [
        lead(full_name="Anna Schmidt", email="anna@acme.de"),
        lead(full_name="Anna Schmidt", email="anna.schmidt@acme.de"),
        lead(full_name="Anna Schmidt", linkedin_url="anna-s-1", company_website="acme.de"),
        lead(full_name="Anna Schmidt", linkedin_url="anna-s-2", company_website="acme.de"),
    ]
    # 0-1 differ by email, 2-3 by LinkedIn id; 0 and 2 (and 1 and 3) do not contradict: the
    # components join everyone. This is the documented price of order independence.
    assert cluster(records) == [[0, 1, 2, 3]]
    assert cluster(records[:2]) == [[0], [1]]
    assert cluster(records[2:]) == [[0], [1]]


def test_incremental_index_against_existing_leads_then_the_file():
    index = DedupIndex()
    index.add(lead(full_name="Anna Schmidt", email="anna@acme.de"), "lead:17")
    index.add(lead(full_name="Tom Baker", linkedin_url="tom-baker"), "lead:18")
    assert index.add(lead(full_name="Kim Lee", email="kim@acme.de"), 2).is_new
    match = index.add(lead(first_name="ANNA", last_name="SCHMIDT", email="Anna@Acme.de"), 3)
    assert (match.duplicate_of, match.by, match.also) == ("lead:17", "email", ())
    bridge = index.add(lead(full_name="Tom Baker", email="kim@acme.de", linkedin_url="tom-baker"), 4)
    assert (bridge.duplicate_of, bridge.by, bridge.also) == ("lead:18", "linkedin", (2,))
    assert index.clusters() == [["lead:17", 3], ["lead:18", 2, 4]]
    with pytest.raises(ValueError):
        index.add(lead(full_name="X Y"), 4)


def test_merge_adds_new_facts_and_records_conflicts():
    old = lead(full_name="Jon Smith", email="jon@acme.com", title="Head of Sales", Segment="A")
    new = lead(full_name="Dr. Jonathan Smith", email="jon@acme.com", title="VP Sales", phone="+49 170 1234567",
               location="Berlin, Germany", Segment="A", Source="Conference")
    result = merge(old, new)
    assert result.lead.first_name == "Jon"  # not overwritten
    assert result.lead.title == "Head of Sales"
    assert (result.lead.phone, result.lead.phone_valid, result.lead.city) == ("+491701234567", True, "Berlin")
    assert result.lead.honorific == "Dr."
    assert result.lead.custom == {"Segment": "A", "Source": "Conference"}
    assert set(result.added) >= {"honorific", "phone", "location", "city", "country", "timezone", "custom.Source"}
    assert set(result.conflicts) == {Conflict("first_name", "Jon", "Jonathan"),
                                     Conflict("title", "Head of Sales", "VP Sales")}


def test_merge_takes_a_whole_name_when_the_existing_lead_had_none():
    result = merge(lead(email="anna@acme.de"), lead(full_name="Anna van der Berg", email="ANNA@acme.de"))
    assert (result.lead.full_name, result.lead.last_name) == ("Anna van der Berg", "van der Berg")
    assert result.conflicts == ()


def test_merge_compares_companies_by_their_clean_name():
    result = merge(lead(full_name="A B", company_name="Acme GmbH"), lead(full_name="A B", company_name="ACME"))
    assert result.conflicts == () and result.lead.company_name == "Acme GmbH"
    other = merge(lead(full_name="A B", company_name="Acme GmbH"), lead(full_name="A B", company_name="Beta AG"))
    assert other.conflicts == (Conflict("company_name", "Acme GmbH", "Beta AG"),)


def test_merging_the_same_record_changes_nothing():
    one = lead(full_name="Anna Schmidt", email="anna@acme.de", phone="+49 170 1234567", Segment="A")
    result = merge(one, one)
    assert (result.lead, result.added, result.conflicts) == (one, (), ())


IDENTITY = st.builds(
    Identity,
    linkedin_id=st.sampled_from(["", "", "anna-s", "bob-1", "jon-smith"]),
    email=st.sampled_from(["", "", "a@acme.com", "b@acme.com", "j@x.de"]),
    first_key=st.sampled_from(["", "jon", "jonathan", "john", "bob", "robert", "daniel", "daniela", "anna"]),
    last_key=st.sampled_from(["", "smith", "muller", "mueller"]),
    company_domain=st.sampled_from(["", "acme.com", "x.de"]),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(IDENTITY, max_size=25).flatmap(lambda ids: st.tuples(st.just(ids), st.permutations(range(len(ids))))))
def test_clusters_do_not_depend_on_the_order_of_records(case):
    identities, order = case
    reference = {frozenset(group) for group in cluster(identities)}
    shuffled = [identities[i] for i in order]
    again = {frozenset(order[j] for j in group) for group in cluster(shuffled)}
    assert again == reference
