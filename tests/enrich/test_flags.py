from __future__ import annotations

import pytest

from outboard.enrich.verifier.flags import (
    disposable_domains,
    flags_for,
    free_providers,
    is_disposable,
    is_free_provider,
    is_role,
    role_local_parts,
)


def test_lists_ship_with_the_package() -> None:
    assert "mailinator.com" in disposable_domains()
    assert "gmail.com" in free_providers()
    assert "sales" in role_local_parts()
    assert all(not line.startswith("#") for line in disposable_domains())


@pytest.mark.parametrize("local", ["info", "Sales", "support", "sales+emea", "support-emea", "noreply", "no-reply"])
def test_role_addresses(local: str) -> None:
    assert is_role(local)


@pytest.mark.parametrize("local", ["jane", "jane.doe", "dev.patel", "it.chen", "salesforce.jane", "j.sales"])
def test_people_are_not_roles(local: str) -> None:
    assert not is_role(local)


def test_disposable_matches_subdomains_and_free_does_not() -> None:
    assert is_disposable("mailinator.com") and is_disposable("eu.mailinator.com")
    assert not is_disposable("acme.com")
    assert is_free_provider("GMAIL.com") and not is_free_provider("mail.gmail.com.evil.test")


def test_flags_for_combines_all_three() -> None:
    flags = flags_for("info", "yopmail.com")
    assert flags.role and flags.disposable and not flags.free_provider
    assert flags_for("jane.doe", "gmail.com").free_provider
