"""The bounce-rate auto-pause counts bounces only: more than 3% of the account's last 30 email sends."""

import pytest
from sqlalchemy import select

from outboard.db.models import Message, SenderAccount
from outboard.devservers.mx import DomainBehaviour, MxServer, RcptAction
from outboard.send.campaigns import StepInput
from outboard.send.finalize import check_bounce_rate
from tests.send.engine_setup import build_campaign, run_days

ONE_EMAIL = [StepInput("email", 0, "always", "intro")]
LATE = "America/New_York"  # its window opens five hours after UTC's: this lead is sent last


@pytest.fixture
def sink():
    with MxServer.sink() as server:
        server.add_domain("gone.test", DomainBehaviour.mailboxes())  # every address: 550 5.1.1
        server.add_domain("slow.test", DomainBehaviour.acting(RcptAction.RATE_LIMIT))  # 452 every time
        yield server


def _campaign(rt, workspace_id, sink, n_good: int, last_domain: str):
    campaign = build_campaign(rt, workspace_id, n_good + 1, sink.port, with_email=lambda i: True,
                              timezone=lambda i: LATE if i == n_good else "UTC", steps=ONE_EMAIL,
                              play="cold-email-first")
    with rt.db.transaction() as session:
        from outboard.db.models import Lead

        session.get(Lead, campaign.lead_ids[-1]).email = f"someone@{last_domain}"
    run_days(rt, 1)
    return campaign


@pytest.mark.parametrize("n_good,paused", [(29, True), (28, False)])
def test_one_bounce_in_the_last_30_sends_pauses_but_not_before_30(rt, workspace_id, sink, n_good, paused):
    campaign = _campaign(rt, workspace_id, sink, n_good, "gone.test")
    with rt.db.sessions() as session:
        account = session.get(SenderAccount, campaign.email_account_id)
        assert (account.status == "paused") is paused
        if paused:  # 1 of 30 is 3.3%, above 3%
            assert account.status_reason == "bounce rate 1/30 over the last sends is above 3%"


def test_a_failure_that_is_not_a_bounce_does_not_count(rt, workspace_id, sink):
    campaign = _campaign(rt, workspace_id, sink, 31, "slow.test")
    with rt.db.transaction() as session:
        failed = session.scalar(select(Message).where(Message.send_state == "failed"))
        assert failed.last_error.startswith("gave up after 5 attempts")
        account = session.get(SenderAccount, campaign.email_account_id)
        check_bounce_rate(session, account)  # as the inbox does after a hard-bounce DSN of an older send
        assert account.status == "active"
