"""The network half of sending: claimed tickets go out, one connection per account (SMTP or the LinkedIn
API provider), concurrently across accounts. Nothing here touches the database.

A `Dispatcher` keeps one event loop, and the SMTP connections open on it, from one batch to the next.
(Sending on a thread of its own while the next batch is claimed was tried: on two busy cores the thread
hand-offs cost more CPU per email than the overlap saved.)
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Callable
from types import TracebackType

from outboard.core.sequence import Channel
from outboard.send.channels.email_smtp import SmtpChannel, SmtpSettings
from outboard.send.channels.linkedin_api import LinkedInApiClient, LinkedInApiError, LinkedInApiSettings
from outboard.send.claim import Ticket
from outboard.send.outcomes import Failed, Outcome

SmtpSettingsFor = Callable[[int], SmtpSettings]
LinkedInSettingsFor = Callable[[int], LinkedInApiSettings]


class SmtpPool:
    """One open SMTP channel per account's settings, for as long as the pool lives (one event loop)."""

    def __init__(self) -> None:
        self._channels: dict[SmtpSettings, SmtpChannel] = {}

    def channel(self, settings: SmtpSettings) -> SmtpChannel:
        if settings not in self._channels:
            self._channels[settings] = SmtpChannel(settings)
        return self._channels[settings]

    async def aclose(self) -> None:
        channels, self._channels = list(self._channels.values()), {}
        for channel in channels:
            await channel.close()


async def _send_emails(tickets: list[Ticket], channel: SmtpChannel) -> list[tuple[Ticket, Outcome]]:
    done: list[tuple[Ticket, Outcome]] = []
    for ticket in tickets:
        assert ticket.payload is not None
        done.append((ticket, await channel.send(ticket.payload["email"])))
    return done


async def _linkedin_action(client: LinkedInApiClient, ticket: Ticket) -> Outcome:
    assert ticket.payload is not None
    if ticket.action == "withdraw":
        return await client.withdraw_invitation(ticket.payload["invitation_id"])
    try:
        # The provider addresses people by its own id; the lead is stored by public profile id.
        profile = await client.get_profile(ticket.payload["linkedin_id"])
    except LinkedInApiError as error:
        return error.outcome
    if ticket.channel is Channel.LINKEDIN_INVITE:
        text, limit = ticket.payload["text"], client.settings.note_limit
        if len(text) > limit:  # refused before any request: only this message fails, the batch goes on
            return Failed(None, "invite_note", f"the invite note is {len(text)} characters; this LinkedIn "
                                               f"account's note limit (limits.note_limit) is {limit}")
        return await client.send_invitation(profile.provider_id, text)
    return await client.send_message(ticket.payload["text"], attendee_provider_id=profile.provider_id)


async def _send_linkedin(tickets: list[Ticket], settings: LinkedInApiSettings) -> list[tuple[Ticket, Outcome]]:
    async with LinkedInApiClient(settings) as client:
        return [(ticket, await _linkedin_action(client, ticket)) for ticket in tickets]


async def send_tickets(tickets: list[Ticket], smtp_settings_for: SmtpSettingsFor,
                       linkedin_settings_for: LinkedInSettingsFor,
                       pool: SmtpPool | None = None) -> list[tuple[Ticket, Outcome]]:
    """Send every ticket; SMTP connections come from `pool` (left open) or are opened and closed here."""
    own = pool is None
    smtp = SmtpPool() if pool is None else pool
    groups: dict[tuple[int, str], list[Ticket]] = defaultdict(list)
    for ticket in tickets:
        groups[(ticket.account_id, ticket.provider)].append(ticket)
    work = []
    for (account_id, provider), group in groups.items():
        if provider == "smtp":
            work.append(_send_emails(group, smtp.channel(smtp_settings_for(account_id))))
        elif provider == "api":
            work.append(_send_linkedin(group, linkedin_settings_for(account_id)))
    try:
        results = await asyncio.gather(*work)
    finally:
        if own:
            await smtp.aclose()
    return [pair for group in results for pair in group]


class Dispatcher:
    """Sends batches on one event loop, SMTP connections kept open between batches."""

    def __init__(self) -> None:
        self._runner = asyncio.Runner()
        self._pool = SmtpPool()

    def __enter__(self) -> Dispatcher:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        try:
            self._runner.run(self._pool.aclose())
        finally:
            self._runner.close()

    def send(self, tickets: list[Ticket], smtp_settings_for: SmtpSettingsFor,
             linkedin_settings_for: LinkedInSettingsFor) -> list[tuple[Ticket, Outcome]]:
        return self._runner.run(send_tickets(tickets, smtp_settings_for, linkedin_settings_for, self._pool))
