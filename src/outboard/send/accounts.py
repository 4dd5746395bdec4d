"""Sender accounts: adding them (secrets sealed), and reading their caps, schedule and connection."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import select
from sqlalchemy.orm import Session

from outboard.core.errors import ValidationError
from outboard.db.models import SenderAccount
from outboard.db.scope import Scope
from outboard.db.timeline import record
from outboard.secrets import SecretBox
from outboard.send.caps import EmailCaps, LinkedInCaps
from outboard.send.channels.email_smtp import Security, SmtpSettings
from outboard.send.channels.linkedin_api import LinkedInApiSettings
from outboard.send.email_message import DkimKey

EMAIL_LIMIT_DEFAULTS: dict[str, Any] = {"daily_cap": 30, "ramp_up": True, "ramp_start": 20, "ramp_per_day": 2,
                                        "min_gap_seconds": 120, "gap_jitter_seconds": 60}
LINKEDIN_LIMIT_DEFAULTS: dict[str, Any] = {"daily_invites": 20, "weekly_invites": 100, "daily_messages": 50,
                                           "pending_invites": 500, "min_gap_seconds": 60, "gap_jitter_seconds": 60,
                                           "invite_withdraw_days": 21, "note_limit": 300}
_INT_LIMITS = {"daily_cap", "ramp_start", "ramp_per_day", "min_gap_seconds", "gap_jitter_seconds", "daily_invites",
               "weekly_invites", "daily_messages", "pending_invites", "invite_withdraw_days", "note_limit"}


def check_timezone(name: str, field: str = "timezone") -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(field, "is not an IANA timezone such as Europe/Berlin", value=name) from None


def validated_limits(kind: str, given: dict[str, Any] | None) -> dict[str, Any]:
    """An account's limits merged over the defaults of its kind and checked: what adding an account and
    changing its limits both store. The cap dataclasses check the arithmetic (nothing negative)."""
    defaults = EMAIL_LIMIT_DEFAULTS if kind == "email" else LINKEDIN_LIMIT_DEFAULTS
    merged = {**defaults, **(given or {})}
    for key, value in merged.items():
        if key not in defaults:
            raise ValidationError(f"limits.{key}", f"unknown limit for {kind} accounts; known: {', '.join(defaults)}")
        if key in _INT_LIMITS and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
            raise ValidationError(f"limits.{key}", "must be a whole number, 0 or more", value=value)
        if key not in _INT_LIMITS and not isinstance(value, bool):
            raise ValidationError(f"limits.{key}", "must be true or false", value=value)
    if "note_limit" in merged and merged["note_limit"] not in (200, 300):
        raise ValidationError("limits.note_limit", "is 300 (premium) or 200 (free LinkedIn accounts)",
                              value=merged["note_limit"])
    if "invite_withdraw_days" in merged and merged["invite_withdraw_days"] < 1:
        raise ValidationError("limits.invite_withdraw_days", "must be at least 1 day",
                              value=merged["invite_withdraw_days"])
    try:
        _caps_from(kind, merged, None)
    except ValidationError as exc:  # the dataclass names its own field: name the limit instead
        name = exc.field.rpartition(".")[2]
        key = {"min_gap": "min_gap_seconds", "gap_jitter": "gap_jitter_seconds"}.get(name, name)
        raise ValidationError(f"limits.{key}", exc.reason) from None
    return merged


def check_address_free(session: Session, workspace_id: int, kind: str, address: str) -> None:
    """One account per address and kind in a workspace: said beside the field instead of a clash later.
    Every way of adding an account (CLI, web, API) goes through it."""
    normalised = address.strip().lower() if kind == "email" else address.strip()
    taken = session.scalar(select(SenderAccount.id).where(
        SenderAccount.workspace_id == workspace_id, SenderAccount.kind == kind, SenderAccount.address == normalised))
    if taken is not None:
        field = "address" if kind == "email" else "profile_id"
        raise ValidationError(field, "is already connected as a sender account", value=normalised)


def add_email_account(session: Session, workspace_id: int, box: SecretBox, *, name: str, address: str,
                      from_name: str, smtp_host: str, smtp_port: int = 587, smtp_security: str = "starttls",
                      smtp_username: str | None = None, smtp_password: str | None = None,
                      imap_host: str | None = None, imap_port: int = 993, imap_security: str = "tls",
                      imap_username: str | None = None, imap_password: str | None = None,
                      timezone: str = "UTC", limits: dict[str, Any] | None = None) -> SenderAccount:
    if "@" not in address or "." not in address.rpartition("@")[2]:
        raise ValidationError("address", "is not an email address", value=address)
    if smtp_security not in {s.value for s in Security}:
        raise ValidationError("smtp_security", "must be starttls, tls or none", value=smtp_security)
    if not 0 < smtp_port < 65536:
        raise ValidationError("smtp_port", "must be a TCP port", value=smtp_port)
    check_timezone(timezone)
    check_address_free(session, workspace_id, "email", address)
    secrets = {}
    if smtp_password:
        secrets["smtp_password"] = box.seal(smtp_password)
    if imap_password:
        secrets["imap_password"] = box.seal(imap_password)
    account = SenderAccount(
        kind="email", name=name, address=address.strip().lower(), timezone=timezone, secrets=secrets,
        connection={"from_name": from_name, "smtp_host": smtp_host, "smtp_port": smtp_port,
                    "smtp_security": smtp_security, "smtp_username": smtp_username, "imap_host": imap_host,
                    "imap_port": imap_port, "imap_security": imap_security,
                    "imap_username": imap_username or smtp_username},
        limits=validated_limits("email", limits),
    )
    Scope(session, workspace_id).add(account)
    session.flush()
    record(session, workspace_id, "account_added", subject=f"account:{account.id}", channel="email", address=address)
    return account


def add_linkedin_account(session: Session, workspace_id: int, box: SecretBox, *, name: str, profile_id: str,
                         provider: str = "manual", api_base_url: str | None = None, api_key: str | None = None,
                         account_ref: str | None = None, timezone: str = "UTC",
                         limits: dict[str, Any] | None = None) -> SenderAccount:
    if provider not in ("manual", "api"):
        raise ValidationError("provider", "must be manual (tasks for a person) or api", value=provider)
    if provider == "api" and not (api_base_url and api_key and account_ref):
        raise ValidationError("provider", "the api provider needs api_base_url, api_key and account_ref")
    check_timezone(timezone)
    check_address_free(session, workspace_id, "linkedin", profile_id)
    account = SenderAccount(
        kind="linkedin", name=name, address=profile_id, timezone=timezone,
        secrets={"api_key": box.seal(api_key)} if api_key else {},
        connection={"provider": provider, "api_base_url": api_base_url, "account_ref": account_ref},
        limits=validated_limits("linkedin", limits),
    )
    Scope(session, workspace_id).add(account)
    session.flush()
    record(session, workspace_id, "account_added", subject=f"account:{account.id}", channel="linkedin",
           provider=provider)
    return account


def _caps_from(kind: str, limits: dict[str, Any], first_send_at: datetime | None) -> EmailCaps | LinkedInCaps:
    gaps = {"min_gap": timedelta(seconds=limits["min_gap_seconds"]),
            "gap_jitter": timedelta(seconds=limits["gap_jitter_seconds"])}
    if kind == "email":
        ramp_from = first_send_at.date() if limits["ramp_up"] and first_send_at else None
        return EmailCaps(daily_cap=limits["daily_cap"], ramp_start=limits["ramp_start"],
                         ramp_per_day=limits["ramp_per_day"], ramp_from=ramp_from, **gaps)
    return LinkedInCaps(daily_invites=limits["daily_invites"], weekly_invites=limits["weekly_invites"],
                        daily_messages=limits["daily_messages"], pending_invites=limits["pending_invites"], **gaps)


def email_caps(account: SenderAccount) -> EmailCaps:
    caps = _caps_from("email", {**EMAIL_LIMIT_DEFAULTS, **account.limits}, account.first_send_at)
    assert isinstance(caps, EmailCaps)
    return caps


def linkedin_caps(account: SenderAccount) -> LinkedInCaps:
    caps = _caps_from("linkedin", {**LINKEDIN_LIMIT_DEFAULTS, **account.limits}, None)
    assert isinstance(caps, LinkedInCaps)
    return caps


def set_limits(session: Session, account: SenderAccount, changes: dict[str, Any], *,
               timezone: str | None = None, by: str | None = None) -> dict[str, Any]:
    """Change some of an account's limits (and its timezone), checked as when it was added; recorded as
    the `account_limits_changed` event with each change's old and new value. Returns the changes."""
    if timezone is not None:
        check_timezone(timezone)
    limits = validated_limits(account.kind, {**account.limits, **changes})
    before = {**(EMAIL_LIMIT_DEFAULTS if account.kind == "email" else LINKEDIN_LIMIT_DEFAULTS), **account.limits}
    changed: dict[str, Any] = {k: {"from": before.get(k), "to": v} for k, v in limits.items() if before.get(k) != v}
    if timezone is not None and timezone != account.timezone:
        changed["timezone"] = {"from": account.timezone, "to": timezone}
        account.timezone = timezone
    if changed:
        account.limits = limits
        record(session, account.workspace_id, "account_limits_changed", subject=f"account:{account.id}",
               changes=changed, by=by)
    return changed


