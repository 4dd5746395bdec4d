"""/api/docs: the API reference rendered from the OpenAPI schema on the server (no CDN, no script)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from outboard.web.templating import plain

router = APIRouter()
METHODS = ("get", "post", "put", "patch", "delete")


def type_name(schema: dict[str, Any] | None) -> str:
    """A short readable type: `LeadOut`, `list[PlayOut]`, `integer | null`."""
    if not schema:
        return ""
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    if "anyOf" in schema:
        return " | ".join(type_name(s) for s in schema["anyOf"])
    if schema.get("type") == "array":
        return f"list[{type_name(schema.get('items'))}]"
    if "enum" in schema:
        return " | ".join(repr(v) for v in schema["enum"])
    return str(schema.get("type", "object"))


def _operations(schema: dict[str, Any]) -> list[dict[str, Any]]:
    operations = []
    for path, item in schema.get("paths", {}).items():
        for method in METHODS:
            if method not in item:
                continue
            op = item[method]
            body = next(iter(op.get("requestBody", {}).get("content", {}).values()), {}).get("schema")
            operations.append({
                "method": method.upper(), "path": "/api" + path, "summary": op.get("summary", ""),
                "description": op.get("description", ""),
                "parameters": [{"name": p["name"], "in": p["in"], "required": p.get("required", False),
                                "type": type_name(p.get("schema")), "description": p.get("description", "")}
                               for p in op.get("parameters", [])],
                "body": type_name(body),
                "responses": [(code, r.get("description", ""),
                               type_name(next(iter(r.get("content", {}).values()), {}).get("schema")))
                              for code, r in op.get("responses", {}).items()],
            })
    return operations


def _models(schema: dict[str, Any]) -> list[dict[str, Any]]:
    models = []
    for name, model in sorted(schema.get("components", {}).get("schemas", {}).items()):
        required = set(model.get("required", []))
        fields = [{"name": field, "type": type_name(spec), "required": field in required,
                   "description": spec.get("description", "")}
                  for field, spec in model.get("properties", {}).items()]
        models.append({"name": name, "fields": fields})
    return models


@router.get("/api/docs")
def api_docs(request: Request) -> Response:
    schema = request.app.state.api.openapi()
    return plain(request, "api_docs.html", {"schema": schema, "operations": _operations(schema),
                                            "models": _models(schema)})
