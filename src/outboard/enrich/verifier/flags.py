"""Disposable / role / free-provider flags, from the lists shipped in outboard/enrich/data/."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

_SEPARATORS = re.compile(r"[.\-_]")


@dataclass(frozen=True)
class AddressFlags:
    disposable: bool = False  # a throwaway mailbox service
    role: bool = False  # a function (sales@, info@), not a person
    free_provider: bool = False  # a consumer mailbox (gmail.com), not a work address


@cache
def _load(name: str) -> frozenset[str]:
    text = resources.files("outboard.enrich").joinpath("data", name).read_text(encoding="utf-8")
    return frozenset(
        line.strip().lower() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")
    )


def disposable_domains() -> frozenset[str]:
    return _load("disposable_domains.txt")


def role_local_parts() -> frozenset[str]:
    return _load("role_local_parts.txt")


def free_providers() -> frozenset[str]:
    return _load("free_providers.txt")


def _parents(domain: str) -> list[str]:
    labels = domain.lower().rstrip(".").split(".")
    return [".".join(labels[i:]) for i in range(len(labels) - 1)]


def is_disposable(domain: str) -> bool:
    listed = disposable_domains()
    return any(d in listed for d in _parents(domain))


def is_role(local_part: str) -> bool:
    local = local_part.lower().split("+", 1)[0]  # sub-addressing: sales+eu@ is still sales@
    listed = role_local_parts()
    if local in listed:
        return True
    # support-emea@, sales.de@; short tokens (it, hr, dev) are skipped: "dev.patel" is a person.
    head = _SEPARATORS.split(local, 1)[0]
    return len(head) >= 4 and head != local and head in listed


def is_free_provider(domain: str) -> bool:
    return domain.lower().rstrip(".") in free_providers()


def flags_for(local_part: str, domain: str) -> AddressFlags:
    return AddressFlags(disposable=is_disposable(domain), role=is_role(local_part),
                        free_provider=is_free_provider(domain))
