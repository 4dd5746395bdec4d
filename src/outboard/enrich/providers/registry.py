"""Which providers exist, by name, and building the configured waterfall from them.

Every provider, shipped or not, is an entry `name → "package.module:Name"` of a kind (profile or finder);
the defaults below are registered exactly like a plug-in would be (Datasette's DEFAULT_PLUGINS), and a
later registration under the same name replaces the default. The waterfall order is a list of names
(EnrichConfig.providers / finders). A provider whose module is not installed yet, or that is not
configured (no URL), is skipped with one log line; the others still run.

A provider can also be added by configuration alone: OUTBOARD_ENRICH_PROVIDER_OPTIONS =
`{"beta": {"target": "outboard.enrich.providers.http_profile:HttpProfileProvider", "url": "..."}}` and
"beta" in OUTBOARD_ENRICH_PROVIDERS.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from outboard.core.enrichment import ProviderContext
from outboard.enrich.config import EnrichConfig

log = logging.getLogger(__name__)
Kind = Literal["profile", "finder"]
_METHOD = {"profile": "lookup", "finder": "find"}


@dataclass(frozen=True)
class ProviderEntry:
    name: str
    kind: Kind
    target: str  # "package.module:Name"


# The local prospect index lives in the sources stage and is written against core.enrichment.ProfileProvider.
DEFAULT_ENTRIES = (
    ProviderEntry("index", "profile", "outboard.sources.index.provider:ProspectIndexProvider"),
    ProviderEntry("http_profile", "profile", "outboard.enrich.providers.http_profile:HttpProfileProvider"),
    ProviderEntry("pattern", "finder", "outboard.enrich.providers.pattern_finder:PatternFinder"),
    ProviderEntry("http_finder", "finder", "outboard.enrich.providers.http_finder:HttpFinderProvider"),
)


@dataclass
class Chain:
    """The providers of one waterfall, in order, and why the others in the configured order are missing."""

    providers: list[Any] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        return [p.name for p in self.providers]


class ProviderRegistry:
    def __init__(self, entries: Iterable[ProviderEntry] = DEFAULT_ENTRIES):
        self._entries: dict[tuple[str, str], ProviderEntry] = {}
        for entry in entries:
            self.register(entry)

    def register(self, entry: ProviderEntry) -> None:
        self._entries[(entry.kind, entry.name)] = entry

    def entries(self, kind: Kind) -> list[ProviderEntry]:
        return [e for (k, _), e in self._entries.items() if k == kind]

    def build(self, kind: Kind, order: Iterable[str], *, config: EnrichConfig, workspace_id: int,
              settings: Any = None, db: Any = None, clock: Any = None,
              resources: Mapping[str, Any] | None = None) -> Chain:
        chain = Chain()
        for name in order:
            options = config.options_for(name)
            target = options.get("target")
            entry = ProviderEntry(name, kind, str(target)) if target else self._entries.get((kind, name))
            if entry is None:
                chain.skipped[name] = f"no {kind} provider is registered as {name!r}"
                log.warning("%s provider %r skipped: no such provider is registered", kind, name)
                continue
            context = ProviderContext(name=name, workspace_id=workspace_id, options=options, settings=settings,
                                      db=db, clock=clock, resources=resources or {}, trace=config.trace)
            provider, problem = _build(entry, context)
            if provider is None:
                chain.skipped[name] = problem
                continue
            chain.providers.append(provider)
        return chain


def _build(entry: ProviderEntry, context: ProviderContext) -> tuple[Any, str]:
    module_name, _, attribute = entry.target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and (module_name == exc.name or module_name.startswith(exc.name + ".")):
            problem = f"{module_name} is not installed (yet)"
            log.info("%s provider %r skipped: %s", entry.kind, entry.name, problem)
        else:
            problem = f"{module_name} needs {exc.name}, which is not installed"
            log.warning("%s provider %r skipped: %s", entry.kind, entry.name, problem)
        return None, problem
    factory = getattr(module, attribute, None)
    if factory is None:
        problem = f"{module_name} has no {attribute}"
        log.warning("%s provider %r skipped: %s", entry.kind, entry.name, problem)
        return None, problem
    build = getattr(factory, "from_context", None) or factory
    provider = build(context)
    if provider is None:
        problem = "not configured"
        log.info("%s provider %r skipped: not configured (see docs/enrichment.md)", entry.kind, entry.name)
        return None, problem
    if not callable(getattr(provider, _METHOD[entry.kind], None)):
        problem = f"{entry.target} is not a {entry.kind} provider (no {_METHOD[entry.kind]}())"
        log.warning("%s provider %r skipped: %s", entry.kind, entry.name, problem)
        return None, problem
    return provider, ""
