"""Free-text locations to city / region / country (ISO 3166 alpha-2) / IANA timezone.

Handles what exports contain: "Berlin, Germany", "Greater Munich Area", "San Francisco Bay Area",
"Paris, Île-de-France, France", "Deutschland", "Austin, TX", "München, Bayern". Countries are matched on
pycountry's names and codes plus data/country_names.txt (names in several languages); cities on
data/cities.txt (big business cities, with their timezone); regions on pycountry's first-level
subdivisions plus data/regions.txt (English names such as "Bavaria").

Rules: metro areas are attributed to their main city ("Greater Munich Area" -> Munich). A known city
gives its region, country and timezone unless the text names another country. An unknown last part is
kept as the region, an unknown first part as the city, as written. The timezone comes from the city, else
from the country when it has a single zone (tzdata's zone.tab), else from the region or the country's
main zone (data/region_timezones.txt), else stays empty.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources

import pycountry

from outboard.sources.normalize.text import data_lines, fold, squash


@dataclass(frozen=True, slots=True)
class Place:
    city: str = ""
    region: str = ""
    country: str = ""  # ISO 3166-1 alpha-2
    timezone: str = ""


@dataclass(frozen=True, slots=True)
class _City:
    name: str
    region: str
    country: str
    timezone: str


@dataclass(frozen=True, slots=True)
class _Tables:
    countries: dict[str, str]  # folded name -> alpha-2
    cities: dict[str, _City]  # folded name or alias -> city
    regions: dict[str, dict[str, str]]  # folded name -> {alpha-2: display name}
    zones: dict[str, tuple[str, ...]]  # alpha-2 -> IANA zones
    region_zones: dict[tuple[str, str], str]  # (alpha-2, folded region or "*") -> main IANA zone
    us_states: dict[str, str]  # "TX" -> "Texas"


_METRO = re.compile(
    r"^(?:greater\s+)?(.+?)(?:\s+(?:bay area|metropolitan area|metropolitan region|metro area|metroplex|"
    r"metro|area|region))?$",
    re.IGNORECASE,
)
# First-level subdivisions that people name in a location; municipalities and districts are left out, as
# their names ("Bar", Montenegro) collide with words that are not places at all.
_REGION_TYPES = frozenset({
    "State", "Province", "Land", "Region", "Canton", "Autonomous community", "Autonomous region",
    "Metropolitan region", "Country", "Voivodship", "Prefecture", "Union territory", "Territory",
    "Federal district", "Capital territory", "Emirate", "Oblast", "District",
})
_NOWHERE = frozenset(fold(w) for w in (
    "remote", "worldwide", "global", "anywhere", "emea", "dach", "europe", "apac", "latam", "n/a", "na", "-",
    "home office", "earth", "international",
))


def _add_region(regions: dict[str, dict[str, str]], country: str, name: str, display: str) -> None:
    regions.setdefault(fold(name), {}).setdefault(country, display)


@cache
def _tables() -> _Tables:
    countries: dict[str, str] = {}
    for c in pycountry.countries:
        for name in (c.name, getattr(c, "official_name", None), getattr(c, "common_name", None)):
            if name:
                countries[fold(name)] = c.alpha_2
    for line in data_lines("country_names.txt"):
        code, names = line.split("|", 1)
        for name in names.split(","):
            countries[fold(name.strip())] = code
    regions: dict[str, dict[str, str]] = {}
    for line in data_lines("regions.txt"):  # first, so that their display names win
        code, name, others = line.split("|")
        for alias in (name, *others.split(",")):
            if alias.strip():
                _add_region(regions, code, alias.strip(), name)
    us_states: dict[str, str] = {}
    for sub in pycountry.subdivisions:
        if sub.parent_code is not None or sub.type not in _REGION_TYPES:
            continue
        country = sub.country_code
        name = re.sub(r"\s*\[.*?\]", "", sub.name)  # "Wales [Cymru GB-CYM]"
        display = name.split(",")[0].strip()  # "Madrid, Comunidad de"
        _add_region(regions, country, name, display)
        _add_region(regions, country, display, display)
        if country == "US":
            us_states[sub.code[3:]] = display
    cities: dict[str, _City] = {}
    for line in data_lines("cities.txt"):
        name, others, region, country, zone = line.split("|")
        city = _City(name, region, country, zone)
        for alias in (name, *others.split(",")):
            if alias.strip():
                cities.setdefault(fold(alias.strip()), city)
    zones: dict[str, list[str]] = {}
    tab = resources.files("tzdata").joinpath("zoneinfo", "zone.tab").read_text(encoding="utf-8")
    for line in tab.splitlines():
        if line and not line.startswith("#"):
            code, _, zone = line.split("\t")[:3]
            zones.setdefault(code, []).append(zone)
    region_zones = {}
    for line in data_lines("region_timezones.txt"):
        code, region, zone = line.split("|")
        region_zones[(code, fold(region))] = zone
    return _Tables(countries, cities, regions, {k: tuple(v) for k, v in zones.items()}, region_zones, us_states)


def country_code(text: str, *, codes_any_case: bool = True) -> str:
    """ISO alpha-2 for a country name in many languages or an ISO code; "" when unknown."""
    text = squash(text).strip(".")
    if not text:
        return ""
    tables = _tables()
    if len(text) == 2 and (codes_any_case or text.isupper()):
        if fold(text) in tables.countries:  # "UK"
            return tables.countries[fold(text)]
        return text.upper() if pycountry.countries.get(alpha_2=text.upper()) else ""
    if len(text) == 3 and text.isupper() and text not in tables.countries:
        found = pycountry.countries.get(alpha_3=text)
        if found:
            return found.alpha_2
    return tables.countries.get(fold(text), "")


def _city(text: str) -> _City | None:
    cities = _tables().cities
    found = cities.get(fold(text))
    if found is None:
        stripped = _METRO.match(text)
        if stripped and stripped.group(1) != text:
            found = cities.get(fold(stripped.group(1)))
    return found


def _region(text: str, country: str) -> tuple[str, str]:
    """(region display name, its country) when the text names a region unambiguously."""
    tables = _tables()
    if country == "US" or not country:
        state = tables.us_states.get(text) if len(text) == 2 and text.isupper() else None
        if state:
            return state, "US"
    candidates = tables.regions.get(fold(text), {})
    if country:
        return (candidates[country], country) if country in candidates else ("", "")
    if len(candidates) == 1:
        ((code, name),) = candidates.items()
        return name, code
    return "", ""


def timezone_for(city: str, country: str, region: str = "") -> str:
    """IANA zone of a known city in that country, else of its region or country; "" if unknown."""
    found = _city(city) if city else None
    if found and (not country or found.country == country):
        return found.timezone
    tables = _tables()
    zones = tables.zones.get(country, ())
    if len(zones) == 1:
        return zones[0]
    return tables.region_zones.get((country, fold(region)), "") or tables.region_zones.get((country, "*"), "")


def canonical_city(text: str, country: str = "") -> str:
    """The table's name for a known city in that country ("München" -> "Munich"), else as written."""
    text = squash(text)
    found = _city(text) if text else None
    if found and (not country or found.country == country):
        return found.name
    return text


