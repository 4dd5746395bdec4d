"""Bounces: RFC 3464 delivery status notifications and the free-text NDRs of MTAs that do not send them.

Hard means the address is dead (user unknown, bad domain, disabled account): mark it invalid and suppress.
Soft means it may work later (mailbox full, greylisting, our own reputation blocked by policy): count it.
A "delayed" notice is not a bounce at all yet: the MTA is still trying.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from outboard.inbox.parse import ParsedMail
from outboard.inbox.text import find_emails, fold

_ENHANCED = re.compile(r"(?<![\d.])([245])\.(\d{1,3})\.(\d{1,3})(?!\.?\d)")
_SMTP_CODE = re.compile(r"(?:^|said:|returned\s+'|error[^\n]{0,80}?:|\(?reason:|\bsmtp;|#)\s*([45]\d\d)\b",
                        re.MULTILINE | re.IGNORECASE)
_DAEMON = re.compile(r"^(?:mailer[-_.]?daemon|mail[-_.]?daemon|postmaster|microsoftexchange[0-9a-f]*|"
                     r"mail[-_.]?delivery[-_.]?(?:system|subsystem)?|bounces?|nobody)$")
_DAEMON_NAME = re.compile(r"mail delivery (?:system|subsystem)|mailer[- ]daemon|postmaster|"
                          r"mail administrator|microsoft outlook|mail delivery")
_NDR_SUBJECT = re.compile(
    r"undeliver(?:ed|able)|returned mail|returning message to sender|mail delivery (?:failed|failure|system|"
    r"subsystem)|delivery status notification|failure notice|delivery (?:failure|failed|has failed|problem|"
    r"incomplete|notification)|non[- ]?delivery|(?:could|can)\s?not be delivered|not delivered|delivery delayed|"
    r"delayed mail|warning: could not send|unzustellbar|nicht zustellbar|non remis|non distribuable|echec de (?:la )?"
    r"(?:remise|distribution)|no se (?:puede|pudo) entregar|no entregado|non recapitabile|mancato recapito|"
    r"onbestelbaar|niet bezorgd|nao (?:foi )?entregue|falha na entrega"
)
_NDR_BODY = re.compile(
    r"could ?not be delivered|couldn't be delivered|wasn't delivered|was not delivered|permanent (?:error|failure)"
    r"|fatal error|delivery (?:has )?failed|following address(?:es)? (?:failed|had permanent)|wasn't able to "
    r"deliver|qmail-send program|mail delivery software|delivery to the following recipients? (?:has )?failed|"
    r"delivery has failed to these recipients|remote server returned|diagnostic-code|smtp error from remote|"
    r"user unknown|no such user|address not found|recipient address rejected|message not delivered|"
    r"returned to sender|konnte nicht zugestellt|nicht zugestellt werden|n'a pas pu etre (?:remis|distribue)|"
    r"no se (?:pudo|ha podido) entregar|non e stato possibile recapitare|kon niet worden (?:bezorgd|afgeleverd)|"
    r"nao foi possivel entregar|delivery (?:is )?delayed|has not (?:yet )?been delivered|delivery attempts will "
    r"continue|could not send message for past"
)
_DELAYED = re.compile(
    r"\bdelay(?:ed)?\b|will (?:continue to )?(?:retry|be retried)|still (?:trying|being retried)|has not (?:yet )?"
    r"been delivered|delivery attempts will continue|could not send message for past|verzogert|retarde|"
    r"retrasad|ritardat|vertraagd|atrasad"
)
_PERMANENT = re.compile(r"permanent|fatal|given up|giving up|gave up|no (?:further|more) (?:attempts|retries)")
_USER_UNKNOWN = re.compile(
    r"user unknown|unknown user|no such (?:user|mailbox|recipient|address|person)|does ?n[o']t exist|not exist|"
    r"address not found|recipient not found|recipientnotfound|recipnotfound|invalid (?:recipient|mailbox|"
    r"address)|mailbox (?:unavailable|not found|does not exist|is disabled|disabled|inactive)|unknown "
    r"(?:recipient|mailbox|address)|no mailbox here|user not found|account (?:has been |is )?(?:disabled|"
    r"deactivated|closed|suspended|inactive)|undeliverable address|unrouteable address|adr\.recip|"
    r"no longer (?:active|valid|available)|mailbox unknown|bad destination mailbox"
)
_DOMAIN_BAD = re.compile(r"host or domain name not found|domain (?:not found|does ?n[o']t exist)|no mx\b|"
                         r"name service error|nxdomain|unrouteable (?:mail )?domain|host not found|null mx|"
                         r"domain name not found|dns error")
_FULL = re.compile(r"mailbox (?:is )?full|over (?:the )?(?:allowed )?quota|quota exceeded|exceed(?:s|ed)? (?:the |"
                   r"their |his |her )?(?:storage|quota)|insufficient (?:system )?storage|out of storage|"
                   r"storage (?:limit|quota)|mailbox size limit|mailfolder is over|inbox is full")
_POLICY = re.compile(r"spam|blocked|blacklist|block ?list|denylist|reputation|policy|not authori[sz]ed|"
                     r"unauthenticated|dmarc|\bspf\b|\bdkim\b|relay(?:ing)? (?:access )?denied|banned|\brbl\b|"
                     r"spamhaus|content rejected|message rejected|access denied")
_TRANSIENT = re.compile(r"timed? ?out|retry timeout|retry time|try again later|temporar|greylist|"
                        r"connection (?:refused|reset|timed out)|too many|rate limit|deferred|"
                        r"(?:could|unable to) (?:not )?connect|message too (?:big|large)|size exceeds")
_ANCHORS = re.compile(
    r"following address(?:es)?(?: had permanent fatal errors| failed)?|your message (?:to|wasn't delivered to|"
    r"couldn't be delivered to|could not be delivered to)|delivery to the following recipients?|delivery has "
    r"failed to these recipients or groups|could not be delivered to|konnte nicht an|nicht zugestellt werden|"
    r"n'a pas pu etre remis a|failed recipient|original recipient|wasn't able to deliver your message to|"
    r"address not found|recipient address rejected|destinataire|empfanger|destinatario|ontvanger"
)


@dataclass(frozen=True)
class RecipientStatus:
    recipient: str | None
    original_recipient: str | None
    action: str | None
    status: str | None
    diagnostic: str | None


@dataclass(frozen=True)
class Bounce:
    failed_recipient: str | None
    status: str | None
    hard: bool
    delayed: bool  # a "still trying" notice: not a final bounce, nothing to act on yet
    source: str  # "dsn" (RFC 3464 report) or "ndr" (free text)
    diagnostic: str | None
    original_message_id: str | None
    recipients: tuple[RecipientStatus, ...]
    reasons: tuple[str, ...]


def _address(value: str | None) -> str | None:
    if not value:
        return None
    value = value.split(";", 1)[-1].strip().strip("<>").strip()
    return value.lower() or None


def _enhanced(text: str | None) -> str | None:
    match = _ENHANCED.search(text or "")
    return ".".join(match.groups()) if match else None


def _best_status(status: str | None, diagnostic: str | None) -> str | None:
    """The DSN Status field, or the more precise code from the diagnostic when the field says x.0.0."""
    field = _enhanced(status)
    detail = _enhanced(diagnostic)
    if field and detail and field.endswith(".0.0") and detail[0] == field[0]:
        return detail
    if field:
        return field
    if detail:
        return detail
    code = _SMTP_CODE.search(diagnostic or "")
    return f"{code.group(1)[0]}.0.0" if code else None


def parse_delivery_status(text: str) -> list[RecipientStatus]:
    """Per-recipient blocks of a message/delivery-status body (RFC 3464), unfolded and tolerant."""
    text = re.sub(r"\r?\n[ \t]+", " ", text.replace("\r\n", "\n"))
    out: list[RecipientStatus] = []
    for block in re.split(r"\n\s*\n", text):
        fields: dict[str, str] = {}
        for line in block.split("\n"):
            name, sep, value = line.partition(":")
            if sep and name.strip():
                fields.setdefault(name.strip().lower(), value.strip())
        if not ({"final-recipient", "original-recipient", "action"} & fields.keys()):
            continue
        out.append(RecipientStatus(
            recipient=_address(fields.get("final-recipient")) or _address(fields.get("original-recipient")),
            original_recipient=_address(fields.get("original-recipient")),
            action=(fields.get("action") or "").split()[0].lower() if fields.get("action") else None,
            status=_best_status(fields.get("status"), fields.get("diagnostic-code")),
            diagnostic=fields.get("diagnostic-code") or None,
        ))
    return out


def severity(status: str | None, diagnostic: str, *, permanent_wording: bool = False) -> tuple[bool, str]:
    """(hard, why) for a final failure; the text decides where the code is vague."""
    text = fold(diagnostic)
    if status and status.startswith("4"):
        return False, f"temporary failure {status}"
    if status in ("5.2.2", "5.2.3") or _FULL.search(text):
        return False, f"mailbox full {status or ''}".strip()
    if status and (status.startswith("5.1.") or status == "5.2.1"):
        return True, f"address rejected {status}"
    if _USER_UNKNOWN.search(text):
        return True, "recipient does not exist"
    if _DOMAIN_BAD.search(text):
        return True, "domain does not exist or has no mail server"
    if (status and status.startswith("5.7.")) or _POLICY.search(text):
        return False, "rejected by policy (spam or reputation), not an address problem"
    if (status and status[:4] in ("5.3.", "5.4.", "5.6.")) or _TRANSIENT.search(text):
        return False, f"delivery problem that may pass {status or ''}".strip()
    if status and status.startswith("5"):
        return True, f"permanent failure {status}"
    if permanent_wording:
        return True, "permanent failure (no status code)"
    return False, "failure without a status code"


def _is_daemon(address: str, name: str) -> bool:
    local = address.split("@", 1)[0]
    return bool(_DAEMON.match(local) or _DAEMON_NAME.search(fold(name)))


def _failed_from_text(mail: ParsedMail, text: str) -> str | None:
    excluded = {mail.from_address, *mail.recipients}
    candidates = [a for a in find_emails(text) if a not in excluded and not _is_daemon(a, "")]
    anchored = None
    folded = fold(text)
    for anchor in _ANCHORS.finditer(folded):
        after = find_emails(folded[anchor.end(): anchor.end() + 300])
        anchored = next((a for a in after if a in candidates), None)
        if anchored:
            break
    returned_to = mail.returned.to if mail.returned else ()
    for candidate in ([anchored] if anchored else []) + candidates:
        if candidate in returned_to:
            return candidate
    if len(returned_to) == 1:
        return returned_to[0]
    return anchored or (candidates[0] if candidates else None)


def _reply_prefixed(subject: str) -> bool:
    return bool(re.match(r"^\s*(?:re|aw|sv|antw|wg|fwd?|tr|rv|r|i)\s*:", subject, re.IGNORECASE))


def detect_bounce(mail: ParsedMail) -> Bounce | None:
    """A Bounce when the message reports a failed (or delayed) delivery, else None."""
    reasons: list[str] = []
    subject = fold(mail.subject)
    body = mail.text[:20_000]
    folded_body = fold(body)
    original_id = mail.returned.message_id if mail.returned else None
    failed_header = _address((mail.headers.get("x-failed-recipients") or "").split(",")[0])

    if mail.report_type == "delivery-status" or mail.delivery_status:
        rows = parse_delivery_status(mail.delivery_status or "")
        if rows:
            failed = [r for r in rows if r.action == "failed"]
            delayed = [r for r in rows if r.action == "delayed"]
            if not failed and not delayed:
                return None  # delivered / relayed / expanded: a success notice, not a bounce
            row = (failed or delayed)[0]
            reasons.append(f"delivery status notification (RFC 3464), action {row.action}")
            if failed:  # the report's own diagnostic is precise; the human-readable part is a fallback
                hard, why = severity(row.status, row.diagnostic or body[:3000])
            else:
                hard, why = False, "delivery delayed; the server is still retrying"
            reasons.append(why)
            return Bounce(row.recipient or failed_header or _failed_from_text(mail, body), row.status, hard,
                          not failed, "dsn", row.diagnostic, original_id, tuple(rows), tuple(reasons))

    daemon = _is_daemon(mail.from_address, mail.from_name)
    ndr_subject = bool(_NDR_SUBJECT.search(subject)) and not _reply_prefixed(mail.subject)
    ndr_body = bool(_NDR_BODY.search(folded_body))
    null_sender = mail.return_path == ""
    if failed_header:
        reasons.append("X-Failed-Recipients header")
    elif daemon and (ndr_subject or ndr_body):
        reasons.append(f"sent by {mail.from_address or mail.from_name} with "
                       + ("a non-delivery subject" if ndr_subject else "non-delivery wording"))
    elif ndr_subject and (ndr_body or null_sender):
        reasons.append("non-delivery subject and " + ("wording" if ndr_body else "null sender"))
    else:
        return None

    failed = failed_header or _failed_from_text(mail, body)
    status = _best_status(None, body)
    permanent = bool(_PERMANENT.search(folded_body))
    delayed = not permanent and bool(_DELAYED.search(subject) or _DELAYED.search(folded_body[:3000]))
    if delayed:
        hard, why = False, "delivery delayed; the server is still retrying"
    else:
        hard, why = severity(status, body[:5000], permanent_wording=permanent)
    reasons.append(why)
    diagnostic = None
    if status:
        line = next((ln.strip() for ln in body.splitlines() if status in ln or status.replace(".0.0", "") in ln), "")
        diagnostic = line[:300] or None
    return Bounce(failed, status, hard, delayed, "ndr", diagnostic, original_id, (), tuple(reasons))
