"""The finder: candidates and patterns (pure), and the walk through the verifier (real servers)."""

from __future__ import annotations

import pytest

from outboard.core.verdicts import EmailVerdict
from outboard.enrich.finder import (
    PATTERNS,
    ascii_fold,
    candidates,
    find_email,
    find_email_sync,
    infer_pattern,
    name_variants,
    rank_patterns,
)
from outboard.enrich.verifier import Verifier

from .conftest import World


def test_transliteration_to_ascii() -> None:
    assert ascii_fold("José") == "jose"
    assert ascii_fold("Müller") == "muller"
    assert ascii_fold("Müller", german=True) == "mueller"
    assert ascii_fold("Łukasz Straße") == "lukasz strasse"
    assert ascii_fold("O'Brien") == "obrien"
    assert ascii_fold("Søren Ærø") == "soren aero"


def test_name_variants() -> None:
    assert name_variants("Müller", part="last") == ["muller", "mueller"]
    assert name_variants("Müller", part="last", german_first=True) == ["mueller", "muller"]
    assert name_variants("Mary Ann", part="first") == ["mary", "maryann"]
    assert name_variants("van der Berg", part="last") == ["vanderberg", "berg"]
    assert name_variants("Smith-Jones", part="last") == ["smithjones", "smith-jones"]
    assert name_variants("Dr. Jane", part="first") == ["jane"]


def test_candidates_default_order_starts_with_the_common_patterns() -> None:
    found = candidates("José", "Müller", "acme.com")
    assert [c.address for c in found[:5]] == ["jose.muller@acme.com", "jose.mueller@acme.com", "jose@acme.com",
                                              "jmuller@acme.com", "josemuller@acme.com"]
    assert {c.pattern for c in found} == set(PATTERNS)
    assert len({c.address for c in found}) == len(found)


def test_proven_pattern_comes_first_in_every_spelling() -> None:
    found = candidates("José", "Müller", "acme.com", proven=["f.last"])
    assert [c.address for c in found[:2]] == ["j.muller@acme.com", "j.mueller@acme.com"]
    german = candidates("José", "Müller", "acme.de", proven=["f.last"])
    assert german[0].address == "j.mueller@acme.de"  # German domains write ü as ue first


def test_candidates_with_one_name_and_with_none() -> None:
    assert [c.address for c in candidates("Jane", "", "acme.com")] == ["jane@acme.com"]
    assert [c.address for c in candidates("", "Doe", "acme.com")] == ["doe@acme.com"]
    assert candidates("", " ", "acme.com") == []
    assert len(candidates("Jane", "Doe", "acme.com", limit=3)) == 3


@pytest.mark.parametrize(("address", "pattern"), [
    ("jane.doe@acme.com", "first.last"), ("Jane.Doe@acme.com", "first.last"), ("jdoe@acme.com", "flast"),
    ("jane@acme.com", "first"), ("doe@acme.com", "last"), ("j.doe@acme.com", "f.last"),
    ("janed@acme.com", "firstl"), ("doe.jane@acme.com", "last.first"), ("jane_doe@acme.com", "first_last"),
    ("jd@acme.com", "fl"), ("someone@acme.com", None), ("", None),
])
def test_infer_pattern(address: str, pattern: str | None) -> None:
    assert infer_pattern(address, "Jane", "Doe") == pattern


def test_infer_pattern_understands_transliteration() -> None:
    assert infer_pattern("jose.mueller@acme.de", "José", "Müller") == "first.last"
    assert infer_pattern("jmuller@acme.com", "José", "Müller") == "flast"


def test_rank_patterns_by_use() -> None:
    known = [("jdoe@a.com", "Jane", "Doe"), ("bsmith@a.com", "Bob", "Smith"), ("carl.x@a.com", "Carl", "X"),
             ("nobody@a.com", "Ann", "Lee")]
    assert rank_patterns(known) == ["flast", "first.last"]


async def test_proven_pattern_finds_the_address_in_one_conversation(world: World) -> None:
    result = await find_email("Jane", "Doe", "finder.test", proven=["f.last"], config=world.config())
    assert (result.address, result.verdict, result.pattern) == ("j.doe@finder.test", EmailVerdict.VALID, "f.last")
    assert result.conversations == 1 and len(result.tried) == 1
    rcpts = world.mx.rcpts_for("finder.test")
    assert rcpts[0].rcpt == "j.doe@finder.test"
    assert len(rcpts) == 2  # the candidate and the catch-all probe, in the same conversation


async def test_without_a_proven_pattern_each_candidate_costs_one_conversation(world: World) -> None:
    result = await find_email("Jane", "Doe", "finder.test", config=world.config())
    assert result.address == "j.doe@finder.test" and result.verdict is EmailVerdict.VALID
    tried = [t.address for t in result.tried]
    assert tried == ["jane.doe@finder.test", "jane@finder.test", "jdoe@finder.test", "janedoe@finder.test",
                     "j.doe@finder.test"]
    assert result.conversations == len(tried)
    assert world.mx.snapshot().connections == 1  # one connection, RSET between candidates
    candidate_rcpts = [r.rcpt for r in world.mx.rcpts_for("finder.test") if r.rcpt in tried]
    assert candidate_rcpts == tried  # one RCPT per candidate, in rank order, nothing asked twice


async def test_transliterated_names_are_found(world: World) -> None:
    result = await find_email("José", "Müller", "finder.test", config=world.config())
    assert result.address == "jose.muller@finder.test" and result.conversations == 1
    german = await find_email("José", "Müller", "finderde.test", config=world.config())
    assert german.address == "jose.mueller@finderde.test"
    assert german.conversations == 2  # the ue spelling of first.last comes right after the plain one


async def test_catch_all_domain_returns_the_best_guess_without_proof(world: World) -> None:
    result = await find_email("Jane", "Doe", "catchall.test", proven=["flast"], config=world.config())
    assert (result.address, result.verdict, result.pattern) == ("jdoe@catchall.test", EmailVerdict.CATCH_ALL,
                                                                "flast")
    assert result.conversations == 1
    # The same batch already knows the domain: a second person costs no conversation at all.
    async with Verifier(world.config()) as verifier:
        await find_email("Jane", "Doe", "catchall.test", verifier=verifier)
        again = await find_email("Bob", "Smith", "catchall.test", verifier=verifier)
    assert again.verdict is EmailVerdict.CATCH_ALL and again.address == "bob.smith@catchall.test"
    assert again.conversations == 0


async def test_nobody_found_and_no_mail_domain(world: World) -> None:
    result = await find_email("Zed", "Zulu", "finder.test", config=world.config(), max_candidates=4)
    assert result.address is None and result.verdict is EmailVerdict.INVALID and result.conversations == 4
    no_mail = await find_email("Jane", "Doe", "nothere.test", config=world.config())
    assert no_mail.verdict is EmailVerdict.INVALID and no_mail.conversations == 0


async def test_unanswering_server_stops_the_walk(world: World) -> None:
    result = await find_email("Jane", "Doe", "limit.test", config=world.config(retry_delays=()))
    assert result.verdict is EmailVerdict.UNKNOWN and result.address == "jane.doe@limit.test"
    assert result.conversations == 1


def test_sync_finder(world: World) -> None:
    result = find_email_sync("Bob", "Smith", "acme.test", config=world.config())
    assert result.address == "bob.smith@acme.test"