def canonical_region(text: str, country: str = "") -> str:
    text = squash(text)
    return _region(text, country)[0] or text if text else ""


def _last_is_country(parts: list[str]) -> str:
    last = parts[-1]
    code = country_code(last, codes_any_case=False)
    if not code or len(parts) < 2:
        return code
    first = _city(parts[0])
    if first and first.country != code and _region(last, first.country)[0]:
        return ""  # "Atlanta, Georgia": the state, not the country
    if len(last) == 2 and last in _tables().us_states and not (first and first.country == code):
        return ""  # "Wilmington, DE": US state codes win over country codes after an unknown city
    return code


@lru_cache(maxsize=1 << 15)
def parse_location(raw: str) -> Place:
    """Split a free-text location into a Place; unknown parts are kept as written."""
    parts = [p for p in (squash(x) for x in squash(raw).split(",")) if p]
    if not parts or (len(parts) == 1 and fold(parts[0]) in _NOWHERE):
        return Place()
    country = _last_is_country(parts)
    if country:
        parts.pop()
    city = region = ""
    if len(parts) == 1:
        single = parts[0]
        found = _city(single)
        region, region_country = ("", "") if found else _region(single, country)
        if found and (not country or found.country == country):
            city, region, country = found.name, found.region, found.country
        elif region:
            country = country or region_country
        else:
            match = _METRO.match(single)
            city = match.group(1) if match else single
    elif parts:
        region, region_country = _region(parts[-1], country)
        country = country or region_country
        city = canonical_city(parts[0], country)
        found = _city(parts[0])
        if found and (not country or found.country == country):
            country = found.country
            region = region or found.region
        region = region or parts[-1]
    return Place(city, region, country, timezone_for(city, country, region) if country else "")


@lru_cache(maxsize=1 << 15)
def resolve_place(location: str, city: str = "", region: str = "", country: str = "") -> tuple[Place, bool]:
    """Combine separate city / region / country columns with a free-text location.

    Columns win over the location text; the country comes from the column, else the text, else a known
    city. Returns the place and whether a non-empty country column was not understood.
    """
    if "," in city and not location:  # "Detroit, MI" in a city column is a location
        location, city = city, ""
    place = parse_location(location) if location else Place()
    city, region, country_text = squash(city), squash(region), squash(country)
    code = country_code(country_text) if country_text else ""
    known = _city(city) if city else None
    code = code or place.country or (known.country if known else "")
    city = canonical_city(city or place.city, code)
    if region:
        region = canonical_region(region, code)
    elif place.country in ("", code) and canonical_city(place.city, code) in ("", city):
        region = place.region  # the text's region, when the text is about this city
    if not region and city:
        known = _city(city)
        region = known.region if known and known.country == code else ""
    timezone = timezone_for(city, code, region) if code else ""
    return Place(city, region, code, timezone), bool(country_text) and not country_code(country_text)
