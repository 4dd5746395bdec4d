"""An email finder over HTTP, speaking the finder API of docs/enrichment.md (`GET /v1/email/find`).
Its answer is a candidate only: the verifier checks it before it is believed. Configured by a URL and an
API key (OUTBOARD_ENRICH_FINDER_API_URL / _API_KEY, or provider options)."""

from __future__ import annotations

import httpx

from outboard.core.enrichment import EmailQuery, FoundEmail, ProviderContext, ProviderUnavailable
from outboard.enrich.providers.http import HttpPolicy, json_body, refuse, send_async


class HttpFinderProvider:
    metered = True

    def __init__(self, name: str, base_url: str, api_key: str, *, policy: HttpPolicy | None = None):
        self.name = name
        self.policy = policy or HttpPolicy()
        self.base_url, self.api_key = base_url.rstrip("/"), api_key
        self._client: httpx.AsyncClient | None = None

    @classmethod
    def from_context(cls, context: ProviderContext) -> HttpFinderProvider | None:
        options = context.options
        if not options.get("url"):
            return None
        return cls(context.name, str(options["url"]), str(options.get("api_key") or ""),
                   policy=HttpPolicy.from_options(options))

    def _http(self) -> httpx.AsyncClient:
        # Made on first use, inside the event loop that uses it (an async client belongs to one loop).
        if self._client is None:
            self._client = httpx.AsyncClient(base_url=self.base_url, timeout=self.policy.timeout, headers={
                "Authorization": f"Bearer {self.api_key}", "Accept": "application/json"})
        return self._client

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def find(self, query: EmailQuery) -> FoundEmail | None:
        person = query.person
        params = {key: value for key, value in {"first_name": person.first_name, "last_name": person.last_name,
                                                "full_name": person.full_name, "domain": query.domain}.items()
                  if value}
        response = await send_async(self._http(), self.policy, self.name,
                                    lambda c: c.get("/v1/email/find", params=params))
        refuse(response, self.name)
        if response.status_code in (400, 404, 422):
            return None
        if response.status_code >= 300:
            raise ProviderUnavailable(f"{self.name} answered {response.status_code}")
        data = json_body(response, self.name)
        address = data.get("email")
        if not isinstance(address, str) or "@" not in address:
            return None
        score = data.get("score")
        confidence = max(0.0, min(1.0, float(score) / 100)) if isinstance(score, int | float) else None
        status = data.get("status")
        return FoundEmail(self.name, address.strip(), confidence=confidence, pattern=data.get("pattern"),
                          detail=f"{self.name} rates it {score}" + (f" ({status})" if status else ""))
