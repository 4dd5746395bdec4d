"""Bad input gives clear verdicts, never exceptions (pure: no servers needed)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from outboard.core.verdicts import EmailVerdict
from outboard.enrich.verifier import ParsedAddress, Reason, SyntaxProblem, parse_address, verify_sync


def test_normalises_domain_and_keeps_local_case() -> None:
    parsed = parse_address("  Jane.Doe@ACME.com ")
    assert isinstance(parsed, ParsedAddress)
    assert parsed.normalized == "Jane.Doe@acme.com"
    assert parsed.smtp_address == "Jane.Doe@acme.com"
    assert not parsed.needs_smtputf8


def test_idn_domain_travels_as_punycode() -> None:
    parsed = parse_address("max@münchen.de")
    assert isinstance(parsed, ParsedAddress)
    assert parsed.domain == "münchen.de"
    assert parsed.ascii_domain == "xn--mnchen-3ya.de"
    assert parsed.smtp_address == "max@xn--mnchen-3ya.de"
    assert parsed.normalized == "max@münchen.de"


def test_non_ascii_local_part_needs_smtputf8() -> None:
    parsed = parse_address("jörg@acme.de")
    assert isinstance(parsed, ParsedAddress) and parsed.needs_smtputf8


def test_300_character_local_part_is_a_clear_syntax_verdict() -> None:
    problem = parse_address("a" * 300 + "@acme.com")
    assert isinstance(problem, SyntaxProblem)
    assert problem.reason is Reason.SYNTAX
    assert "300 characters" in problem.detail and "64" in problem.detail


def test_needless_quotes_are_dropped() -> None:
    parsed = parse_address('"jane"@acme.com')
    assert isinstance(parsed, ParsedAddress) and parsed.smtp_address == "jane@acme.com"


def test_needed_quotes_are_refused_with_their_own_reason() -> None:
    problem = parse_address('"jane doe"@acme.com')
    assert isinstance(problem, SyntaxProblem)
    assert problem.reason is Reason.QUOTED_LOCAL_PART
    assert "quotes" in problem.detail


@pytest.mark.parametrize("bad", [
    "", "   ", "plain", "jane@", "@acme.com", "jane@@acme.com", "jane doe@acme.com", "jane@acme..com",
    "jane@-acme.com", "jane@acme", "jane@[127.0.0.1]", "Jane <jane@acme.com>", "jane@acme.com.",
    "x" * 5000, "jane@" + "a" * 300 + ".com", ".jane@acme.com", "jane.@acme.com", "ja\x00ne@acme.com",
])
def test_malformed_addresses_are_syntax_problems(bad: str) -> None:
    problem = parse_address(bad)
    assert isinstance(problem, SyntaxProblem), bad
    assert problem.reason is Reason.SYNTAX
    assert problem.detail


@pytest.mark.parametrize("value", [None, 42, b"jane@acme.com", ["jane@acme.com"]])
def test_non_text_input_is_a_syntax_problem(value: object) -> None:
    assert isinstance(parse_address(value), SyntaxProblem)


def test_reserved_test_domains_need_the_switch() -> None:
    assert isinstance(parse_address("jane@acme.test"), SyntaxProblem)
    assert isinstance(parse_address("jane@acme.test", allow_test_domains=True), ParsedAddress)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_no_text_makes_the_parser_raise(text: str) -> None:
    parse_address(text)
    parse_address(text + "@acme.com")


def test_bad_input_through_the_whole_verifier_gives_invalid_verdicts_without_network() -> None:
    results = verify_sync(["", "nope", "a" * 300 + "@acme.com", '"a b"@acme.com'])
    assert [r.verdict for r in results] == [EmailVerdict.INVALID] * 4
    assert [r.reason for r in results] == [Reason.SYNTAX, Reason.SYNTAX, Reason.SYNTAX, Reason.QUOTED_LOCAL_PART]
    assert all(r.attempts == 0 and r.smtp_code is None for r in results)
