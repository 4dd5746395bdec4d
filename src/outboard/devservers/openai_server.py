"""A small OpenAI-compatible HTTP server on loopback, for tests, the benchmark and the demo.

`POST /v1/chat/completions` answers with plausible JSON messages written only from the facts in the
prompt's <lead_data> block (so the demo works offline and the answers pass the fact check), and can be
scripted to misbehave: malformed JSON, refusals, 429 with Retry-After, 5xx, any raw content. A fixed
latency per call imitates a real model. Every request is recorded for assertions.

    with OpenAIServer(latency_s=0.5) as server:
        server.script(Reply.rate_limit(retry_after="1"), Reply.ok())
        config = LLMConfig(base_url=server.base_url, model=server.model)
"""

from __future__ import annotations

import argparse
import json
import re
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from outboard.devservers.http import HttpDevServer

_BLOCK = re.compile(r"<(task|lead_data)>\s*(\{.*?\})\s*</\1>", re.DOTALL)


@dataclass(frozen=True)
class Reply:
    """What the server does with one request."""

    kind: str = "ok"  # ok | malformed | refusal | content | error
    status: int = 200
    headers: tuple[tuple[str, str], ...] = ()
    content: str = ""

    @classmethod
    def ok(cls) -> Reply:
        return cls()

    @classmethod
    def malformed(cls) -> Reply:
        return cls("content", content='{"messages": [{"position": 1, "channel": "email", "body": "Hi')

    @classmethod
    def refusal(cls, text: str = "I'm sorry, but I can't help with that request.") -> Reply:
        return cls("refusal", content=text)

    @classmethod
    def raw(cls, text: str) -> Reply:
        """Answer with exactly this assistant content (to test what the guardrails catch)."""
        return cls("content", content=text)

    @classmethod
    def rate_limit(cls, retry_after: str | None = "1") -> Reply:
        headers = (("Retry-After", retry_after),) if retry_after is not None else ()
        return cls("error", 429, headers, "Rate limit reached, slow down.")

    @classmethod
    def error(cls, status: int = 500, text: str = "The server had an error.") -> Reply:
        return cls("error", status, (), text)


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: dict[str, Any] = field(default_factory=dict)

    @property
    def messages(self) -> list[dict[str, str]]:
        return list(self.body.get("messages", []))


class OpenAIServer(HttpDevServer):
    def __init__(self, *, host: str = "127.0.0.1", port: int = 0, latency_s: float = 0.0,
                 model: str = "outboard-dev"):
        self.model, self.latency_s = model, latency_s
        self._script: deque[Reply] = deque()
        self._requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self.in_flight = self.max_in_flight = 0  # concurrent chat calls now, and the most seen at once
        handler = type("Handler", (_Handler,), {"server_ref": self})
        # A deep accept queue: bursts of concurrent connections from the benchmark.
        super().__init__(handler, "openai-dev-server", host=host, port=port, queue=512)

    @property
    def base_url(self) -> str:
        return f"{self.address}/v1"

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    def script(self, *replies: Reply) -> None:
        """Queue replies for the next requests, in order; afterwards the server answers normally."""
        with self._lock:
            self._script.extend(replies)

    def reset(self) -> None:
        with self._lock:
            self._script.clear()
            self._requests.clear()
            self.max_in_flight = self.in_flight

    def _record(self, request: RecordedRequest) -> Reply:
        with self._lock:
            self._requests.append(request)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            return self._script.popleft() if self._script else Reply.ok()

    def _done(self) -> None:
        with self._lock:
            self.in_flight -= 1


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_ref: OpenAIServer

    def log_message(self, format: str, *args: Any) -> None:  # quiet: tests read records, not logs
        return

    def do_GET(self) -> None:
        if self.path.rstrip("/") in ("/v1/models", "/models"):
            model = self.server_ref.model
            self._json(200, {"object": "list", "data": [{"id": model, "object": "model", "owned_by": "outboard"}]})
        else:
            self._json(404, {"error": {"message": f"no route {self.path}", "type": "invalid_request_error"}})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        try:
            body = json.loads(raw or b"{}")
        except json.JSONDecodeError:
            self._json(400, {"error": {"message": "body is not JSON", "type": "invalid_request_error"}})
            return
        if self.path.rstrip("/") not in ("/v1/chat/completions", "/chat/completions"):
            self._json(404, {"error": {"message": f"no route {self.path}", "type": "invalid_request_error"}})
            return
        reply = self.server_ref._record(RecordedRequest("POST", self.path, dict(self.headers.items()), body))
        try:
            self._answer(reply, body)
        finally:
            self.server_ref._done()

    def _answer(self, reply: Reply, body: dict[str, Any]) -> None:
        if self.server_ref.latency_s:
            time.sleep(self.server_ref.latency_s)
        if reply.kind == "error":
            self._json(reply.status, {"error": {"message": reply.content, "type": "server_error"}}, reply.headers)
            return
        users = [str(m.get("content", "")) for m in body.get("messages", []) if m.get("role") == "user"]
        prompt = users[-1] if users else ""
        if reply.kind == "refusal":
            message = {"role": "assistant", "content": None, "refusal": reply.content}
        elif reply.kind == "content":
            message = {"role": "assistant", "content": reply.content, "refusal": None}
        else:
            message = {"role": "assistant", "content": json.dumps(grounded_answer(prompt), ensure_ascii=False),
                       "refusal": None}
        completion_tokens = len(message["content"] or message["refusal"] or "") // 4
        prompt_tokens = len(prompt) // 4
        self._json(200, {
            "id": f"chatcmpl-dev-{len(self.server_ref.requests)}", "object": "chat.completion",
            "created": 0, "model": body.get("model", self.server_ref.model),
            "choices": [{"index": 0, "message": message, "finish_reason": "stop", "logprobs": None}],
            "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                      "total_tokens": prompt_tokens + completion_tokens},
        })

    def _json(self, status: int, data: object, headers: tuple[tuple[str, str], ...] = ()) -> None:
        payload = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)


