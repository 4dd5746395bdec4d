"""Leads → Search, Clues and Import in the browser and over the API: a description is read into filters and
previewed over a small sample prospect index, saved with a count (the job fills the source group), clues
likewise; a file upload is streamed to the data folder and imported by a job whose summary lists the rows
it refused. Bad input is refused beside its field."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from outboard.api.services import imports
from outboard.db.models import SourceGroup, SourceGroupMember
from outboard.sources.index.loader import load_files
from outboard.sources.sample import SampleSpec, write_sample
from tests.web.conftest import api_token, bearer, csrf_token
from tests.web.test_forms import _error_beside

DESCRIPTION = "heads of sales in Germany"


@pytest.fixture
def index(rt, workspace_id, tmp_path) -> None:
    """A sample prospect index of 400 people (its dates end at the sample's reference date)."""
    files = write_sample(tmp_path / "index", SampleSpec(people=400, seed=7))
    summary = load_files(rt.db, workspace_id, list(files.values()), bulk_threshold=10**9)
    assert summary.as_dict()["people_new"] == 400


def _members(rt, group_id: int) -> int:
    with rt.db.sessions() as session:
        return session.scalar(select(func.count()).select_from(SourceGroupMember).where(
            SourceGroupMember.source_group_id == group_id)) or 0


def test_a_description_is_previewed_with_fit_signals_then_saved_and_its_job_fills_the_group(admin_client, rt, index):
    page = admin_client.get("/search")
    assert page.status_code == 200 and "Describe the audience" in page.text and "Nothing saved yet." in page.text
    token = csrf_token(admin_client, "/search")
    empty = admin_client.post("/search", data={"description": "  ", "csrf_token": token})
    assert empty.status_code == 422 and "Describe the people you want to reach" in _error_beside(empty.text,
                                                                                                 "description")
    nothing = admin_client.post("/search", data={"description": "!!! ???", "csrf_token": token})
    assert nothing.status_code == 422 and "Found nothing to search for" in _error_beside(nothing.text, "description")
    assert "!!! ???" in nothing.text  # what was typed is kept

    shown = admin_client.post("/search", data={"description": DESCRIPTION, "csrf_token": token})
    assert shown.status_code == 200 and "Read as" in shown.text and "people match" in shown.text
    assert "Why they fit" in shown.text and "Save the search" in shown.text
    filters = re.search(r'name="filters" value="([^"]*)"', shown.text).group(1)
    assert "DE" in filters

    refused = admin_client.post("/search/save", data={"description": DESCRIPTION, "filters": "{}", "name": "",
                                                      "count": "lots", "csrf_token": token})
    assert refused.status_code == 422
    assert "Give the saved search a name." in _error_beside(refused.text, "name")
    assert "Enter a whole number" in _error_beside(refused.text, "count")
    import html
    saved = admin_client.post("/search/save", data={"description": DESCRIPTION, "filters": html.unescape(filters),
                                                    "name": "DE sales heads", "count": "5", "csrf_token": token},
                              follow_redirects=False)
    assert saved.status_code == 303, saved.text
    status = admin_client.get(saved.headers["location"])
    assert "Saved search: DE sales heads" in status.text and "job succeeded" in status.text
    group_id = int(saved.headers["location"].rsplit("/", 1)[1])
    assert 1 <= _members(rt, group_id) <= 5
    assert "DE sales heads" in admin_client.get("/search").text
    taken = admin_client.post("/search/save", data={"description": DESCRIPTION, "filters": "", "name":
                                                    "DE sales heads", "count": "5", "csrf_token": token})
    assert taken.status_code == 422 and "already exists" in _error_beside(taken.text, "name")
    fragment = admin_client.get(saved.headers["location"], headers={"HX-Request": "true"})
    assert "<html" not in fragment.text and 'id="saved"' in fragment.text
    assert admin_client.get("/search/saved/999999").status_code == 404


def test_a_clue_is_previewed_and_saved_and_bad_options_are_refused_beside_them(admin_client, rt, index):
    token = csrf_token(admin_client, "/search/clues")
    form = {"kind": "new_in_role", "topic": "", "function": "", "days": "", "query": "", "name": "", "count": "3",
            "csrf_token": token}
    preview = admin_client.post("/search/clues", data={**form, "action": "preview"})
    assert preview.status_code == 200 and "people match" in preview.text
    topic = admin_client.post("/search/clues", data={**form, "topic": "AI", "action": "preview"})
    assert topic.status_code == 422 and "Only a recent_post clue has a topic" in _error_beside(topic.text, "topic")
    days = admin_client.post("/search/clues", data={**form, "days": "0", "action": "preview"})
    assert days.status_code == 422 and "Enter a whole number" in _error_beside(days.text, "days")
    unnamed = admin_client.post("/search/clues", data={**form, "action": "save"})
    assert unnamed.status_code == 422 and "Give the clue a name." in _error_beside(unnamed.text, "name")
    saved = admin_client.post("/search/clues", data={**form, "name": "New in role", "action": "save"},
                              follow_redirects=False)
    assert saved.status_code == 303
    assert "Clue: New in role" in admin_client.get(saved.headers["location"]).text


def test_discovery_over_the_api(client, db, admin, rt, index, other_workspace):
    headers = bearer(api_token(db, admin))
    assert client.post("/api/search/preview", json={"description": ""}, headers=headers).json()["field"] == "query"
    parsed = client.post("/api/search/parse", json={"description": DESCRIPTION}, headers=headers).json()
    assert parsed["filters"]["countries"] == ["DE"]
    shown = client.post("/api/search/preview", json={"filters": parsed["filters"], "limit": 5}, headers=headers)
    assert shown.status_code == 200 and shown.json()["preview"]["hits"][0]["signals"]
    bad = client.post("/api/search/preview", json={"filters": {"colour": ["red"]}}, headers=headers)
    assert bad.status_code == 422 and bad.json()["field"] == "colour"
    started = client.post("/api/search/saved", json={"name": "API search", "count": 3, "description": DESCRIPTION},
                          headers=headers)
    assert started.status_code == 202, started.text
    body = started.json()
    assert client.get(body["poll"], headers=headers).json()["final"]
    status = client.get(f"/api/search/saved/{body['group_id']}", headers=headers).json()
    assert status["name"] == "API search" and 1 <= status["collected"] <= 3
    assert [s["name"] for s in client.get("/api/search/saved", headers=headers).json()] == ["API search"]
    clue = client.post("/api/clues", json={"name": "API clue", "kind": "company_hiring", "count": 2}, headers=headers)
    assert clue.status_code == 202
    assert client.post("/api/clues", json={"name": "x", "kind": "rumours", "count": 2},
                       headers=headers).json()["field"] == "kind"
    theirs = bearer(api_token(db, other_workspace))
    assert client.get(f"/api/search/saved/{body['group_id']}", headers=theirs).status_code == 404


def _upload(client, path: str, content: bytes, name: str = "leads.csv", token: str | None = None, **fields: str):
    data = {**({"csrf_token": token} if token else {}), **fields}
    return client.post(path, data=data, files={"file": (name, content, "text/csv")}, follow_redirects=False)


CSV = (b"Name,Email,Company\n"
       b"Ada Lovelace,ada@analytical.example,Analytical Engines\n"
       b"Bad Row,bad@x.example,extra,cells\n"
       b"Ada Lovelace,ada@analytical.example,Analytical Engines\n")


def test_a_file_is_uploaded_imported_in_a_job_and_its_rejected_rows_listed(admin_client, rt, workspace_id):
    page = admin_client.get("/search/import")
    assert page.status_code == 200 and 'enctype="multipart/form-data"' in page.text
    token = csrf_token(admin_client, "/search/import")
    started = _upload(admin_client, "/search/import", CSV, token=token, group="Conference", preset="", encoding="")
    assert started.status_code == 303, started.text
    shown = admin_client.get(started.headers["location"])
    assert "Conference" in shown.text and 'id="import-summary"' in shown.text
    summary = re.search(r'id="import-summary">(.*?)</table>', shown.text, re.S).group(1)
    assert re.search(r"New leads</th><td class=\"num\">1<", summary)
    assert re.search(r"Duplicates within the file</th><td class=\"num\">1<", summary)
    assert re.search(r"Rejected rows</th><td class=\"num\">1<", summary)
    rejected = re.search(r'id="rejected-rows">(.*?)</table>', shown.text, re.S).group(1)
    assert '<td class="num">3</td><td>columns</td><td>4 columns but the header has 3</td>' in rejected
    with rt.db.sessions() as session:
        assert session.scalar(select(SourceGroup.name).where(SourceGroup.workspace_id == workspace_id)) == "Conference"
    stored = list(imports.upload_folder(rt).glob("*/leads.csv"))
    assert len(stored) == 1 and stored[0].read_bytes() == CSV  # streamed to the data folder


@pytest.mark.parametrize(("content", "fields", "field", "words"), [
    (b"", {}, "file", "The file is empty"),
    (bytes(range(256)) * 40, {}, "file", "not a text file"),
    ("name,email\nJosé,jose@x.test\n".encode("latin-1"), {"encoding": "utf-8"}, "file", "Not valid utf-8"),
    (CSV, {"preset": "lotus_notes"}, "preset", "Unknown preset"),
])
def test_a_bad_file_is_refused_beside_the_field_and_not_kept(admin_client, rt, content, fields, field, words):
    token = csrf_token(admin_client, "/search/import")
    refused = _upload(admin_client, "/search/import", content, token=token, group="Kept group", **fields)
    assert refused.status_code == 422, refused.text
    assert words in _error_beside(refused.text, field)
    assert 'value="Kept group"' in refused.text
    assert not list(imports.upload_folder(rt).glob("*/*"))


def test_a_file_over_the_limit_or_without_the_token_is_refused_before_it_is_stored(admin_client, rt, monkeypatch):
    monkeypatch.setattr(imports, "MAX_UPLOAD", 1024 * 1024)
    token = csrf_token(admin_client, "/search/import")
    big = _upload(admin_client, "/search/import", b"a,b\n" + b"1,2\n" * 400_000, token=token)
    assert big.status_code == 422 and "larger than 1 MB" in _error_beside(big.text, "file")
    forged = _upload(admin_client, "/search/import", CSV, token="forged")
    assert forged.status_code == 403 and "Form refused" in forged.text
    assert not list(imports.upload_folder(rt).glob("*/*"))


def test_imports_over_the_api(client, db, admin, rt, other_workspace, monkeypatch):
    headers = bearer(api_token(db, admin))
    started = client.post("/api/imports", files={"file": ("api.csv", CSV, "text/csv")}, data={"group": "API"},
                          headers=headers)
    assert started.status_code == 202, started.text
    job = client.get(started.json()["poll"], headers=headers).json()
    assert job["final"] and job["result"]["new"] == 1 and job["result"]["rejected_rows"][0]["row"] == 3
    empty = client.post("/api/imports", files={"file": ("e.csv", b"", "text/csv")}, headers=headers)
    assert empty.status_code == 422 and empty.json() == {"detail": "file: the file is empty", "field": "file"}
    none = client.post("/api/imports", data={"group": "x"}, headers=headers)
    assert none.status_code == 422 and none.json()["field"] == "file"
    monkeypatch.setattr(imports, "MAX_UPLOAD", 1024)
    big = client.post("/api/imports", files={"file": ("b.csv", b"x" * 5000, "text/csv")}, headers=headers)
    assert big.status_code == 422 and big.json()["field"] == "file"
    theirs = bearer(api_token(db, other_workspace))
    assert client.get(started.json()["poll"], headers=theirs).status_code == 404
    assert Path(imports.upload_folder(rt)).is_dir()
