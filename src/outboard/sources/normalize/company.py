"""Company names and domains.

The display name is kept as written (trimmed): "Acme GmbH" is how the lead's company calls itself. The
clean name drops legal suffixes ("Acme") and is what messages and matching use. The suffixes and their
normalisation are cleanco's; the lookup is ours: cleanco's basename() compares the name against each of its
~320 terms in turn (about 17,000 names a second), a set lookup per suffix length is fifty times faster.

The company domain comes from a website URL or a non-free email domain, reduced to the registrable
domain with tldextract's bundled public-suffix list ("https://www.shop.acme.co.uk/x" -> "acme.co.uk").
tldextract must never fetch the list from the internet: suffix_list_urls=() and no cache directory.
"""

from __future__ import annotations

from functools import lru_cache

import tldextract
from cleanco import prepare_default_terms
from cleanco.clean import normalized, strip_punct

from outboard.sources.normalize.text import squash

_EXTRACT = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
# A "website" column sometimes holds the company's social page; that is not the company's domain.
_NOT_COMPANY_SITES = frozenset({
    "linkedin.com", "facebook.com", "twitter.com", "x.com", "instagram.com", "youtube.com",
    "xing.com", "crunchbase.com", "google.com", "bit.ly", "wikipedia.org", "github.com",
})


def _term_sets() -> dict[int, frozenset[tuple[str, ...]]]:
    sizes: dict[int, set[tuple[str, ...]]] = {}
    for size, parts in prepare_default_terms():
        sizes.setdefault(size, set()).add(tuple(parts))
    return {size: frozenset(terms) for size, terms in sizes.items()}


_TERMS = _term_sets()
_LONGEST = max(_TERMS)


@lru_cache(maxsize=1 << 15)
def _word_key(word: str) -> str:
    return strip_punct(normalized(word))


def _strip_legal_suffixes(display: str) -> str:
    words = display.split(" ")
    keys = [_word_key(w) for w in words]
    stripped = True
    while stripped:
        stripped = False
        while len(words) > 1 and not any(ch.isalnum() for ch in words[-1]):  # a dangling "&" or "-"
            del words[-1], keys[-1]
        # Never strip the whole name: "Company" alone stays "Company".
        for size in range(min(_LONGEST, len(words) - 1), 0, -1):
            if tuple(keys[-size:]) in _TERMS.get(size, ()):
                del words[-size:], keys[-size:]
                stripped = True
                break
    return " ".join(words).rstrip(" ,;&-")


@lru_cache(maxsize=1 << 16)
def clean_company_name(raw: str) -> tuple[str, str]:
    """(display name, clean name): ("Acme GmbH & Co. KG", "Acme"). Both "" for an empty cell."""
    display = squash(raw)
    if not display:
        return "", ""
    return display, _strip_legal_suffixes(display) or display


def _host(text: str) -> str:
    """The host part of a URL, a bare host or an email address, lowercased."""
    text = text.strip().lower()
    if "@" in text and "/" not in text:  # an email address in the website column
        return text.rsplit("@", 1)[1]
    if "://" in text:
        text = text.split("://", 1)[1]
    host = text.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    return host.rsplit("@", 1)[-1].split(":", 1)[0].strip(".")


@lru_cache(maxsize=1 << 17)
def domain_of_host(host: str) -> str | None:
    """Registrable domain of a host ("www.shop.acme.co.uk" -> "acme.co.uk"); None for IPs, local names."""
    if not host or " " in host:
        return None
    found = _EXTRACT(host)
    if not found.suffix or not found.domain:
        return None
    domain = found.top_domain_under_public_suffix
    return None if domain in _NOT_COMPANY_SITES else domain


def domain_from_url(raw: str) -> str | None:
    """Registrable domain of a URL, host, bare domain or email; None for IPs, local names, social sites."""
    return domain_of_host(_host(raw))
