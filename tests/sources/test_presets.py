"""Column presets, detection, mapping files, and each preset's file read end to end."""

import json
import pickle
from functools import partial
from multiprocessing import get_context
from pathlib import Path

import pytest

from outboard.core.errors import ValidationError
from outboard.sources.normalize import normalize_record
from outboard.sources.presets import (
    build_mapping,
    column_key,
    detect_preset,
    load_mapping_file,
    map_and_normalize,
    presets,
)
from outboard.sources.reader import open_table

DATA = Path(__file__).parent / "data"


def import_file(name, **options):
    """Read, map and normalise a fixture file: (mapping, {row number: lead}, [row errors])."""
    with open_table(DATA / name) as table:
        mapping = build_mapping(table.header, **options)
        leads, errors = {}, []
        for row in table:
            if row.error:
                errors.append(row.error)
            else:
                leads[row.number] = normalize_record(mapping.apply(row.values))
    return mapping, leads, errors


@pytest.mark.parametrize(
    ("name", "preset"),
    [("sales_navigator.csv", "sales_navigator"), ("apollo.csv", "apollo"), ("hubspot.csv", "hubspot"),
     ("linkedin_connections.csv", "linkedin_connections"), ("generic_de.csv", "generic"),
     ("enrichment.jsonl", "generic")],
)
def test_detection_from_the_header(name, preset):
    with open_table(DATA / name) as table:
        ranking = detect_preset(table.header)
    assert ranking[0][0] == preset
    assert ranking[0][1] > ranking[1][1]


def test_every_preset_is_loaded_from_the_data_file():
    assert set(presets()) == {"generic", "sales_navigator", "apollo", "hubspot", "linkedin_connections"}


def test_column_names_match_ignoring_case_spaces_and_punctuation():
    assert column_key("E-Mail") == column_key("email") == column_key(" E Mail ")
    assert column_key("# Employees") == "#employees"


def test_sales_navigator_export():
    mapping, leads, errors = import_file("sales_navigator.csv")
    assert mapping.preset == "sales_navigator" and not errors
    anna = leads[2]
    assert (anna.full_name, anna.linkedin_id, anna.company_domain) == \
        ("Anna Schmidt", "anna-schmidt-4a1b2c", "nordwind-logistik.de")
    assert (anna.city, anna.country, anna.timezone) == ("Munich", "DE", "Europe/Berlin")
    assert anna.headline == "Head of Sales DACH Building teams that sell 🚀"
    assert anna.custom["Sales Navigator URL"].startswith("https://www.linkedin.com/sales/lead/")
    juan = leads[4]
    assert (juan.first_name, juan.last_name, juan.email) == ("Juan", "de la Vega", "juan.vega@vega-soluciones.es")
    assert (leads[5].full_name, leads[5].country) == ("王 小明", "CN")
    assert leads[6].first_name == "محمد"
    assert leads[7].linkedin_id == "lena-van-der-berg-3c742a1b"  # old /pub/ URL
    pierre = leads[8]
    assert pierre.linkedin_id == "" and [p.field for p in pierre.problems] == ["linkedin_url"]


def test_apollo_export():
    mapping, leads, errors = import_file("apollo.csv")
    assert mapping.preset == "apollo" and not errors
    assert set(leads) == {2, 3, 4, 5}
    sarah = leads[2]
    assert (sarah.last_name, sarah.email) == ("O'Connor", "sarah.oconnor@brightlineanalytics.com")
    assert sarah.phone == "+14155552671"  # Work Direct Phone, read with the country column
    assert sarah.custom["Corporate Phone"] == "+1 415-555-0100"  # a second number is kept, not dropped
    assert sarah.custom["Apollo Contact Id"] == "64f1a2b3c4d5e6f708192a3b"
    jurgen = leads[3]
    assert jurgen.phone == "+4917012345678"  # 4.917012345678E+12: every digit survived
    assert (jurgen.company_clean, jurgen.linkedin_id) == ("Müller & Söhne", "jürgen-müller-7b3a1")
    assert (jurgen.city, jurgen.region, jurgen.country) == ("Munich", "Bavaria", "DE")
    priya = leads[4]
    assert (priya.email, priya.email_free, priya.company_domain) == ("priya@gmail.com", True, "finlytics.in")
    assert priya.phone == "4.91701E+12" and not priya.phone_valid  # rounded by Excel: kept, reported
    assert leads[5].phone == "+447700900123"


def test_hubspot_export():
    mapping, leads, errors = import_file("hubspot.csv")
    assert mapping.preset == "hubspot" and not errors
    assert leads[2].full_name == "Björn Åkesson" and leads[2].country == "SE"
    zoe = leads[3]
    assert (zoe.email, zoe.email_free, zoe.phone) == ("zoe.lefevre@orange.fr", True, "+33612345678")
    hans = leads[4]
    assert (hans.city, hans.region, hans.country, hans.phone) == \
        ("Cologne", "North Rhine-Westphalia", "DE", "+491701234567")
    ana = leads[5]
    assert ana.email == "" and ana.problems[0].field == "email"
    assert ana.custom["Lifecycle Stage"] == "Lead"


