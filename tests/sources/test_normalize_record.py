"""normalize_record: one mapped row to one normalised lead, never raising on bad values."""

import pickle
from multiprocessing import get_context

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from outboard.sources.normalize import FIELDS, NormalizedLead, normalize_many, normalize_record


def test_a_full_row():
    lead = normalize_record({
        "full_name": "DR. JUAN DE LA VEGA JR.",
        "email": " Juan.Vega@ACME-Iberia.es ",
        "linkedin_url": "https://es.linkedin.com/in/juan-vega/?trk=x",
        "title": " Head   of Sales ",
        "company_name": "Acme Iberia S.L.",
        "phone": "'+34 (0) 612 345 678",
        "location": "Madrid, Comunidad de Madrid, España",
        "Lists": "Q3 Spain",
        "Empty custom": "  ",
    })
    assert lead == NormalizedLead(
        full_name="Juan de la Vega, Jr.", first_name="Juan", last_name="de la Vega", honorific="Dr.",
        name_suffix="Jr.", email="juan.vega@acme-iberia.es", linkedin_id="juan-vega", title="Head of Sales",
        company_name="Acme Iberia S.L.", company_clean="Acme Iberia", company_domain="acme-iberia.es",
        phone="+34612345678", phone_valid=True, location="Madrid, Comunidad de Madrid, España",
        city="Madrid", region="Madrid", country="ES", timezone="Europe/Madrid", custom={"Lists": "Q3 Spain"},
    )
    assert lead.problems == ()
    assert lead.linkedin_url == "https://www.linkedin.com/in/juan-vega"


def test_company_domain_comes_from_the_website_before_the_email_and_never_from_a_free_mailbox():
    assert normalize_record({"email": "a@mail.acme.co.uk"}).company_domain == "acme.co.uk"
    assert normalize_record({"email": "a@acme.de", "company_website": "www.acme-group.com"}).company_domain \
        == "acme-group.com"
    free = normalize_record({"email": "Anna@GMAIL.com", "company_name": "Acme"})
    assert (free.email_free, free.company_domain) == (True, "")


def test_bad_values_are_reported_per_field_and_the_row_still_normalises():
    lead = normalize_record({"first_name": "Ana", "email": "not-an-email", "linkedin_url": "linkedin.com/company/x",
                             "phone": "4.91701E+12", "country": "Atlantis", "timezone": "Mars/Olympus"})
    assert lead.first_name == "Ana"
    assert {p.field for p in lead.problems} == {"email", "linkedin_url", "phone", "country", "timezone"}
    assert lead.phone == "4.91701E+12" and not lead.phone_valid
    error = next(p for p in lead.problems if p.field == "email").to_error(row=7)
    assert str(error).startswith("row 7, email: not an email address")


def test_a_row_that_identifies_nobody_says_so():
    lead = normalize_record({"company_name": "Acme GmbH", "title": "CEO"})
    assert [p.field for p in lead.problems] == ["identity"]


def test_identity_keys():
    ident = normalize_record({"full_name": "JEAN-LUC Müller", "email": "JL@Acme.de"}).identity()
    assert (ident.email, ident.first_key, ident.last_key, ident.company_domain) == \
        ("jl@acme.de", "jeanluc", "muller", "acme.de")


def test_name_domain_key_for_the_database_index():
    assert normalize_record({"full_name": "Jürgen Mueller", "email": "j@acme.de"}).identity().name_domain_key \
        == "jurgen muller@acme.de"
    assert normalize_record({"full_name": "Jürgen Müller"}).identity().name_domain_key == ""


def test_overlong_values_are_cut_to_fit_the_database_and_reported():
    lead = normalize_record({"full_name": "Anna Schmidt", "title": "CEO " * 200, "phone": "call me " * 10})
    assert len(lead.title) <= 300 and len(lead.phone) <= 40
    assert {p.field for p in lead.problems} >= {"title", "phone"}
    assert normalize_record(lead.as_raw()) == lead


