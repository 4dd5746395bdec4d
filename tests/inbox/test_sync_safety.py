"""Crash safety and bad input: a sync SIGKILLed mid-batch loses nothing and processes nothing twice; broken
mail is stored, marked and never stops the sync."""

from __future__ import annotations

import base64
import os
import random
import signal
import subprocess
import sys
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from outboard.db.models import Enrollment, Event, InboundMessage, MailboxCursor
from outboard.inbox.tasks import sync_one
from outboard.send.campaigns import StepInput
from tests.inbox.conftest import MAILBOX_USER, OUR_ADDRESS, connect_mailbox, reply_to, sent_to
from tests.send.engine_setup import build_campaign, run_days

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(__file__)))
ONE_EMAIL = [StepInput("email", 0, "always", "intro"), StepInput("email", 3, "no_reply", "bump")]


def _sent_campaign(rt, workspace_id, sink, imap, n):
    campaign = build_campaign(rt, workspace_id, n, sink.port, with_email=lambda i: True, steps=ONE_EMAIL,
                              play="cold-email-first")
    connect_mailbox(rt, campaign.email_account_id, imap)
    run_days(rt, 1, step=timedelta(hours=2))
    return campaign


def _sync_process(rt, account_id, pause):
    return subprocess.Popen([sys.executable, "-m", "tests.inbox.sync_process", rt.settings.database_url,
                             rt.settings.secret_key, rt.clock.now().isoformat(), str(account_id), str(pause)],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


# One database is enough for the SIGKILL test: the guards are the same statements on both.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_sync_killed_mid_batch_loses_no_message_and_processes_none_twice(rt, workspace_id, sink, imap):
    campaign = _sent_campaign(rt, workspace_id, sink, imap, 4)
    leads = [f"lead{i}@prospect.test" for i in range(4)]
    total = 16
    for index in range(total):
        [ours] = sent_to(sink, leads[index % 4])
        imap.append(MAILBOX_USER, reply_to(rt, ours, f"Reply number {index}: interested, tell me more."),
                    when=rt.clock.now())
    rng, kills = random.Random(11), 0
    for _ in range(40):
        # 0.3 s per message: a batch takes ~5 s, so a kill 2-3.5 s after start lands inside it whatever the
        # machine's load does to the start-up time. After six kills the runs go to the end: on a busy
        # machine a start-up alone can outlast the kill.
        worker = _sync_process(rt, campaign.email_account_id, 0.3)
        try:
            out, err = worker.communicate(timeout=rng.uniform(2.0, 3.5) if kills < 6 else 300)
        except subprocess.TimeoutExpired:
            worker.send_signal(signal.SIGKILL)
            worker.communicate()
            kills += 1
            continue
        assert worker.returncode == 0, err[-2000:]
        if out.split() == ["0", "0"]:
            break  # a complete run found nothing left to store or process
    assert kills >= 2, "the sync was never killed mid-batch: the test proves nothing"
    with rt.db.sessions() as session:
        rows = list(session.scalars(select(InboundMessage)))
        processed = Counter(e.subject for e in session.scalars(select(Event).where(Event.kind == "inbound_processed")))
        replied = session.scalar(select(func.count()).select_from(Event).where(Event.kind == "replied"))
        cursor = session.scalars(select(MailboxCursor)).one()
    assert len(rows) == total and {r.state for r in rows} == {"processed"}, "a message was lost or left"
    assert len(processed) == total and max(processed.values()) == 1, "a message was processed twice"
    assert replied == total
    assert cursor.last_uid == max(r.classification["sync"]["uid"] for r in rows)


def _threaded_head(ours, sender: str, content_type: str, extra: str = "") -> str:
    original = ours.message
    return (f"From: {sender}\r\nTo: {OUR_ADDRESS}\r\nSubject: Re: {original['Subject']}\r\n"
            f"Message-ID: <bad-{abs(hash(content_type + extra)) % 10**8}@prospect.test>\r\n"
            f"In-Reply-To: {original['Message-ID']}\r\nDate: Mon, 2 Mar 2026 11:00:00 +0000\r\nMIME-Version: 1.0\r\n"
            f"Content-Type: {content_type}\r\n{extra}\r\n")


def test_bad_input_is_stored_marked_and_never_stops_the_sync(rt, workspace_id, sink, imap):
    campaign = _sent_campaign(rt, workspace_id, sink, imap, 4)
    ours = [sent_to(sink, f"lead{i}@prospect.test")[0] for i in range(4)]
    broken_mime = (_threaded_head(ours[0], "lead0@prospect.test", 'multipart/mixed; boundary="XX"')
                   + "--XX\r\nContent-Type: text/plain\r\n\r\nYes, interested.\r\n--XX\r\n"
                     "Content-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n@@@not base64@@@\r\n"
                   ).encode()  # no closing boundary, undecodable attachment
    wrong_charset = (_threaded_head(ours[1], "lead1@prospect.test", "text/plain; charset=us-ascii")
                     .encode() + "Gerne, klingt spannend! Grüße aus Köln\r\n".encode())
    attachment = base64.encodebytes(os.urandom(25 * 1024 * 1024 * 3 // 4))
    huge = (_threaded_head(ours[2], "lead2@prospect.test", 'multipart/mixed; boundary="B"').encode()
            + b"--B\r\nContent-Type: text/plain\r\n\r\nInterested - the deck is attached.\r\n--B\r\n"
              b"Content-Type: application/zip\r\nContent-Transfer-Encoding: base64\r\n"
              b"Content-Disposition: attachment; filename=deck.zip\r\n\r\n" + attachment + b"\r\n--B--\r\n")
    no_headers = b"this message lost its headers somewhere\r\nand only text is left\r\n"
    garbage_headers = (b"From: \xff\xfe lead3@prospect.test\r\nSubject: =?bogus?Q?=FF?=\r\n"
                       b"In-Reply-To: " + str(ours[3].message["Message-ID"]).encode() + b"\r\nbroken header line\r\n"
                       b"Message-ID: <garbage@prospect.test>\r\n\r\nCall me tomorrow at 10am\r\n")
    for raw in (broken_mime, wrong_charset, huge, no_headers, garbage_headers):
        imap.append(MAILBOX_USER, raw, when=rt.clock.now())
    result = sync_one(rt, campaign.email_account_id)
    assert result["seen"] == 5 and result["stored"] == 5 and result["processed"] == 5
    with rt.db.sessions() as session:
        rows = list(session.scalars(select(InboundMessage).order_by(InboundMessage.id)))
        states = [session.scalar(select(Enrollment.state).where(Enrollment.lead_id == lead_id))
                  for lead_id in campaign.lead_ids]
    by_uid = {r.classification["sync"]["uid"]: r for r in rows}
    first = min(by_uid)
    mime, charset, big, headless, garbage = (by_uid[first + i] for i in range(5))
    assert mime.kind == "reply" and mime.classification["problems"], "broken MIME was not marked"
    assert charset.kind == "reply" and "Grüße" in charset.classification["new_text"]
    assert big.kind == "reply" and big.classification["sync"]["size"] > 25_000_000 and len(big.raw) > 25_000_000
    assert any("MB" in p for p in big.classification["problems"])
    assert headless.state == "failed" and headless.kind == "unparseable" and headless.raw.strip() == no_headers.strip()
    assert garbage.kind == "reply" and garbage.classification["problems"]
    assert states == ["replied"] * 4
