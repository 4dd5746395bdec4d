"""The loopback servers themselves: the mail sink (used by the sending engine and the demo), the
greylisting clock, connection counting, and start/stop from sync code."""

from __future__ import annotations

import smtplib
import socket
import time
from pathlib import Path

import aiosmtplib
import dns.resolver

from outboard.devservers.dns import DnsServer, DnsZone, zone_from_records
from outboard.devservers.mx import DomainBehaviour, MxServer, loopback_hosts


def test_sink_keeps_messages_in_memory_and_as_eml(tmp_path: Path) -> None:
    with MxServer.sink(eml_dir=tmp_path / "mail") as sink:
        with smtplib.SMTP("127.0.0.1", sink.port, timeout=5) as client:
            client.login("sender@acme.test", "secret")
            client.sendmail("sender@acme.test", ["lead@prospect.test", "cc@prospect.test"],
                            "Subject: Hello\r\nFrom: sender@acme.test\r\n\r\nHi there\r\n")
        [message] = sink.wait_for_messages(1)
    assert message.rcpt_tos == ["lead@prospect.test", "cc@prospect.test"]
    assert message.message["Subject"] == "Hello" and message.auth_user == "sender@acme.test"
    assert message.eml_path is not None and message.eml_path.read_bytes() == message.data
    assert [p.suffix for p in (tmp_path / "mail").iterdir()] == [".eml"]


async def test_sink_works_with_aiosmtplib_from_async_code() -> None:
    async with MxServer.sink() as sink:
        await aiosmtplib.send("Subject: x\r\n\r\nbody\r\n", sender="a@acme.test", recipients=["b@lead.test"],
                              hostname="127.0.0.1", port=sink.port, start_tls=False, use_tls=False)
        assert sink.wait_for_messages(1)[0].mail_from == "a@acme.test"


def test_wait_for_messages_times_out() -> None:
    with MxServer.sink() as sink:
        started = time.monotonic()
        try:
            sink.wait_for_messages(1, timeout=0.2)
        except TimeoutError as exc:
            assert "0 of 1" in str(exc)
        else:
            raise AssertionError("expected a timeout")
        assert time.monotonic() - started < 1


def test_greylisting_honours_the_delay() -> None:
    with MxServer({"grey.test": DomainBehaviour.mailboxes("bob", greylist=True)}, greylist_delay=0.3) as mx:
        def rcpt() -> int:
            with smtplib.SMTP("127.0.0.1", mx.port, timeout=5) as client:
                client.ehlo("c.test")
                client.mail("a@c.test")
                return client.rcpt("bob@grey.test")[0]
        assert rcpt() == 451
        assert rcpt() == 451  # too soon
        time.sleep(0.35)
        assert rcpt() == 250


def test_unknown_domains_are_not_relayed_and_replies_wait() -> None:
    with MxServer({"acme.test": DomainBehaviour.mailboxes("jane")}, reply_latency=0.05) as mx:
        started = time.monotonic()
        with smtplib.SMTP("127.0.0.1", mx.port, timeout=5) as client:
            client.ehlo("c.test")  # a multi-line reply waits once, not once per line
            client.mail("a@c.test")
            assert client.rcpt("x@elsewhere.test")[0] == 550
        elapsed = time.monotonic() - started
    assert 0.2 <= elapsed < 0.6  # greeting, EHLO, MAIL, RCPT, QUIT


def test_several_hosts_on_one_port_are_counted_apart() -> None:
    hosts = loopback_hosts(3, start=20)
    assert hosts == ["127.0.0.20", "127.0.0.21", "127.0.0.22"]
    with MxServer(hosts=hosts, default=DomainBehaviour.accept_all()) as mx:
        sockets = [socket.create_connection((h, mx.port)) for h in (hosts[0], hosts[0], hosts[1])]
        time.sleep(0.1)
        stats = mx.snapshot()
        for s in sockets:
            s.close()
    assert stats.max_active_by_host == {hosts[0]: 2, hosts[1]: 1}
    assert loopback_hosts(2, start=255) == ["127.0.1.1", "127.0.1.2"]


def test_dns_server_restarts_and_builds_from_records() -> None:
    zone = zone_from_records([("acme.test", "MX", "10 mx.acme.test"), ("mx.acme.test", "A", "127.0.0.5")])
    server = DnsServer(zone)
    for _ in range(2):
        server.start()
        resolver = dns.resolver.Resolver(configure=False)
        resolver.nameservers = ["127.0.0.1"]
        resolver.port = server.port
        assert resolver.resolve("mx.acme.test", "A")[0].to_text() == "127.0.0.5"
        server.stop()
    assert isinstance(DnsZone().mail_domain("x.test", "mx.x.test", "127.0.0.1"), DnsZone)