def test_as_raw_round_trip_keeps_custom_fields():
    lead = normalize_record({"full_name": "Anna Schmidt", "Segment": "A", "linkedin_id": "anna-s"})
    raw = lead.as_raw()
    assert raw["Segment"] == "A" and raw["linkedin_url"] == "anna-s"
    assert set(raw) - {"Segment"} <= set(FIELDS)
    assert normalize_record(raw) == lead


def test_normalize_many_runs_in_a_process_pool():
    rows = [{"full_name": f"Anna Schmidt{i}", "email": f"a{i}@acme.de"} for i in range(20)]
    assert pickle.loads(pickle.dumps(normalize_record(rows[0]))) == normalize_record(rows[0])
    with get_context("spawn").Pool(2) as pool:  # fork would copy the locks of running server threads
        chunks = pool.map(normalize_many, [rows[:10], rows[10:]])
    assert [lead for chunk in chunks for lead in chunk] == normalize_many(rows)


NAME = st.sampled_from(["Anna Schmidt", "ANNA SCHMIDT", "dr. hans müller", "Juan de la Vega Jr.", "王小明",
                        "SMITH, JOHN", "Jean-Luc O'Neil", "Dr.", "Jr.", "", "محمد علي", "Anna  van der BERG"])
PART = st.sampled_from(["", "Anna", "DR. HANS", "müller", "Smith Jr.", "van der Berg", "O'NEIL, PhD", "Иван"])
EMAIL = st.sampled_from(["", "Anna@Acme.DE", "x@gmail.com", "bad", "a@b; c@acme.io", "<Bob@Acme.co.uk>"])
LINKEDIN = st.sampled_from(["", "https://de.linkedin.com/in/Anna-S/", "anna-s", "linkedin.com/company/x",
                            "https://www.linkedin.com/pub/anna/1b/42a/3c7"])
COMPANY = st.sampled_from(["", "Acme GmbH", "Müller & Co. KG", "Company", "ACME Inc."])
WEBSITE = st.sampled_from(["", "https://www.acme.co.uk/x", "localhost", "linkedin.com/company/acme"])
PHONE = st.sampled_from(["", "+49 170 1234567", "0170 1234567", "4.917012345678E+12", "4.91701E+12", "'(415) 555-2671",
                         "12", "1701234567"])
LOCATION = st.sampled_from(["", "Berlin, Germany", "Greater Munich Area", "Austin, TX", "Remote", "Foo, Bar"])
COUNTRY = st.sampled_from(["", "DE", "Germany", "US", "Atlantis", "uk"])
CITY = st.sampled_from(["", "Hamburg", "Detroit, MI", "München", "Springfield"])
ZONE = st.sampled_from(["", "Europe/Berlin", "Mars/Olympus"])


@st.composite
def raw_rows(draw):
    row = {
        "full_name": draw(NAME), "first_name": draw(PART), "last_name": draw(PART), "honorific": draw(PART),
        "email": draw(EMAIL), "linkedin_url": draw(LINKEDIN), "company_name": draw(COMPANY),
        "company_website": draw(WEBSITE), "phone": draw(PHONE), "location": draw(LOCATION),
        "country": draw(COUNTRY), "city": draw(CITY), "timezone": draw(ZONE),
        "title": draw(st.one_of(st.text(max_size=12), st.just("Chief " * 70))),
        "Custom Column": draw(st.text(max_size=8)),
    }
    keys = draw(st.sets(st.sampled_from(sorted(row))))
    return {k: row[k] for k in keys}


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw_rows())
def test_normalising_a_normalised_lead_changes_nothing(raw):
    lead = normalize_record(raw)
    assert normalize_record(lead.as_raw()) == lead


ANY_TEXT = st.one_of(st.text(max_size=25), st.sampled_from(
    ["Anna Schmidt", "DE", "Berlin, Germany", "+49 170 1234567", "a@B.de", "linkedin.com/in/x-y", "Acme GmbH",
     "www.acme.de", "Europe/Berlin", "Dr.", "Jr.", "van der"]))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from((*FIELDS, "linkedin_id", "Custom")), ANY_TEXT))
def test_any_text_in_any_field_never_raises_and_normalises_once(raw):
    lead = normalize_record(raw)
    assert normalize_record(lead.as_raw()) == lead
