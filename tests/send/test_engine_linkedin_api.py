"""LinkedIn steps through the API provider (a local server speaking its documented format)."""

from datetime import timedelta

from sqlalchemy import select

from outboard.db.models import Enrollment, Event, Lead, Message, SenderAccount, Sequence
from outboard.db.scope import Scope
from outboard.devservers.linkedin_api import LinkedInApiServer
from outboard.devservers.mx import MxServer
from outboard.send.accounts import add_linkedin_account
from outboard.send.campaigns import StepInput, set_senders
from outboard.send.reactions import record_acceptance
from outboard.send.scheduler import tick
from tests.send.engine_setup import build_campaign

INVITE_THEN_MESSAGE = [StepInput("linkedin_invite", 0, "always", "connect"),
                       StepInput("linkedin_message", 1, "no_reply", "thanks")]


def _campaign_with_api(rt, workspace_id, api, smtp_port, n=3, steps=INVITE_THEN_MESSAGE, with_email=False):
    campaign = build_campaign(rt, workspace_id, n, smtp_port, with_email=lambda i: with_email, steps=steps,
                              do_launch=False)
    with rt.db.transaction() as session:
        account = add_linkedin_account(session, workspace_id, rt.secrets, name="API", profile_id="sam-api",
                                       provider="api", api_base_url=api.base_url, api_key=api.api_key,
                                       account_ref=api.account_id,
                                       limits={"min_gap_seconds": 0, "gap_jitter_seconds": 0})
        sequence = Scope(session, workspace_id).get(Sequence, campaign.sequence_id)
        emails = [campaign.email_account_id] if with_email else []
        set_senders(session, Scope(session, workspace_id), sequence, [account.id, *emails])
        account_id = account.id
    from outboard.send.launch import launch

    with rt.db.transaction() as session:
        launch(session, workspace_id, campaign.sequence_id, rt.clock.now())
    return campaign, account_id


def _drain(rt):
    while tick(rt).leased:
        pass


def test_invites_and_messages_go_through_the_api_and_wait_for_acceptance(rt, workspace_id):
    with MxServer.sink() as sink, LinkedInApiServer(clock=rt.clock) as api:
        provider_ids = {i: api.add_profile(f"lead-number-{i}", "Lead", f"Number{i}") for i in range(3)}
        campaign, _ = _campaign_with_api(rt, workspace_id, api, sink.port)
        rt.clock.advance(timedelta(hours=2))
        _drain(rt)
        assert len(api.pending_invitations()) == 3
        api.accept_invitation(provider_ids[0])
        with rt.db.transaction() as session:
            record_acceptance(session, session.get(Lead, campaign.lead_ids[0]), rt.clock.now())
        rt.clock.advance(timedelta(days=1, hours=1))
        _drain(rt)
        chats = [r for r in api.requests if r.path == "/chats"]
        assert len(chats) == 1  # only the accepted lead gets the message
        with rt.db.sessions() as session:
            waiting = session.scalars(select(Enrollment.waiting_reason).where(
                Enrollment.lead_id.in_(campaign.lead_ids[1:]))).all()
        assert waiting == ["invite_pending", "invite_pending"]


def test_a_rate_limit_defers_and_a_restriction_pauses_the_account(rt, workspace_id):
    with MxServer.sink() as sink, LinkedInApiServer(clock=rt.clock) as api:
        for i in range(3):
            api.add_profile(f"lead-number-{i}", "Lead", f"Number{i}")
        _, account_id = _campaign_with_api(rt, workspace_id, api, sink.port)
        rt.clock.advance(timedelta(hours=2))
        api.rate_limit(times=1, retry_after=120)
        _drain(rt)
        with rt.db.sessions() as session:
            states = sorted(session.scalars(select(Message.send_state).where(Message.channel == "linkedin_invite")))
        assert states.count("sent") == 2 and states.count("scheduled") == 1
        api.restricted = True
        rt.clock.advance(timedelta(minutes=5))
        _drain(rt)
        with rt.db.sessions() as session:
            account = session.get(SenderAccount, account_id)
            assert account.status == "paused" and account.status_reason


