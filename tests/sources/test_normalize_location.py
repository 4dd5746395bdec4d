"""Free-text locations to city / region / country / timezone."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from outboard.sources.normalize.location import Place, country_code, parse_location, resolve_place


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Berlin, Germany", Place("Berlin", "Berlin", "DE", "Europe/Berlin")),
        ("Greater Munich Area", Place("Munich", "Bavaria", "DE", "Europe/Berlin")),
        ("San Francisco Bay Area", Place("San Francisco", "California", "US", "America/Los_Angeles")),
        ("Paris, Île-de-France, France", Place("Paris", "Île-de-France", "FR", "Europe/Paris")),
        ("Deutschland", Place("", "", "DE", "Europe/Berlin")),
        ("München, Bayern", Place("Munich", "Bavaria", "DE", "Europe/Berlin")),
        ("Zürich, Schweiz", Place("Zurich", "Zurich", "CH", "Europe/Zurich")),
        ("Austin, TX", Place("Austin", "Texas", "US", "America/Chicago")),
        ("Wilmington, DE", Place("Wilmington", "Delaware", "US", "America/New_York")),  # state, not Germany
        ("Berlin, DE", Place("Berlin", "Berlin", "DE", "Europe/Berlin")),  # a German city: the country
        ("Atlanta, Georgia", Place("Atlanta", "Georgia", "US", "America/New_York")),
        ("Georgia", Place("", "", "GE", "Asia/Tbilisi")),
        ("Bavaria", Place("", "Bavaria", "DE", "Europe/Berlin")),
        ("London Area, United Kingdom", Place("London", "England", "GB", "Europe/London")),
        ("New York City Metropolitan Area", Place("New York", "New York", "US", "America/New_York")),
        ("Greater Paris Metropolitan Region", Place("Paris", "Île-de-France", "FR", "Europe/Paris")),
        ("Île-de-France, France", Place("", "Île-de-France", "FR", "Europe/Paris")),
        ("Cambridge, Massachusetts, United States", Place("Cambridge", "Massachusetts", "US", "America/New_York")),
        ("北京, 中国", Place("Beijing", "Beijing", "CN", "Asia/Shanghai")),
        ("Москва, Россия", Place("Moscow", "Moscow", "RU", "Europe/Moscow")),
        ("Dubai, United Arab Emirates", Place("Dubai", "Dubai", "AE", "Asia/Dubai")),
        ("Springfield", Place("Springfield", "", "", "")),  # unknown: kept as written
        ("Remote", Place()),
        ("", Place()),
    ],
)
def test_parse_location(raw, expected):
    assert parse_location(raw) == expected


@pytest.mark.parametrize(
    ("raw", "code"),
    [("Germany", "DE"), ("Deutschland", "DE"), ("Allemagne", "DE"), ("de", "DE"), ("DEU", "DE"),
     ("USA", "US"), ("United States of America", "US"), ("UK", "GB"), ("Türkiye", "TR"), ("Schweiz", "CH"),
     ("España", "ES"), ("中国", "CN"), ("Atlantis", "")],
)
def test_country_code_knows_several_languages(raw, code):
    assert country_code(raw) == code


def test_columns_win_over_the_location_text():
    place, bad = resolve_place("Berlin, Germany", city="Hamburg", country="DE")
    assert place == Place("Hamburg", "Hamburg", "DE", "Europe/Berlin")
    assert not bad


def test_unknown_country_column_is_reported():
    place, bad = resolve_place("", city="Paris", country="Atlantis")
    assert bad
    assert place.country == "FR"  # from the known city


def test_a_location_in_the_city_column():
    place, _ = resolve_place("", city="Detroit, MI")
    assert place == Place("Detroit", "Michigan", "US", "America/Detroit")


LOCATIONS = st.lists(
    st.sampled_from(["Berlin", "Munich", "München", "Greater Munich Area", "Bayern", "Bavaria", "Germany", "DE",
                     "TX", "Austin", "Paris", "France", "Île-de-France", "Georgia", "Atlanta", "Remote", "Foo",
                     "San Francisco Bay Area", "Cambridge", "Massachusetts", "United States", "Schweiz"]),
    max_size=3,
).map(", ".join)


@settings(max_examples=200, deadline=None)
@given(LOCATIONS, LOCATIONS, st.sampled_from(["", "DE", "US", "Germany", "Atlantis"]))
def test_resolving_a_resolved_place_changes_nothing(location, city, country):
    place, _ = resolve_place(location, city=city, country=country)
    again, _ = resolve_place(location, city=place.city, region=place.region, country=place.country)
    assert again == place
