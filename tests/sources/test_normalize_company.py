"""Company names (legal suffixes) and company domains."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from outboard.sources.normalize.company import clean_company_name, domain_from_url


@pytest.mark.parametrize(
    ("raw", "display", "clean"),
    [
        ("Acme GmbH", "Acme GmbH", "Acme"),
        ("  Acme   Inc. ", "Acme Inc.", "Acme"),
        ("Acme, Inc.", "Acme, Inc.", "Acme"),
        ("Müller & Söhne GmbH & Co. KG", "Müller & Söhne GmbH & Co. KG", "Müller & Söhne"),
        ("Müller & Co. KG", "Müller & Co. KG", "Müller"),
        ("Société Générale S.A.", "Société Générale S.A.", "Société Générale"),
        ("Foo Sp. z o.o.", "Foo Sp. z o.o.", "Foo"),
        ("Baz S.A. de C.V.", "Baz S.A. de C.V.", "Baz"),
        ("SAP SE", "SAP SE", "SAP"),
        ("Company", "Company", "Company"),  # never strip a name to nothing
        ("深圳云启科技有限公司", "深圳云启科技有限公司", "深圳云启科技有限公司"),
        ("", "", ""),
    ],
)
def test_clean_company_name(raw, display, clean):
    assert clean_company_name(raw) == (display, clean)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("https://www.shop.Acme.co.uk/about?x=1", "acme.co.uk"),
        ("acme.de", "acme.de"),
        ("www.acme.com", "acme.com"),
        ("https://acme.com:8443/path", "acme.com"),
        ("info@acme.com", "acme.com"),
        ("http://user@acme.io/", "acme.io"),
        ("www.müller.de", "müller.de"),
        ("http://localhost:8000", None),
        ("192.168.0.1", None),
        ("not a url", None),
        ("https://www.linkedin.com/company/acme", None),  # a social page is not the company's domain
        ("", None),
    ],
)
def test_domain_from_url_uses_the_bundled_suffix_list(raw, expected):
    assert domain_from_url(raw) == expected


WORDS = st.lists(st.sampled_from(["Acme", "Data", "GmbH", "&", "Co.", "KG", "Inc.", "Ltd", "S.A.", ",", "AG",
                                  "Holding", "Company", "The", "Müller", "SE", "-", "B.V."]), max_size=6)


@settings(max_examples=200, deadline=None)
@given(st.one_of(WORDS.map(" ".join), st.text(max_size=30)))
def test_cleaning_twice_changes_nothing(raw):
    display, clean = clean_company_name(raw)
    assert clean_company_name(display) == (display, clean)
    assert clean_company_name(clean)[1] == clean


@settings(max_examples=200, deadline=None)
@given(st.from_regex(r"(https?://)?(www\.)?[a-z0-9\-]{1,10}\.(com|de|co\.uk|io)(/[a-z]{0,5})?", fullmatch=True))
def test_domain_of_a_domain_is_itself(raw):
    found = domain_from_url(raw)
    if found is not None:
        assert domain_from_url(found) == found