def test_linkedin_connections_export():
    mapping, leads, errors = import_file("linkedin_connections.csv")
    assert mapping.preset == "linkedin_connections" and not errors
    olga = leads[5]
    assert (olga.first_name, olga.last_name, olga.linkedin_id, olga.company_name) == \
        ("Ольга", "Смирнова", "olga-smirnova-5521a", "Северсталь")
    assert olga.title == "Менеджер по закупкам"
    assert olga.custom == {"Connected On": "14 Feb 2024"}


def test_generic_german_spreadsheet():
    mapping, leads, errors = import_file("generic_de.csv")
    assert mapping.preset == "generic"
    assert dict(mapping.fields)["email"] == ("E-Mail",)
    katrin = leads[3]
    assert (katrin.honorific, katrin.first_name, katrin.email) == ("Dr.", "Katrin", "k.vogel@helix-pharma.de")
    assert katrin.custom["E-Mail_2"] == "katrin.vogel@gmail.com"  # the duplicated column is kept
    assert (katrin.phone, katrin.city) == ("+498947110815", "Munich")
    assert (leads[4].first_name, leads[4].last_name) == ("Thomas", "Weber")  # "Weber, Thomas"
    john = leads[5]
    assert (john.full_name, john.email, john.region, john.country) == \
        ("John Miller, Jr.", "john.miller@autocorp.com", "Michigan", "US")
    assert [e.row for e in errors] == [6]


def test_mapping_file_for_an_unknown_crm():
    mapping, leads, errors = import_file("crm_custom.tsv", mapping=DATA / "crm_mapping.toml")
    assert not errors
    assert dict(mapping.fields)["full_name"] == ("Kontakt",)
    assert mapping.custom == ()  # "Segment" is ignored by the mapping file
    sofia = leads[2]
    assert (sofia.full_name, sofia.email, sofia.company_clean, sofia.linkedin_id) == \
        ("Sofia Rossi", "sofia.rossi@vinoteca.it", "Vinoteca", "sofia-rossi-vino")


def test_json_mapping_file_and_its_errors(tmp_path):
    good = tmp_path / "map.json"
    good.write_text(json.dumps({"email": "Mail", "full_name": ["Kontakt"]}))
    assert load_mapping_file(good).columns == {"email": ("Mail",), "full_name": ("Kontakt",)}
    bad_field = tmp_path / "bad.toml"
    bad_field.write_text('[columns]\nmail = "Mail"\n')
    with pytest.raises(ValidationError, match="unknown field 'mail'"):
        load_mapping_file(bad_field)
    missing = tmp_path / "missing.toml"
    missing.write_text('[columns]\nemail = "Courriel"\n')
    with pytest.raises(ValidationError, match="column 'Courriel' is not in the file"):
        build_mapping(["Kontakt", "Mail"], mapping=missing)
    broken = tmp_path / "broken.toml"
    broken.write_text("email = \n")
    with pytest.raises(ValidationError, match="cannot read mapping file"):
        load_mapping_file(broken)


def test_preset_can_be_forced_by_name():
    header = ["First Name", "Last Name", "URL", "Email Address", "Company", "Position", "Connected On"]
    assert build_mapping(header, preset="generic").preset == "generic"
    with pytest.raises(ValidationError, match="unknown preset"):
        build_mapping(header, preset="salesforce")


def test_map_and_normalize_in_a_process_pool():
    with open_table(DATA / "apollo.csv") as table:
        mapping = build_mapping(table.header)
        rows = [row.values for row in table]
    with get_context("spawn").Pool(2) as pool:  # fork would copy the locks of running server threads
        chunks = pool.map(partial(map_and_normalize, mapping), [rows[:2], rows[2:]])
    assert [lead for chunk in chunks for lead in chunk] == map_and_normalize(mapping, rows)


def test_a_second_value_for_a_field_is_kept_as_a_custom_field():
    mapping = build_mapping(["Name", "Phone", "Mobile"])
    row = mapping.apply({"Name": "Anna", "Phone": "+49 170 1", "Mobile": "+49 170 2"})
    assert row == {"full_name": "Anna", "phone": "+49 170 1", "Mobile": "+49 170 2"}
    assert pickle.loads(pickle.dumps(mapping)) == mapping  # workers receive it


def test_custom_columns_never_shadow_our_fields(tmp_path):
    spec = tmp_path / "map.toml"
    spec.write_text('[columns]\ncity = "Ort"\n')
    mapping = build_mapping(["Name", "Ort", "city"], mapping=spec)
    row = mapping.apply({"Name": "Anna", "Ort": "Köln", "city": "Bonn"})
    assert row == {"full_name": "Anna", "city": "Köln", "city (column)": "Bonn"}
