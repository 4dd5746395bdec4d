"""The network half of sending: claimed tickets go out, one SMTP connection per account, concurrently
across accounts. Nothing here touches the database."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Callable

from outboard.send.channels.email_smtp import SmtpChannel, SmtpSettings
from outboard.send.claim import Ticket
from outboard.send.outcomes import Failed, Outcome

SmtpSettingsFor = Callable[[int], SmtpSettings]


async def send_tickets(tickets: list[Ticket], smtp_settings_for: SmtpSettingsFor,
                       linkedin_sender: Callable[[Ticket], Outcome] | None = None) -> list[tuple[Ticket, Outcome]]:
    by_account: dict[int, list[Ticket]] = defaultdict(list)
    for ticket in tickets:
        by_account[ticket.account_id].append(ticket)

    async def one_account(account_tickets: list[Ticket]) -> list[tuple[Ticket, Outcome]]:
        done: list[tuple[Ticket, Outcome]] = []
        emails = [t for t in account_tickets if t.provider == "smtp"]
        if emails:
            async with SmtpChannel(smtp_settings_for(emails[0].account_id)) as channel:
                for ticket in emails:
                    assert ticket.payload is not None
                    done.append((ticket, await channel.send(ticket.payload["email"])))
        for ticket in account_tickets:
            if ticket.provider == "api":
                outcome = (linkedin_sender(ticket) if linkedin_sender
                           else Failed(None, None, "no LinkedIn API client configured"))
                done.append((ticket, outcome))
        return done

    results = await asyncio.gather(*(one_account(group) for group in by_account.values()))
    return [pair for group in results for pair in group]
