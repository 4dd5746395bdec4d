"""A property-based run over the REST API's OpenAPI schema (schemathesis): generated requests, valid and
not, to every operation, signed in as an admin of a workspace with a campaign in it. No answer may be a
server error, and each answer must be one the schema declares, in the shape it declares.

Bounded to a few examples per operation so the whole run stays under a minute (`-m "not slow"` skips it).
Schemathesis' own pytest plugin (`from_fixture`) does not run under pytest 9, so each operation's Hypothesis
strategy is driven here directly.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

schemathesis = pytest.importorskip("schemathesis")

from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.generation.modes import GenerationMode  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from outboard.devservers.dns import DnsServer, DnsZone  # noqa: E402
from tests.web.conftest import api_token, bearer  # noqa: E402
from tests.write.lab_setup import build_lab  # noqa: E402

pytestmark = pytest.mark.slow
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def database_url(tmp_path: Path, sqlite_template: Path) -> str:
    """SQLite only: the run is about the API's answers, not the database (the other tests cover both)."""
    import shutil

    path = tmp_path / "outboard.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def quiet_dns(rt) -> Iterator[None]:
    """DNS checks the fuzzer asks for go to a local server that knows no record (never the internet)."""
    with DnsServer(DnsZone()) as dns:
        rt.settings.verify_dns_server = f"127.0.0.1:{dns.port}"
        yield


@pytest.fixture
def api_schema(app, rt, workspace_id, quiet_dns):
    build_lab(rt, workspace_id, 2)  # ids 1, 2... exist: some generated requests reach real objects
    return schemathesis.openapi.from_asgi("/api/openapi.json", app)


@pytest.fixture
def admin_headers(db, admin) -> dict[str, str]:
    return bearer(api_token(db, admin, name="fuzz"))


# They would dial whatever SMTP host or webhook URL was generated.
SKIPPED = {("POST", "/accounts/{account_id}/test"), ("POST", "/webhooks/{endpoint_id}/test")}
EXAMPLES = 12  # per operation and mode: about 30 s for the whole schema


def test_no_operation_answers_a_server_error(api_schema, admin_headers):
    """Each operation in turn, with schema-valid and schema-invalid requests (Hypothesis shrinks a failure
    to its smallest request and prints it)."""
    checked = 0
    for result in api_schema.get_all_operations():
        operation = result.ok()
        if (operation.method.upper(), operation.path) in SKIPPED:
            continue
        cases = st.one_of(*(operation.as_strategy(mode) for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)))

        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True,
                  database=None)
        @given(case=cases)
        def call(case: schemathesis.Case) -> None:
            case.call_and_validate(headers=admin_headers, checks=CHECKS)

        call()
        checked += 1
    assert checked >= 50
