"""Address syntax: email-validator's rules, with clear reasons instead of exceptions."""

from __future__ import annotations

from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email

from outboard.enrich.verifier.result import Reason

MAX_LOCAL_PART = 64  # RFC 5321 §4.5.3.1.1
MAX_ADDRESS = 254  # RFC 5321 path limit (256) minus the angle brackets


@dataclass(frozen=True)
class ParsedAddress:
    original: str
    normalized: str  # Unicode domain, local part as written (case kept: it may matter to the MX)
    local_part: str
    domain: str  # Unicode form, lowercase
    ascii_domain: str  # the form DNS and SMTP use
    needs_smtputf8: bool  # the local part is not ASCII

    @property
    def smtp_address(self) -> str:
        """The address as sent in RCPT TO."""
        return f"{self.local_part}@{self.ascii_domain}"


@dataclass(frozen=True)
class SyntaxProblem:
    original: str
    reason: Reason
    detail: str


def parse_address(raw: object, *, allow_test_domains: bool = False) -> ParsedAddress | SyntaxProblem:
    """Parse one address. Never raises: a bad address becomes a `SyntaxProblem` naming what is wrong."""
    if not isinstance(raw, str):
        return SyntaxProblem(repr(raw), Reason.SYNTAX, f"an email address must be text, got {type(raw).__name__}")
    text = raw.strip()
    if not text:
        return SyntaxProblem(raw, Reason.SYNTAX, "the address is empty")
    local, at, _ = text.rpartition("@")
    if at and len(local) > MAX_LOCAL_PART and not local.startswith('"'):
        return SyntaxProblem(raw, Reason.SYNTAX, f"the part before the @ is {len(local)} characters long; "
                             f"the limit is {MAX_LOCAL_PART} (RFC 5321)")
    if len(text) > 4 * MAX_ADDRESS:  # do not hand megabytes to the validator
        return SyntaxProblem(raw, Reason.SYNTAX, f"the address is {len(text)} characters long; "
                             f"the limit is {MAX_ADDRESS}")
    try:
        result = validate_email(text, check_deliverability=False, allow_quoted_local=True,
                                test_environment=allow_test_domains)
    except EmailNotValidError as exc:
        return SyntaxProblem(raw, Reason.SYNTAX, str(exc))
    except Exception as exc:  # the validator's own bugs must not stop a batch
        return SyntaxProblem(raw, Reason.SYNTAX, f"the address could not be parsed ({type(exc).__name__})")
    if result.local_part.startswith('"'):
        # Quotes that were not needed are already gone ("jane"@x → jane@x); these ones are needed.
        return SyntaxProblem(raw, Reason.QUOTED_LOCAL_PART,
                             "the part before the @ only works in quotes (it has spaces or special "
                             "characters); RFC 5322 allows that, but mail providers do not create or "
                             "accept such mailboxes, so it is not safe to send to")
    return ParsedAddress(
        original=raw,
        normalized=result.normalized,
        local_part=result.local_part,
        domain=result.domain.lower(),
        ascii_domain=result.ascii_domain.lower(),
        needs_smtputf8=not result.local_part.isascii(),
    )
