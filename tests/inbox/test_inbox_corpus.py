"""Every message of the hand-written corpus is classified as tests/inbox/corpus/expected.toml says."""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from outboard.inbox.classify import Classification, classify
from outboard.inbox.parse import SYNTHETIC_DOMAIN, ParsedMail, parse_message

CORPUS = Path(__file__).parent / "corpus"
EXPECTED: dict[str, dict[str, Any]] = tomllib.loads((CORPUS / "expected.toml").read_text("utf-8"))


def _none(value: object) -> object:
    return None if value == "none" else value


def check(name: str, mail: ParsedMail, result: Classification, expected: dict[str, Any]) -> list[str]:
    """Differences between a classification and the manifest entry, as readable lines."""
    errors: list[str] = []

    def compare(field: str, actual: object, wanted: object) -> None:
        if actual != wanted:
            errors.append(f"{field}: expected {wanted!r}, got {actual!r}")

    for field, wanted in expected.items():
        if field == "what":
            continue
        if field == "kind":
            compare(field, result.kind.value, wanted)
        elif field == "label":
            compare(field, result.label.value if result.label else None, _none(wanted))
        elif field == "return_date":
            compare(field, result.return_date, wanted if isinstance(wanted, date) else None)
        elif field in ("failed_recipient", "status", "hard", "delayed", "unsubscribe_token", "referred_email",
                       "referred_name", "needs_review", "original_message_id", "message_id", "subject"):
            compare(field, getattr(result, field), _none(wanted))
        elif field == "from_name":
            compare(field, mail.from_name, wanted)
        elif field == "synthetic_id":
            compare(field, result.message_id.endswith(f"@{SYNTHETIC_DOMAIN}>"), wanted)
        elif field == "new_text_contains":
            if wanted.lower() not in result.new_text.lower():
                errors.append(f"new text lacks {wanted!r}: {result.new_text!r}")
        elif field == "new_text_excludes":
            if wanted.lower() in result.new_text.lower():
                errors.append(f"new text holds {wanted!r}: {result.new_text!r}")
        elif field == "problems_contains":
            if not any(wanted in problem for problem in result.problems):
                errors.append(f"no problem mentions {wanted!r}: {list(result.problems)}")
        else:
            errors.append(f"unknown manifest field {field!r}")
    return errors


def test_manifest_covers_the_corpus() -> None:
    files = {p.name for p in CORPUS.glob("*.eml")}
    assert files == set(EXPECTED), f"missing from manifest: {files - set(EXPECTED)}; " \
                                   f"missing files: {set(EXPECTED) - files}"
    assert len(files) >= 70


def test_corpus_covers_every_kind() -> None:
    kinds = {entry["kind"] for entry in EXPECTED.values()}
    assert kinds == {"bounce", "out_of_office", "auto_reply", "opt_out", "reply", "unparseable"}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_message(name: str) -> None:
    mail = parse_message((CORPUS / name).read_bytes())
    result = classify(mail)
    errors = check(name, mail, result, EXPECTED[name])
    assert not errors, f"{name}: " + "; ".join(errors) + f"\nreasons: {list(result.reasons)}"


@pytest.mark.parametrize("name", sorted(EXPECTED)[:: 7])
def test_classification_is_deterministic(name: str) -> None:
    raw = (CORPUS / name).read_bytes()
    assert classify(raw) == classify(raw)
