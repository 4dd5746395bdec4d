"""Enrichment providers: the registry (by import path, defaults registered like plug-ins), the HTTP
profile and finder providers, and the built-in pattern finder. The contract is core.enrichment."""

from outboard.enrich.providers.registry import DEFAULT_ENTRIES, Chain, ProviderEntry, ProviderRegistry

__all__ = ["DEFAULT_ENTRIES", "Chain", "ProviderEntry", "ProviderRegistry"]