def linkedin_limit(account: SenderAccount, key: str) -> int:
    return int({**LINKEDIN_LIMIT_DEFAULTS, **account.limits}[key])


def smtp_settings(account: SenderAccount, box: SecretBox) -> SmtpSettings:
    c = account.connection
    password = box.open(account.secrets["smtp_password"]).reveal() if "smtp_password" in account.secrets else None
    return SmtpSettings(host=c["smtp_host"], port=int(c["smtp_port"]), security=Security(c["smtp_security"]),
                        username=c.get("smtp_username"), password=password)


def linkedin_api_settings(account: SenderAccount, box: SecretBox) -> LinkedInApiSettings:
    c = account.connection
    if c.get("provider") != "api" or "api_key" not in account.secrets:
        raise ValidationError("provider", f"LinkedIn account {account.id} is not connected to an API provider")
    return LinkedInApiSettings(base_url=c["api_base_url"], api_key=box.open(account.secrets["api_key"]).reveal(),
                               account_id=c["account_ref"], note_limit=linkedin_limit(account, "note_limit"))


def pause_account(session: Session, account: SenderAccount, reason: str) -> None:
    """Stop an account from sending (bounce spike, reputation block, bad credentials, LinkedIn warning)."""
    if account.status == "paused" and account.status_reason == reason:
        return
    account.status, account.status_reason = "paused", reason
    record(session, account.workspace_id, "account_paused", subject=f"account:{account.id}", reason=reason)


