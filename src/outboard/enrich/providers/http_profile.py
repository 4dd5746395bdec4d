"""A profile provider over HTTP, speaking the person-match API of docs/enrichment.md:
`POST /v1/people/match` for the person and the company, then `GET /v1/people/{id}/posts` page by page
for recent posts and articles. Configured by a URL and an API key (OUTBOARD_ENRICH_PROFILE_API_URL /
_API_KEY, or provider options); without a URL it is not built."""

from __future__ import annotations

from typing import Any

import httpx

from outboard.core.enrichment import PersonQuery, ProfileFacts, ProviderContext, ProviderUnavailable
from outboard.enrich.providers.http import HttpPolicy, json_body, refuse, send

MAX_POSTS = 20
PAGE_SIZE = 10


class HttpProfileProvider:
    metered = True

    def __init__(self, name: str, base_url: str, api_key: str, *, policy: HttpPolicy | None = None,
                 max_posts: int = MAX_POSTS):
        self.name = name
        self.policy = policy or HttpPolicy()
        self.max_posts = max_posts
        self._client = httpx.Client(base_url=base_url.rstrip("/"), timeout=self.policy.timeout,
                                    headers={"Authorization": f"Bearer {api_key}", "Accept": "application/json"})

    @classmethod
    def from_context(cls, context: ProviderContext) -> HttpProfileProvider | None:
        options = context.options
        if not options.get("url"):
            return None
        return cls(context.name, str(options["url"]), str(options.get("api_key") or ""),
                   policy=HttpPolicy.from_options(options), max_posts=int(options.get("max_posts", MAX_POSTS)))

    def close(self) -> None:
        self._client.close()

    def lookup(self, query: PersonQuery) -> ProfileFacts | None:
        body = {key: value for key, value in {
            "linkedin_username": query.linkedin_id, "email": query.email, "first_name": query.first_name,
            "last_name": query.last_name, "full_name": query.full_name, "company_domain": query.company_domain,
            "company_name": query.company_name}.items() if value}
        response = send(self._client, self.policy, self.name, lambda c: c.post("/v1/people/match", json=body))
        refuse(response, self.name)
        if response.status_code in (400, 404, 422):
            return None  # not known, or not enough to go on: either way no answer
        if response.status_code >= 300:
            raise ProviderUnavailable(f"{self.name} answered {response.status_code}")
        person = json_body(response, self.name).get("person")
        if not isinstance(person, dict):
            return None
        posts = self._posts(str(person.get("id", ""))) if person.get("posts_count") else []
        return to_facts(self.name, person, posts)

    def _posts(self, person_id: str) -> list[dict[str, Any]]:
        """Newest first, page by page (cursor), up to max_posts."""
        posts: list[dict[str, Any]] = []
        cursor: str | None = None
        while person_id and len(posts) < self.max_posts:
            params = {"limit": str(min(PAGE_SIZE, self.max_posts - len(posts)))}
            if cursor:
                params["cursor"] = cursor
            response = send(self._client, self.policy, self.name,
                            lambda c, p=params: c.get(f"/v1/people/{person_id}/posts", params=p))  # type: ignore[misc]
            refuse(response, self.name)
            if response.status_code == 404:
                break
            if response.status_code >= 300:
                raise ProviderUnavailable(f"{self.name} answered {response.status_code} for posts")
            page = json_body(response, self.name)
            posts.extend(p for p in page.get("data") or [] if isinstance(p, dict))
            cursor = page.get("next_cursor")
            if not cursor:
                break
        return posts[: self.max_posts]


def to_facts(source: str, person: dict[str, Any], posts: list[dict[str, Any]]) -> ProfileFacts:
    """The API's person in our fact paths (values are cleaned by the waterfall)."""
    job = person.get("job") or {}
    location = person.get("location") or {}
    company = person.get("company") or {}
    languages = person.get("languages") or []
    fields = {
        "full_name": person.get("full_name"), "first_name": person.get("first_name"),
        "last_name": person.get("last_name"), "headline": person.get("headline"), "title": job.get("title"),
        "seniority": job.get("seniority"), "function": job.get("function"), "role_started_on": job.get("start_date"),
        "linkedin_id": person.get("linkedin_username"), "city": location.get("city"), "region": location.get("region"),
        "country": location.get("country"), "timezone": location.get("timezone"),
        "language": languages[0] if languages else None, "skills": person.get("skills"),
        "education": [e.get("school") for e in person.get("education") or [] if isinstance(e, dict)],
        "positions": [{"title": e.get("title"), "company": (e.get("company") or {}).get("name"),
                       "started_on": e.get("start_date"), "ended_on": e.get("end_date")}
                      for e in person.get("experience") or [] if isinstance(e, dict)],
        "posts": [{"text": p.get("text"), "posted_on": p.get("published_at"), "url": p.get("url"),
                   "kind": p.get("type", "post")} for p in posts],
    }
    funding = company.get("funding") or {}
    where = company.get("location") or {}
    company_fields = {
        "name": company.get("name"), "domain": company.get("domain"), "size": company.get("employee_count"),
        "industry": company.get("industry"), "funding_stage": funding.get("stage"),
        "city": where.get("city"), "country": where.get("country"),
        "milestones": [{"kind": e.get("type"), "text": e.get("description"), "happened_on": e.get("date"),
                        "amount_usd": e.get("amount_usd"), "round": e.get("round")}
                       for e in company.get("events") or [] if isinstance(e, dict)],
        "hiring_for": [r.get("function") for r in company.get("open_roles") or []
                       if isinstance(r, dict) and (r.get("count") or 0) > 0],
    }
    return ProfileFacts(source=source, fields={k: v for k, v in fields.items() if v not in (None, "", [])},
                        company={k: v for k, v in company_fields.items() if v not in (None, "", [])},
                        is_sample=bool(person.get("is_sample")))
