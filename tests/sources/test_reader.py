"""The streaming reader: encodings, delimiters, headers, row errors and files that cannot be imported."""

import codecs
import random
import tracemalloc
from pathlib import Path

import pytest

from outboard.core.errors import ValidationError
from outboard.sources.reader import MAX_FIELD, clean_header, open_table, read_rows

DATA = Path(__file__).parent / "data"


def rows_of(path, **options):
    return list(read_rows(path, **options))


def test_apollo_export_with_bom_and_empty_trailing_columns():
    with open_table(DATA / "apollo.csv") as table:
        assert (table.encoding, table.delimiter) == ("utf-8-sig", ",")
        assert table.header[0] == "First Name"  # no BOM left in the first name
        assert table.header[-1] == "Apollo Contact Id"  # the two unnamed trailing columns are dropped
        rows = list(table)
    assert [r.number for r in rows] == [2, 3, 4, 5]  # the row of empty cells at the end is skipped
    assert all(r.error is None for r in rows)
    assert rows[1].values["Last Name"] == "Müller"
    assert rows[2].values["Mobile Phone"] == "4.91701E+12"


def test_hubspot_export_resaved_by_excel_in_windows_1252_with_semicolons():
    with open_table(DATA / "hubspot.csv") as table:
        assert (table.encoding, table.delimiter) == ("cp1252", ";")
        rows = list(table)
    assert [r.values["First Name"] for r in rows] == ["Björn", "Zoë", "Hans-Peter", "Ana"]
    assert rows[2].values["Last Name"] == "Groß"


def test_linkedin_connections_notes_before_the_header_are_skipped():
    with open_table(DATA / "linkedin_connections.csv") as table:
        assert table.header == ["First Name", "Last Name", "URL", "Email Address", "Company", "Position",
                                "Connected On"]
        assert table.preamble[0] == "Notes:"
        rows = list(table)
    assert rows[0].number == 5  # line numbers as an editor shows them, notes included
    assert rows[0].values["First Name"] == "Ольга"


def test_quoted_newlines_keep_row_numbers_on_the_line_where_the_record_starts():
    rows = rows_of(DATA / "sales_navigator.csv")
    assert rows[0].values["Headline"] == "Head of Sales DACH\nBuilding teams that sell 🚀"
    assert [r.number for r in rows] == [2, 4, 5, 6, 7, 8]
    assert rows[2].values["First Name"] == "王"


def test_excel_sep_line_duplicated_headers_and_a_row_with_too_many_columns():
    with open_table(DATA / "generic_de.csv") as table:
        assert table.delimiter == ";"
        assert table.header == ["Name", "E-Mail", "E-Mail_2", "Firma", "Telefon", "Ort", "Notizen"]
        rows = list(table)
    good = [r for r in rows if r.error is None]
    assert [r.values["Name"] for r in good] == ["Dr. Katrin Vogel", "Weber, Thomas", "John Miller Jr."]
    (bad,) = [r for r in rows if r.error]
    assert bad.number == 6
    assert str(bad.error) == "row 6, columns: 10 columns but the header has 7"


def test_tab_separated_and_jsonl():
    with open_table(DATA / "crm_custom.tsv") as table:
        assert table.delimiter == "\t"
    with open_table(DATA / "enrichment.jsonl") as table:
        assert table.format == "jsonl"
        assert table.header[:3] == ["name", "email", "company"]
        rows = list(table)
    assert rows[0].values["employees"] == "240"
    assert rows[0].values["tags"] == '["fintech", "series-b"]'
    assert rows[0].values["phone"] == ""


def test_clean_header():
    assert clean_header(["\ufeffEmail", " Email ", "", "email", "Name", "", ""]) == \
        ["Email", "Email_2", "column_3", "email_3", "Name"]


# -- generated files -----------------------------------------------------------------------------------

def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def file_error(path, **options) -> str:
    with pytest.raises(ValidationError) as caught:
        open_table(path, **options)
    assert caught.value.field == "file"
    return caught.value.reason


@pytest.mark.parametrize("data", [b"", b"   \r\n\n", codecs.BOM_UTF8, codecs.BOM_UTF16_LE])
def test_empty_files(tmp_path, data):
    assert file_error(write(tmp_path, "empty.csv", data)) == "the file is empty"


def test_empty_jsonl(tmp_path):
    assert file_error(write(tmp_path, "empty.jsonl", b"\n\n\n")) == "the file is empty"


@pytest.mark.parametrize("data", [b"Name,Email\r\n", b"Name,Email", b"Name;Email\n;\n\n;;\n"])
def test_header_only(tmp_path, data):
    assert file_error(write(tmp_path, "header.csv", data)) == "the file has a header row but no data rows"


def test_binary_garbage(tmp_path):
    noise = random.Random(3).randbytes(20_000)
    assert "not a text file" in file_error(write(tmp_path, "garbage.csv", noise))
    assert "not a text file" in file_error(write(tmp_path, "nul.csv", b"Name,Email\n\x00\x01\x02\x03abc\n"))