def grounded_answer(prompt: str) -> dict[str, Any]:
    """Messages for every step in the prompt's task, built only from facts in its lead data."""
    blocks = {name: _load(text) for name, text in _BLOCK.findall(prompt)}
    task, lead = blocks.get("task", {}), blocks.get("lead_data", {})
    sender = task.get("sender", {})
    first = lead.get("first_name") or "there"
    company = (lead.get("company") or {}).get("name", "")
    title = lead.get("title", "")
    hook, hook_line, note_line = _hook(lead, company, title)
    offer = _sentence(task.get("offer", ""))
    proof = _sentence((task.get("proof") or [""])[0])
    cta = task.get("call_to_action", "").strip().rstrip(".?")
    cta = f"Would you be open to {cta[:1].lower() + cta[1:]}?" if cta else "Would a short call make sense?"
    signature = sender.get("signature") or "\n".join(
        p for p in (sender.get("name", ""), ", ".join(x for x in (sender.get("title"), sender.get("company")) if x))
        if p)
    opt_out = task.get("opt_out_sentence", "")
    limit = (task.get("limits") or {}).get("linkedin_note_limit", 300)
    messages = []
    for step in task.get("steps", []):
        channel, follow_up = step.get("channel"), step.get("is_follow_up")
        paths = [hook["fact_path"]] if hook else []
        subject = None
        if channel == "linkedin_invite":
            body = f"Hi {first}! {note_line} Would be great to connect."
            if len(body) > limit:
                body, paths = f"Hi {first}! Would be great to connect.", []
        elif channel == "linkedin_message":
            body = "\n\n".join(p for p in (f"Thanks for connecting, {first}!", offer, cta) if p)
            paths = []
        elif follow_up:
            # A second email follow-up must not repeat the first (the guardrails block duplicate steps).
            later = any(m["channel"] == "email" and m["subject"] is None for m in messages)
            line = "Closing the loop on my earlier notes." if later else "A quick follow-up on my last message."
            body = "\n\n".join(p for p in (f"Hi {first},", line, None if later else proof, cta,
                                           sender.get("name", ""), opt_out) if p)
            paths = []
        else:
            subject = f"Idea for {company}" if company else f"Quick question, {first}"
            body = "\n\n".join(p for p in (f"Hi {first},", hook_line, offer, proof, cta, signature, opt_out) if p)
        messages.append({"position": step.get("position"), "channel": channel, "subject": subject, "body": body,
                         "hook_fact_paths": paths})
    return {"messages": messages}


def _load(text: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        return {}
    return data if isinstance(data, dict) else {}


def _hook(lead: dict[str, Any], company: str, title: str) -> tuple[dict[str, Any] | None, str, str]:
    for hook in lead.get("hooks", []):
        fact = str(hook.get("fact", "")).strip()
        if hook.get("kind") == "recent_post" and fact:
            quote = re.split(r"(?<=[.!?])\s", fact)[0].rstrip(".!?")[:80]
            return hook, f"I read your recent post “{quote}” and wanted to reach out.", "Enjoyed your recent post."
        if hook.get("kind") == "new_role" and title and company:
            return hook, f"Congratulations on your new role as {title} at {company}.", "Congrats on the new role!"
    if title and company:
        return None, f"I'm reaching out because of your role as {title} at {company}.", ""
    return None, "", ""


def _sentence(text: str) -> str:
    text = " ".join(str(text).split())
    if not text:
        return ""
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?" else text + "."


def main() -> None:
    """`python -m outboard.devservers.openai_server --port 8089`: serve until interrupted (for the demo)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8089)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds to wait before each answer")
    args = parser.parse_args()
    server = OpenAIServer(host=args.host, port=args.port, latency_s=args.latency)
    print(f"OpenAI-compatible dev server on {server.base_url} (model {server.model}); Ctrl-C to stop", flush=True)
    server.serve_until_interrupted()


if __name__ == "__main__":
    main()
