"""The unified inbox through the CLI: sync, list, show (quoted history stripped), reply by hand (threaded,
same account), relabel, opt-out, and `inbox classify` showing the thread and lead it matched."""

from __future__ import annotations

import json
from datetime import timedelta
from email.utils import make_msgid

from sqlalchemy import select
from typer.testing import CliRunner

from outboard.cli import app
from outboard.db.models import InboundMessage, Lead, Suppression
from outboard.send.campaigns import StepInput
from tests.inbox.conftest import MAILBOX_USER, OUR_ADDRESS, connect_mailbox, reply_to, sent_to
from tests.send.engine_setup import build_campaign, run_days

runner = CliRunner()
EMAIL_ONLY = [StepInput("email", 0, "always", "intro"), StepInput("email", 3, "no_reply", "bump")]


def _cli(*args: str) -> object:
    result = runner.invoke(app, ["inbox", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout) if "--json" in args else result.output


def test_the_unified_inbox_from_sync_to_a_reply_by_hand(rt, workspace_id, sink, imap, tmp_path, monkeypatch):
    campaign = build_campaign(rt, workspace_id, 2, sink.port, with_email=lambda i: True, steps=EMAIL_ONLY,
                              play="cold-email-first")
    connect_mailbox(rt, campaign.email_account_id, imap)
    run_days(rt, 1, step=timedelta(hours=2))
    anna_id, bob_id = campaign.lead_ids
    [to_anna], [to_bob] = sent_to(sink, "lead0@prospect.test"), sent_to(sink, "lead1@prospect.test")
    anna_reply = reply_to(rt, to_anna, "Hi Sam,\n\nInteresting - can we set up a call on Tuesday at 10am?\n\nAnna")
    imap.append(MAILBOX_USER, anna_reply, when=rt.clock.now())
    imap.append(MAILBOX_USER, reply_to(rt, to_bob, "I am out of the office until 9 March 2026.",
                                       extra_headers="Auto-Submitted: auto-replied"), when=rt.clock.now())

    [synced] = _cli("sync", "--json")
    assert synced["stored"] == 2 and synced["processed"] == 2

    listed = _cli("list", "--json")
    assert [c["lead_id"] for c in listed] and {c["lead_id"] for c in listed} == {anna_id, bob_id}
    by_lead = {c["lead_id"]: c for c in listed}
    assert by_lead[anna_id]["label"] == "meeting_request" and by_lead[anna_id]["last_kind"] == "reply"
    assert by_lead[bob_id]["last_kind"] == "out_of_office" and by_lead[bob_id]["label"] is None
    assert [c["lead_id"] for c in _cli("list", "--label", "meeting_request", "--json")] == [anna_id]

    shown = _cli("show", str(anna_id), "--json")
    kinds = [(e["direction"], e["kind"]) for e in shown["entries"]]
    assert kinds == [("out", "step"), ("in", "reply")]
    text = shown["entries"][1]["text"]
    assert "Tuesday at 10am" in text and "wrote:" not in text and "Step 1 for lead" not in text
    assert "Tuesday" in _cli("show", str(anna_id))

    _cli("reply", str(anna_id), "--body", "Tuesday 10am works. I'll send an invite.")
    [hand] = [m for m in sent_to(sink, "lead0@prospect.test") if m is not to_anna]
    mail = hand.message
    assert mail["In-Reply-To"] == anna_reply.split(b"Message-ID: ")[1].split(b"\r\n")[0].decode()
    assert str(to_anna.message["Message-ID"]) in mail["References"]
    assert mail["Subject"] == f"Re: {to_anna.message['Subject']}" and OUR_ADDRESS in mail["From"]
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    # Her answer names only our reply by hand: it is still her conversation.
    answer = (f"From: <lead0@prospect.test>\r\nTo: <{OUR_ADDRESS}>\r\nSubject: Re: {mail['Subject']}\r\n"
              f"Message-ID: {make_msgid(domain='prospect.test')}\r\nIn-Reply-To: {mail['Message-ID']}\r\n"
              "Date: Tue, 3 Mar 2026 09:00:00 +0000\r\n\r\nGreat, talk then.\r\n").encode()
    imap.append(MAILBOX_USER, answer, when=rt.clock.now())
    _cli("sync")
    shown = _cli("show", str(anna_id), "--json")
    assert [(e["direction"], e["kind"]) for e in shown["entries"]] == [
        ("out", "step"), ("in", "reply"), ("out", "manual_reply"), ("in", "reply")]
    with rt.db.sessions() as session:
        last = session.scalars(select(InboundMessage).where(InboundMessage.kind == "reply")
                               .order_by(InboundMessage.id.desc())).first()
        assert last.lead_id == anna_id and last.classification["match"]["via"] == "in-reply-to"

    relabelled = _cli("relabel", str(last.id), "interested", "--json")
    assert relabelled["label"] == "interested"
    assert [c["lead_id"] for c in _cli("list", "--label", "interested", "--json")] == [anna_id]

    _cli("opt-out", str(bob_id))
    with rt.db.sessions() as session:
        assert session.get(Lead, bob_id).stop_reason == "opted_out"
        assert session.scalar(select(Suppression.reason).where(Suppression.kind == "email")) == "opt_out"
    refused = runner.invoke(app, ["inbox", "reply", str(bob_id), "--body", "Sorry to hear"])
    assert refused.exit_code == 1 and "suppression list" in refused.output

    # `inbox classify` reads the same database: the thread and the lead are shown.
    path = tmp_path / "reply.eml"
    path.write_bytes(anna_reply)
    monkeypatch.setenv("OUTBOARD_DATABASE_URL", rt.settings.database_url)
    [classified] = _cli("classify", "--json", str(path))
    assert classified["match"]["lead_id"] == str(anna_id)
    assert classified["match"]["root"] == str(to_anna.message["Message-ID"])