def test_spreadsheets_and_archives_are_named(tmp_path):
    assert "Excel workbook" in file_error(write(tmp_path, "leads.csv", b"PK\x03\x04" + b"\x00" * 100))
    assert "gzip" in file_error(write(tmp_path, "leads.csv.gz", b"\x1f\x8b\x08" + b"\x00" * 100))


def test_a_10_mb_field_is_a_row_error_and_the_next_rows_still_read(tmp_path):
    big = "x" * (10 * 1024 * 1024)
    path = write(tmp_path, "big.csv", f'Name,Notes\nAnna,short\nBob,"{big}"\nCarl,fine\n'.encode())
    rows = rows_of(path)
    assert [r.values.get("Name") for r in rows if r.error is None] == ["Anna", "Carl"]
    (bad,) = [r for r in rows if r.error]
    assert bad.number == 3
    assert "longer than" in bad.error.reason


def test_a_field_over_the_cell_limit_on_a_normal_line(tmp_path):
    cell = "y" * (MAX_FIELD + 10)
    path = write(tmp_path, "cell.csv", f"Name,Notes\nBob,{cell}\nCarl,fine\n".encode())
    rows = rows_of(path)
    assert rows[0].error is not None and f"{MAX_FIELD:,} characters" in rows[0].error.reason
    assert rows[1].values == {"Name": "Carl", "Notes": "fine"}


def test_wrong_encoding_given_by_the_user_is_a_clear_error(tmp_path):
    path = DATA / "hubspot.csv"  # Windows-1252
    assert "not valid utf-8" in file_error(path, encoding="utf-8")
    assert "unknown encoding" in file_error(path, encoding="klingon")


def test_a_stray_windows_1252_byte_after_the_sample_is_read_as_windows_1252(tmp_path):
    lines = [b"Name,City"] + [b"Anna,Berlin"] * 8000 + [b"Zo\xeb,K\xf6ln"]
    rows = rows_of(write(tmp_path, "mixed.csv", b"\n".join(lines) + b"\n"))
    assert rows[-1].values == {"Name": "Zoë", "City": "Köln"}


def test_a_given_encoding_that_breaks_after_the_sample_stops_with_a_line_number(tmp_path):
    lines = [b"Name,City"] + [b"Anna,Berlin"] * 8000 + [b"Zo\xeb,K\xf6ln"]
    path = write(tmp_path, "mixed.csv", b"\n".join(lines) + b"\n")
    with pytest.raises(ValidationError, match="not valid utf-8 near line"):
        rows_of(path, encoding="utf-8")


def test_excel_sep_line_with_a_tab(tmp_path):
    path = write(tmp_path, "tab.csv", b"sep=\t\nName\tEmail\nAnna\ta@x.de\n")
    with open_table(path) as table:
        assert (table.delimiter, table.header) == ("\t", ["Name", "Email"])
        assert [r.number for r in table] == [3]


def test_utf16_with_and_without_bom(tmp_path):
    text = "Name\tEmail\r\nZoë Ångström\tzoe@example.se\r\n王小明\twang@example.cn\r\n"
    with_bom = write(tmp_path, "unicode.txt", codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    without = write(tmp_path, "nobom.csv", text.encode("utf-16-le"))
    for path in (with_bom, without):
        with open_table(path) as table:
            assert table.delimiter == "\t"
            assert [r.values["Name"] for r in table] == ["Zoë Ångström", "王小明"]


def test_pipe_delimiter_and_a_blank_header_cell(tmp_path):
    path = write(tmp_path, "pipe.csv", b"Name|Email||Company\nAnna|a@x.de|7|Acme\n")
    with open_table(path) as table:
        assert table.delimiter == "|"
        assert table.header == ["Name", "Email", "column_3", "Company"]


def test_short_rows_are_padded(tmp_path):
    rows = rows_of(write(tmp_path, "short.csv", b"Name,Email,Phone\nAnna,a@x.de\n"))
    assert rows[0].values == {"Name": "Anna", "Email": "a@x.de", "Phone": ""}


def test_jsonl_row_errors(tmp_path):
    path = write(tmp_path, "rows.jsonl", b'{"name": "Anna"}\n[1, 2]\n{broken\n\n{"name": "Bob"}\n')
    rows = rows_of(path)
    assert [(r.number, r.error is None) for r in rows] == [(1, True), (2, False), (3, False), (5, True)]
    assert "JSON object" in rows[1].error.reason
    assert "not valid JSON" in rows[2].error.reason


def test_reading_streams_with_flat_memory(tmp_path):
    row = "Anna,Schmidt,anna.schmidt@example.com,Acme GmbH,https://www.linkedin.com/in/anna-schmidt\n"
    path = write(tmp_path, "many.csv", ("First,Last,Email,Company,LinkedIn\n" + row * 12_000).encode())
    tracemalloc.start()
    try:
        count = sum(1 for _ in read_rows(path))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 12_000
    assert peak < 600_000, f"peak {peak:,} bytes for a {path.stat().st_size:,}-byte file"
