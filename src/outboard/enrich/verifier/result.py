"""What a verification returns: a verdict, why, and the evidence behind it (JSON-ready)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from outboard.core.verdicts import EmailVerdict


class Reason(StrEnum):
    # valid / catch_all
    ACCEPTED = "accepted"  # the MX accepted the mailbox and rejects made-up ones
    CATCH_ALL = "catch_all"  # the MX accepts made-up mailboxes too: acceptance proves nothing
    # invalid
    SYNTAX = "syntax"
    QUOTED_LOCAL_PART = "quoted_local_part"
    DOMAIN_NOT_FOUND = "domain_not_found"  # NXDOMAIN
    NO_MAIL_SERVER = "no_mail_server"  # no MX and no address to fall back to
    NULL_MX = "null_mx"  # RFC 7505: the domain declares it takes no mail
    MAILBOX_NOT_FOUND = "mailbox_not_found"  # 5.1.x
    MAILBOX_DISABLED = "mailbox_disabled"  # 5.2.1
    MAILBOX_FULL = "mailbox_full"  # 5.2.2 / 552
    REJECTED = "rejected"  # other permanent refusal of the recipient
    # unknown
    DNS_TIMEOUT = "dns_timeout"
    DNS_ERROR = "dns_error"
    GREYLISTED = "greylisted"
    RATE_LIMITED = "rate_limited"  # 421, 452
    TEMPORARY_FAILURE = "temporary_failure"  # other 4xx
    POLICY_REJECTED = "policy_rejected"  # 5.7.x: the server refuses *us*, not the mailbox
    SENDER_REJECTED = "sender_rejected"  # MAIL FROM or HELO refused
    CONNECTION_FAILED = "connection_failed"
    CONNECTION_CLOSED = "connection_closed"
    TIMEOUT = "timeout"
    PROTOCOL_ERROR = "protocol_error"
    SMTPUTF8_UNSUPPORTED = "smtputf8_unsupported"
    CATCH_ALL_UNDETERMINED = "catch_all_undetermined"


@dataclass
class Verification:
    """One address, one verdict. Every field is a JSON scalar, so `json.dumps(asdict(v))` works."""

    address: str  # as given
    verdict: EmailVerdict
    reason: Reason
    detail: str  # one sentence for people
    normalized: str | None = None  # the address as it should be stored (IDN domain in Unicode)
    domain: str | None = None  # ASCII (punycode) domain, the DNS form
    retryable: bool = False  # an unknown verdict that may change if asked again later
    disposable: bool = False
    role: bool = False
    free_provider: bool = False
    mx_host: str | None = None
    mx_ip: str | None = None
    implicit_mx: bool = False  # no MX record: the domain's own address was used (RFC 5321 §5.1)
    smtp_code: int | None = None
    enhanced_status: str | None = None  # RFC 3463, e.g. "5.1.1"
    smtp_message: str | None = None
    catch_all_probe_code: int | None = None  # the reply code to RCPT for a random mailbox
    attempts: int = 0  # SMTP transactions (MAIL FROM … RCPT TO) spent on this address
    started_at: str = ""  # ISO 8601, UTC
    finished_at: str = ""
    duration_ms: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["verdict"] = self.verdict.value
        data["reason"] = self.reason.value
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Verification:
        fields = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in data.items() if k in fields}
        values["verdict"] = EmailVerdict(values["verdict"])
        values["reason"] = Reason(values["reason"])
        return cls(**values)