def test_an_invite_not_accepted_in_time_is_withdrawn_through_the_api_and_the_lead_goes_on(rt, workspace_id):
    steps = [*INVITE_THEN_MESSAGE, StepInput("linkedin_message", 2, "no_reply", "later")]
    with MxServer.sink() as sink, LinkedInApiServer(clock=rt.clock) as api:
        for i in range(2):
            api.add_profile(f"lead-number-{i}", "Lead", f"Number{i}")
        campaign, _ = _campaign_with_api(rt, workspace_id, api, sink.port, n=2, steps=steps)
        rt.clock.advance(timedelta(hours=2))
        _drain(rt)
        assert len(api.pending_invitations()) == 2
        rt.clock.advance(timedelta(days=22))  # past the 21-day default
        _drain(rt)
        deletes = [r for r in api.requests if r.method == "DELETE" and r.path.startswith("/users/invite/sent/")]
        assert len(deletes) == 2
        assert api.pending_invitations() == []
        with rt.db.sessions() as session:
            enrollments = session.scalars(select(Enrollment).where(
                Enrollment.lead_id.in_(campaign.lead_ids))).all()
            kinds = list(session.scalars(select(Event.kind).where(Event.lead_id.in_(campaign.lead_ids))))
        # The lead goes on: the message step that needed the connection is skipped, the next one waits
        # for its time (and is skipped in turn, since a LinkedIn message needs a 1st-degree connection).
        assert {e.waiting_reason for e in enrollments} <= {"invite_withdrawn", None}
        assert kinds.count("invite_withdrawn") == 2 and kinds.count("invite_withdrawal_confirmed") == 2


def test_a_profile_the_provider_does_not_know_stops_linkedin_steps_only(rt, workspace_id):
    from outboard.db.models import Suppression

    steps = [StepInput("linkedin_invite", 0, "always", "connect"), StepInput("email", 1, "always", "intro"),
             StepInput("linkedin_message", 1, "no_reply", "thanks"), StepInput("email", 1, "always", "bump")]
    with MxServer.sink() as sink, LinkedInApiServer(clock=rt.clock) as api:  # no profile: every lookup is 404
        _campaign_with_api(rt, workspace_id, api, sink.port, n=2, steps=steps, with_email=True)
        for _ in range(24 * 7):
            rt.clock.advance(timedelta(hours=1))
            _drain(rt)
        assert len(sink.messages) == 4  # both emails of both leads
    with rt.db.sessions() as session:
        rows = session.execute(select(Message.channel, Message.send_state, Message.last_error)
                               .order_by(Message.id)).all()
        assert {(c, s) for c, s, _ in rows} == {("linkedin_invite", "skipped"), ("linkedin_message", "skipped"),
                                                ("email", "sent")}
        assert all(e.startswith("LinkedIn profile not found") for c, _, e in rows if c != "email")
        assert {lead.email_verdict for lead in session.scalars(select(Lead))} == {"valid"}
        assert {lead.stop_reason for lead in session.scalars(select(Lead))} == {None}
        assert session.scalar(select(Suppression)) is None
        assert session.scalar(select(Event).where(Event.kind == "email_bounced")) is None
        assert {e.state for e in session.scalars(select(Enrollment))} == {"completed"}


def test_an_invite_note_over_the_accounts_limit_fails_alone_and_the_batch_goes_on(rt, workspace_id):
    from outboard.send.accounts import set_limits

    with MxServer.sink() as sink, LinkedInApiServer(clock=rt.clock) as api:
        for i in range(3):
            api.add_profile(f"lead-number-{i}", "Lead", f"Number{i}")
        campaign, account_id = _campaign_with_api(rt, workspace_id, api, sink.port)
        with rt.db.transaction() as session:
            set_limits(session, session.get(SenderAccount, account_id), {"note_limit": 200})
            enrollment = session.scalar(select(Enrollment).where(Enrollment.lead_id == campaign.lead_ids[0]))
            invite = session.scalar(select(Message).where(Message.enrollment_id == enrollment.id,
                                                          Message.channel == "linkedin_invite"))
            invite.body = "A note that is far too long. " * 9  # 261 characters
        rt.clock.advance(timedelta(hours=2))
        _drain(rt)
        assert len(api.pending_invitations()) == 2
    with rt.db.sessions() as session:
        invites = {m.enrollment_id: m for m in session.scalars(select(Message).where(
            Message.channel == "linkedin_invite"))}
        assert sorted(m.send_state for m in invites.values()) == ["failed", "sent", "sent"]
        failed = invites[enrollment.id]
        assert "261 characters" in failed.last_error and "note limit (limits.note_limit) is 200" in failed.last_error
        assert session.scalar(select(Message).where(Message.send_state == "sending")) is None
