"""The network half of sending: claimed tickets go out, one connection per account (SMTP or the LinkedIn
API provider), concurrently across accounts. Nothing here touches the database."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Callable

from outboard.core.sequence import Channel
from outboard.send.channels.email_smtp import SmtpChannel, SmtpSettings
from outboard.send.channels.linkedin_api import LinkedInApiClient, LinkedInApiError, LinkedInApiSettings
from outboard.send.claim import Ticket
from outboard.send.outcomes import Outcome

SmtpSettingsFor = Callable[[int], SmtpSettings]
LinkedInSettingsFor = Callable[[int], LinkedInApiSettings]


async def _send_emails(tickets: list[Ticket], settings: SmtpSettings) -> list[tuple[Ticket, Outcome]]:
    done: list[tuple[Ticket, Outcome]] = []
    async with SmtpChannel(settings) as channel:
        for ticket in tickets:
            assert ticket.payload is not None
            done.append((ticket, await channel.send(ticket.payload["email"])))
    return done


async def _linkedin_action(client: LinkedInApiClient, ticket: Ticket) -> Outcome:
    assert ticket.payload is not None
    try:
        # The provider addresses people by its own id; the lead is stored by public profile id.
        profile = await client.get_profile(ticket.payload["linkedin_id"])
    except LinkedInApiError as error:
        return error.outcome
    if ticket.channel is Channel.LINKEDIN_INVITE:
        return await client.send_invitation(profile.provider_id, ticket.payload["text"])
    return await client.send_message(ticket.payload["text"], attendee_provider_id=profile.provider_id)


async def _send_linkedin(tickets: list[Ticket], settings: LinkedInApiSettings) -> list[tuple[Ticket, Outcome]]:
    async with LinkedInApiClient(settings) as client:
        return [(ticket, await _linkedin_action(client, ticket)) for ticket in tickets]


async def send_tickets(tickets: list[Ticket], smtp_settings_for: SmtpSettingsFor,
                       linkedin_settings_for: LinkedInSettingsFor) -> list[tuple[Ticket, Outcome]]:
    groups: dict[tuple[int, str], list[Ticket]] = defaultdict(list)
    for ticket in tickets:
        groups[(ticket.account_id, ticket.provider)].append(ticket)
    work = []
    for (account_id, provider), group in groups.items():
        if provider == "smtp":
            work.append(_send_emails(group, smtp_settings_for(account_id)))
        elif provider == "api":
            work.append(_send_linkedin(group, linkedin_settings_for(account_id)))
    results = await asyncio.gather(*work)
    return [pair for group in results for pair in group]
