"""LinkedIn profile URLs and ids to the canonical public id."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from outboard.sources.normalize.linkedin import linkedin_id, linkedin_url, parse_linkedin


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("https://www.linkedin.com/in/john-smith-82a505", "john-smith-82a505"),
        ("http://www.linkedin.com/in/John-Smith-82a505/", "john-smith-82a505"),
        ("www.linkedin.com/in/john-smith-82a505", "john-smith-82a505"),
        ("linkedin.com/in/john-smith-82a505?trk=public_profile#experience", "john-smith-82a505"),
        ("https://de.linkedin.com/in/john-smith-82a505/", "john-smith-82a505"),
        ("https://m.linkedin.com/in/john-smith-82a505", "john-smith-82a505"),
        ("https://www.linkedin.com/mwlite/in/john-smith-82a505", "john-smith-82a505"),
        ("https://www.linkedin.com/in/john-smith-82a505/details/experience/", "john-smith-82a505"),
        ("https://www.linkedin.com/in/john-smith-82a505/de", "john-smith-82a505"),
        (" WWW.LINKEDIN.COM/IN/JOHN-SMITH-82A505 ", "john-smith-82a505"),
        ("in/john-smith-82a505", "john-smith-82a505"),
        ("john-smith-82a505", "john-smith-82a505"),
        ("https://de.linkedin.com/in/j%C3%BCrgen-m%C3%BCller", "jürgen-müller"),
        # The old public URL: LinkedIn redirects /pub/name/a7/576/b50 to /in/name-b50576a7.
        ("https://sy.linkedin.com/pub/krzysztof-marzec/a7/576/b50?trk=biz_employee_pub", "krzysztof-marzec-b50576a7"),
        ("http://www.linkedin.com/pub/lena-van-der-berg/1b/42a/3c7", "lena-van-der-berg-3c742a1b"),
        # Member ids are case-sensitive: kept as they are.
        ("https://www.linkedin.com/in/ACwAAAbCdEfGhIjKlMnOp", "ACwAAAbCdEfGhIjKlMnOp"),
        ("linkedin-guru", "linkedin-guru"),
    ],
)
def test_profile_urls_give_the_public_id(raw, expected):
    assert linkedin_id(raw) == expected


@pytest.mark.parametrize(
    ("raw", "reason_part"),
    [
        ("https://www.linkedin.com/company/acme/", "company page"),
        ("https://www.linkedin.com/school/tu-munchen/", "school page"),
        ("https://www.linkedin.com/sales/lead/ACwAAB123,NAME_SEARCH,xyz", "Sales Navigator"),
        ("https://www.linkedin.com/posts/anna_growth-activity-123", "post"),
        ("https://www.linkedin.com/jobs/view/123", "job"),
        ("https://linkedin.com", "without a profile"),
        ("https://example.com/in/john", "not a LinkedIn profile"),
        ("John Smith", "not a LinkedIn profile"),
        ("in/x", "not a LinkedIn profile"),
    ],
)
def test_non_profile_links_give_none_and_a_reason(raw, reason_part):
    found, reason = parse_linkedin(raw)
    assert found is None
    assert reason_part in reason


def test_empty_is_not_a_problem():
    assert parse_linkedin("") == (None, None)
    assert parse_linkedin(None) == (None, None)


def test_url_from_id():
    assert linkedin_url("john-smith") == "https://www.linkedin.com/in/john-smith"


HANDLE = st.from_regex(r"[A-Za-z0-9\-_üé%]{1,30}", fullmatch=True)
URL = st.builds(
    lambda scheme, host, kind, handle, tail: f"{scheme}{host}/{kind}/{handle}{tail}",
    st.sampled_from(["", "http://", "https://", "//"]),
    st.sampled_from(["linkedin.com", "www.linkedin.com", "de.linkedin.com", "m.linkedin.com", "example.com"]),
    st.sampled_from(["in", "pub", "company", "mwlite/in", "sales/lead"]),
    HANDLE,
    st.sampled_from(["", "/", "?trk=x", "#a", "/details/", "/1b/42a/3c7"]),
)


@settings(max_examples=200, deadline=None)
@given(st.one_of(URL, HANDLE, st.text(max_size=40)))
def test_canonicalising_twice_changes_nothing(raw):
    found = linkedin_id(raw)
    if found is not None:
        assert linkedin_id(found) == found
        assert linkedin_id(linkedin_url(found)) == found
