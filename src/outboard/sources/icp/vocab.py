"""The closed vocabularies of discovery search: seniorities, functions, industries, funding stages, regions.

The sample generator writes these ids, the ICP parser produces them and ranking compares them, so a
filter edited by hand is checked against the same lists.
"""

from __future__ import annotations

SENIORITIES: dict[str, str] = {
    "c_level": "C-level",
    "vp": "VP",
    "head": "Head of",
    "director": "Director",
    "manager": "Manager",
    "senior_ic": "Senior individual contributor",
    "ic": "Individual contributor",
    "intern": "Intern",
}

FUNCTIONS: dict[str, str] = {
    "sales": "Sales",
    "marketing": "Marketing",
    "engineering": "Engineering",
    "product": "Product & design",
    "finance": "Finance",
    "hr": "HR / People",
    "operations": "Operations",
    "customer_success": "Customer success",
    "data": "Data & analytics",
    "legal": "Legal & compliance",
    "general_management": "General management",
}

INDUSTRIES: dict[str, str] = {
    "saas": "SaaS / software",
    "fintech": "Fintech",
    "healthtech": "Healthtech",
    "ecommerce": "E-commerce",
    "logistics": "Logistics",
    "manufacturing": "Manufacturing",
    "marketing_agency": "Marketing agencies",
    "consulting": "Consulting",
    "edtech": "Edtech",
    "cybersecurity": "Cybersecurity",
    "insurtech": "Insurtech",
    "proptech": "Proptech / real estate",
    "hr_tech": "HR tech",
    "climate_tech": "Climate tech / energy",
    "ai": "AI",
    "gaming": "Gaming",
    "media": "Media & publishing",
    "travel": "Travel & hospitality",
    "biotech": "Biotech & pharma",
    "automotive": "Automotive & mobility",
    "telecom": "Telecommunications",
    "retail": "Retail",
    "legal_tech": "Legal tech",
}

# The latest round a company has raised; "bootstrapped" means no venture round, "public" listed.
FUNDING_STAGES: dict[str, str] = {
    "bootstrapped": "Bootstrapped",
    "pre_seed": "Pre-seed",
    "seed": "Seed",
    "series_a": "Series A",
    "series_b": "Series B",
    "series_c": "Series C",
    "series_d_plus": "Series D+",
    "public": "Public",
}
VENTURE_STAGES = ("pre_seed", "seed", "series_a", "series_b", "series_c", "series_d_plus")

_EU = ("AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV",
       "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE")
_EUROPE = (*_EU, "GB", "CH", "NO", "IS", "LI", "UA", "RS", "BA", "ME", "MK", "AL", "MD")
_MENA = ("AE", "SA", "QA", "KW", "BH", "OM", "EG", "JO", "LB", "MA", "TN", "DZ", "IL", "IQ")
_AFRICA = ("NG", "KE", "ZA", "GH", "EG", "MA", "TN", "ET", "RW", "UG", "TZ", "SN", "CI", "DZ")

# Named groups of countries (ISO 3166-1 alpha-2). Keys are the canonical spelling shown back to users.
REGION_GROUPS: dict[str, tuple[str, ...]] = {
    "DACH": ("DE", "AT", "CH"),
    "Nordics": ("SE", "NO", "DK", "FI", "IS"),
    "Scandinavia": ("SE", "NO", "DK"),
    "Benelux": ("BE", "NL", "LU"),
    "Iberia": ("ES", "PT"),
    "UK & Ireland": ("GB", "IE"),
    "EU": _EU,
    "Europe": _EUROPE,
    "CEE": ("PL", "CZ", "SK", "HU", "RO", "BG", "HR", "SI", "EE", "LV", "LT"),
    "North America": ("US", "CA"),
    "LATAM": ("MX", "BR", "AR", "CL", "CO", "PE", "UY", "EC", "CR", "PA", "BO", "PY", "VE", "DO", "GT"),
    "APAC": ("IN", "CN", "JP", "SG", "AU", "NZ", "KR", "HK", "ID", "MY", "PH", "TH", "VN", "TW"),
    "Southeast Asia": ("SG", "ID", "MY", "PH", "TH", "VN"),
    "ANZ": ("AU", "NZ"),
    "MENA": _MENA,
    "GCC": ("AE", "SA", "QA", "KW", "BH", "OM"),
    "Africa": _AFRICA,
    "EMEA": tuple(dict.fromkeys((*_EUROPE, *_MENA, *_AFRICA))),
}

# LinkedIn-style headcount bands, used for display and for the size words of the parser.
SIZE_BANDS: tuple[tuple[int, int | None], ...] = (
    (1, 10), (11, 50), (51, 200), (201, 500), (501, 1000), (1001, 5000), (5001, 10000), (10001, None),
)


def size_band(size: int) -> str:
    for low, high in SIZE_BANDS:
        if high is None or size <= high:
            return f"{low}-{high}" if high is not None else f"{low}+"
    return "10001+"  # pragma: no cover - the last band is open


def region_countries(name: str) -> tuple[str, ...]:
    """Countries of a named region group; empty when `name` is not a group (a sub-national region)."""
    return REGION_GROUPS.get(name, ())