def resume_account(session: Session, account: SenderAccount) -> None:
    account.status, account.status_reason = "active", None
    record(session, account.workspace_id, "account_resumed", subject=f"account:{account.id}")


_DKIM_SELECTOR = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9_-]{0,62})(?:\.[A-Za-z0-9_-]{1,63})*$")


def set_dkim(session: Session, account: SenderAccount, box: SecretBox, *, selector: str, private_key_pem: str,
             domain: str | None = None, by: str | None = None) -> None:
    """Let Outboard DKIM-sign this mailbox's emails: the private key (PEM, RSA) is sealed in `secrets`, the
    selector and signing domain (default: the From address's domain) go to `connection`."""
    if account.kind != "email":
        raise ValidationError("account", "DKIM signing is for email accounts", value=account.id)
    selector = selector.strip()
    if not _DKIM_SELECTOR.match(selector):
        raise ValidationError("selector", "is not a DKIM selector such as s1 or mail2026", value=selector)
    signing_domain = (domain or account.address.rpartition("@")[2]).strip().lower().rstrip(".")
    if not signing_domain or "." not in signing_domain:
        raise ValidationError("domain", "is not a domain name", value=signing_domain)
    pem = private_key_pem.strip() + "\n"
    try:
        key = serialization.load_pem_private_key(pem.encode(), password=None)
    except (ValueError, TypeError) as exc:
        raise ValidationError("key", "is not an unencrypted PEM private key (-----BEGIN PRIVATE KEY----- or "
                                     "-----BEGIN RSA PRIVATE KEY-----)") from exc
    if not isinstance(key, rsa.RSAPrivateKey) or key.key_size < 1024:
        raise ValidationError("key", "must be an RSA key of at least 1024 bits (2048 recommended)")
    # DKIM (dkimpy) reads the traditional RSA PEM form; store that whatever form was given.
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                            serialization.NoEncryption()).decode()
    account.secrets = {**account.secrets, "dkim_private_key": box.seal(pem)}
    account.connection = {**account.connection, "dkim_selector": selector, "dkim_domain": signing_domain}
    record(session, account.workspace_id, "account_dkim_set", subject=f"account:{account.id}",
           selector=selector, domain=signing_domain, by=by)


def dkim_key(account: SenderAccount, box: SecretBox) -> DkimKey | None:
    """The account's DKIM signing key, when one was set."""
    sealed, selector = account.secrets.get("dkim_private_key"), account.connection.get("dkim_selector")
    if not sealed or not selector:
        return None
    domain = account.connection.get("dkim_domain") or account.address.rpartition("@")[2]
    return DkimKey(domain, selector, box.open(sealed).reveal().encode())
