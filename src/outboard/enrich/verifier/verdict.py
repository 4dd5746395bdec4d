"""From SMTP replies to verdicts. Pure functions: the rules can be read (and tested) on their own."""

from __future__ import annotations

from dataclasses import dataclass

from outboard.core.verdicts import EmailVerdict
from outboard.enrich.verifier.result import Reason
from outboard.enrich.verifier.smtp import Reply, SmtpFailure

# Words that mark a refusal of the *sender* (block lists, reputation) rather than of the mailbox.
_STRONG_POLICY_WORDS = ("blacklist", "blocklist", "blocked using", "spamhaus", "rbl", "reputation")
_POLICY_WORDS = ("block", "spam", "policy", "denied", "relay", "not permitted", "not allowed", "banned", "abuse")
_MAILBOX_WORDS = ("unknown", "no such", "does not exist", "doesn't exist", "not found", "invalid",
                  "unavailable", "disabled", "no mailbox", "not exist", "user not")


@dataclass(frozen=True)
class Outcome:
    verdict: EmailVerdict
    reason: Reason
    retryable: bool
    detail: str


def _unknown(reason: Reason, detail: str, retryable: bool = True) -> Outcome:
    return Outcome(EmailVerdict.UNKNOWN, reason, retryable, detail)


def _invalid(reason: Reason, detail: str) -> Outcome:
    return Outcome(EmailVerdict.INVALID, reason, False, detail)


def _is_policy(reply: Reply) -> bool:
    enhanced = reply.enhanced or ""
    if enhanced.startswith("5.7."):
        return True
    text = reply.text.lower()
    if any(w in text for w in _STRONG_POLICY_WORDS):
        return True
    return any(w in text for w in _POLICY_WORDS) and not any(w in text for w in _MAILBOX_WORDS)


def transient(reply: Reply) -> Outcome:
    """Any 4xx: nothing is known about the mailbox yet."""
    enhanced = reply.enhanced or ""
    text = reply.text.lower()
    if "grey" in text or "gray" in text or (reply.code in (450, 451) and enhanced.startswith("4.7.")):
        return _unknown(Reason.GREYLISTED, f"greylisted by the server ({reply}); ask again later")
    if enhanced == "4.2.2":
        return _unknown(Reason.MAILBOX_FULL, f"the mailbox is full for now ({reply})")
    if reply.code in (421, 452) or enhanced in ("4.5.3", "4.7.0", "4.3.2"):
        return _unknown(Reason.RATE_LIMITED, f"the server is busy or limiting us ({reply}); ask again later")
    return _unknown(Reason.TEMPORARY_FAILURE, f"temporary failure ({reply}); ask again later")


def from_rcpt(reply: Reply) -> Outcome:
    """The server's answer to RCPT TO for the address itself."""
    if 200 <= reply.code < 300:
        return Outcome(EmailVerdict.VALID, Reason.ACCEPTED, False, f"the mail server accepts this mailbox ({reply})")
    if 400 <= reply.code < 500:
        return transient(reply)
    if reply.code < 500 or reply.code >= 600:
        return _unknown(Reason.PROTOCOL_ERROR, f"unexpected reply to RCPT ({reply})", retryable=False)
    enhanced = reply.enhanced or ""
    if _is_policy(reply):
        return _unknown(Reason.POLICY_REJECTED, f"the server refused us, not the mailbox ({reply}); "
                        "check the HELO name, MAIL FROM and the sending IP's reputation", retryable=False)
    if enhanced.startswith("5.1."):
        return _invalid(Reason.MAILBOX_NOT_FOUND, f"the mailbox does not exist ({reply})")
    if enhanced == "5.2.1":
        return _invalid(Reason.MAILBOX_DISABLED, f"the mailbox is disabled ({reply})")
    if enhanced == "5.2.2" or reply.code == 552:
        return _invalid(Reason.MAILBOX_FULL, f"the mailbox is full and refuses mail ({reply})")
    if reply.code in (500, 502, 503, 504) or enhanced.startswith("5.5."):
        return _unknown(Reason.PROTOCOL_ERROR, f"the server did not take our RCPT command ({reply})",
                        retryable=False)
    return _invalid(Reason.REJECTED, f"the server refuses this recipient ({reply})")


def from_stage(stage: str, reply: Reply) -> Outcome:
    """A non-2xx reply before RCPT (greeting, EHLO/HELO, MAIL FROM)."""
    if 400 <= reply.code < 500:
        return transient(reply)
    if stage == "greeting":
        return _unknown(Reason.POLICY_REJECTED, f"the server refused the connection ({reply})", retryable=False)
    if stage == "helo":
        return _unknown(Reason.SENDER_REJECTED, f"the server refused our HELO name ({reply})", retryable=False)
    if stage == "mail":
        return _unknown(Reason.SENDER_REJECTED, f"the server refused our MAIL FROM ({reply})", retryable=False)
    return _unknown(Reason.PROTOCOL_ERROR, f"unexpected reply at {stage} ({reply})", retryable=False)


def from_failure(failure: SmtpFailure) -> Outcome:
    return _unknown(failure.reason, failure.detail, retryable=failure.reason is not Reason.PROTOCOL_ERROR)


def with_catch_all(outcome: Outcome, catch_all: bool | None, probed: bool) -> Outcome:
    """An accepted address is only valid when the domain is known to reject made-up mailboxes."""
    if outcome.verdict is not EmailVerdict.VALID:
        return outcome
    if catch_all:
        return Outcome(EmailVerdict.CATCH_ALL, Reason.CATCH_ALL, False,
                       "the domain accepts any mailbox, so acceptance proves nothing about this one")
    if catch_all is None and probed:
        return _unknown(Reason.CATCH_ALL_UNDETERMINED, "the mailbox was accepted, but whether the domain "
                        "accepts every mailbox could not be checked; ask again later")
    return outcome
