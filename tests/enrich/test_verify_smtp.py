"""Every MX behaviour maps to the right verdict, against real servers on loopback."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import time
from collections.abc import Callable

from outboard.core.verdicts import EmailVerdict
from outboard.devservers.mx import DomainBehaviour, MxServer
from outboard.enrich.verifier import (
    Reason,
    Verification,
    Verifier,
    verify_many,
    verify_one,
    verify_stream,
    verify_sync,
)

from .conftest import MANY_DOMAINS, World


async def _settles(condition: Callable[[], bool], within: float = 1.0) -> bool:
    """The server counts a connection closed a moment after the client saw 221; wait for it."""
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.01)
    return True


VALID, INVALID, CATCH_ALL, UNKNOWN = (EmailVerdict.VALID, EmailVerdict.INVALID, EmailVerdict.CATCH_ALL,
                                      EmailVerdict.UNKNOWN)


async def test_known_user_is_valid_with_evidence(world: World) -> None:
    result = await verify_one("Jane@acme.test", world.config())
    assert (result.verdict, result.reason) == (VALID, Reason.ACCEPTED)
    assert (result.smtp_code, result.enhanced_status) == (250, "2.1.5")
    assert result.mx_host == "mx.acme.test" and result.mx_ip == "127.0.0.1"
    assert result.catch_all_probe_code == 550  # the random mailbox was refused: not a catch-all
    assert result.attempts == 1 and result.started_at and result.finished_at and result.duration_ms > 0
    assert result.normalized == "Jane@acme.test" and result.domain == "acme.test"


async def test_unknown_user_is_invalid_with_5_1_1(world: World) -> None:
    result = await verify_one("nobody@acme.test", world.config())
    assert (result.verdict, result.reason) == (INVALID, Reason.MAILBOX_NOT_FOUND)
    assert (result.smtp_code, result.enhanced_status) == (550, "5.1.1")
    assert not result.retryable


async def test_catch_all_domain_is_never_valid(world: World) -> None:
    results = await verify_many(["ceo@catchall.test", "x9q@catchall.test", "jane.doe@catchall.test"],
                                world.config())
    assert {r.verdict for r in results} == {CATCH_ALL}
    assert all(r.smtp_code == 250 and r.catch_all_probe_code == 250 for r in results)


async def test_greylisting_is_retried_until_valid(world: World) -> None:
    result = await verify_one("bob@grey.test", world.config())
    assert (result.verdict, result.reason) == (VALID, Reason.ACCEPTED)
    assert result.attempts == 2
    replies = [r.reply[:3] for r in world.mx.rcpts_for("grey.test")]
    assert replies[:2] == ["451", "451"]  # the address and the probe, both greylisted the first time
    assert replies[2:] == ["250", "550"]


async def test_greylisting_catch_all_ends_as_catch_all(world: World) -> None:
    result = await verify_one("anyone@greycatch.test", world.config())
    assert result.verdict is CATCH_ALL and result.attempts == 2


async def test_greylisting_without_retries_is_unknown_and_retryable(world: World) -> None:
    result = await verify_one("bob@grey.test", world.config(retry_delays=()))
    assert (result.verdict, result.reason, result.retryable) == (UNKNOWN, Reason.GREYLISTED, True)
    assert (result.smtp_code, result.enhanced_status) == (451, "4.7.1")


async def test_closed_connection_is_unknown_quickly(world: World) -> None:
    started = time.monotonic()
    result = await verify_one("a@close.test", world.config())
    assert (result.verdict, result.reason, result.retryable) == (UNKNOWN, Reason.CONNECTION_CLOSED, True)
    assert time.monotonic() - started < 1


async def test_stalled_server_is_unknown_within_the_command_timeout(world: World) -> None:
    started = time.monotonic()
    result = await verify_one("a@stall.test", world.config(command_timeout=0.3))
    assert (result.verdict, result.reason, result.retryable) == (UNKNOWN, Reason.TIMEOUT, True)
    assert 0.3 <= time.monotonic() - started < 1.5


async def test_stalled_greeting_is_bounded_too(world: World) -> None:
    started = time.monotonic()
    result = await verify_one("a@stallgreet.test", world.config(command_timeout=0.3))
    assert (result.verdict, result.reason) == (UNKNOWN, Reason.TIMEOUT)
    assert time.monotonic() - started < 1.5


async def test_address_budget_caps_everything(world: World) -> None:
    started = time.monotonic()
    result = await verify_one("a@stall.test", world.config(command_timeout=5, address_timeout=0.4))
    assert result.reason is Reason.TIMEOUT
    assert time.monotonic() - started < 1.2


async def test_421_and_452_are_unknown_and_retryable(world: World) -> None:
    busy, limited = await verify_many(["a@busy.test", "a@limit.test"], world.config())
    assert (busy.verdict, busy.reason, busy.smtp_code, busy.retryable) == (UNKNOWN, Reason.RATE_LIMITED, 421, True)
    assert (limited.verdict, limited.reason, limited.smtp_code, limited.retryable) == (
        UNKNOWN, Reason.RATE_LIMITED, 452, True)
    assert busy.attempts == limited.attempts == 3  # first try + two retries


async def test_policy_block_says_nothing_about_the_mailbox(world: World) -> None:
    result = await verify_one("a@policy.test", world.config())
    assert (result.verdict, result.reason, result.enhanced_status) == (UNKNOWN, Reason.POLICY_REJECTED, "5.7.1")
    assert not result.retryable


async def test_dns_verdicts(world: World) -> None:
    results = await verify_many(["a@nothere.test", "a@nomail.test", "a@nullmx.test", "a@slowdns.test",
                                 "a@broken.test"], world.config(dns_timeout=0.3))
    assert [(r.verdict, r.reason) for r in results] == [
        (INVALID, Reason.DOMAIN_NOT_FOUND), (INVALID, Reason.NO_MAIL_SERVER), (INVALID, Reason.NULL_MX),
        (UNKNOWN, Reason.DNS_TIMEOUT), (UNKNOWN, Reason.DNS_ERROR)]
    assert all(r.attempts == 0 for r in results)
    assert results[3].retryable and not results[0].retryable


async def test_implicit_mx_is_used(world: World) -> None:
    result = await verify_one("ann@implicit.test", world.config())
    assert result.verdict is VALID and result.implicit_mx and result.mx_host == "implicit.test"


async def test_unreachable_primary_mx_falls_back_to_the_next(world: World) -> None:
    refused, busy = await verify_many(["ann@fallback.test", "ann@busyprimary.test"], world.config())
    assert refused.verdict is VALID and refused.mx_host == "backup.fallback.test"
    assert busy.verdict is VALID and busy.mx_host == "mx2.busyprimary.test"


async def test_no_reachable_host_is_unknown(world: World) -> None:
    result = await verify_one("a@refused.test", world.config())
    assert (result.verdict, result.reason, result.retryable) == (UNKNOWN, Reason.CONNECTION_FAILED, True)


async def test_server_without_ehlo_gets_helo(world: World) -> None:
    result = await verify_one("ann@oldserver.test", world.config())
    assert result.verdict is VALID


async def test_idn_domain_and_utf8_mailbox(world: World) -> None:
    idn, utf8 = await verify_many(["max@münchen.test", "jörg@acme.test"], world.config())
    assert idn.verdict is VALID and idn.domain == "xn--mnchen-3ya.test" and idn.normalized == "max@münchen.test"
    assert utf8.verdict is VALID


async def test_bad_input_mixed_with_good_input(world: World) -> None:
    results = await verify_many(["jane@acme.test", "a" * 300 + "@acme.test", '"jane doe"@acme.test',
                                 "jane@@acme.test", "", "jane@acme.test"], world.config())
    assert [r.verdict for r in results] == [VALID, INVALID, INVALID, INVALID, INVALID, VALID]
    assert results[0].address == results[-1].address == "jane@acme.test"
    assert results[1].reason is Reason.SYNTAX and results[2].reason is Reason.QUOTED_LOCAL_PART


async def test_never_data_and_quit_politely(world: World) -> None:
    await verify_many(["jane@acme.test", "nobody@acme.test", "x@catchall.test"], world.config())
    assert world.mx.snapshot().data_commands == 0


async def test_twenty_addresses_on_one_domain_cost_one_lookup_and_one_probe(world: World) -> None:
    domain = MANY_DOMAINS[0]
    addresses = [f"user{n}@{domain}" for n in range(20)]
    before = world.dns.queries
    async with Verifier(world.config()) as verifier:
        results = [r async for r in verifier.stream(addresses)]
    assert world.dns.queries - before == 2  # MX + the A record of the MX host
    assert sorted(r.verdict for r in results).count(VALID) == 2
    rcpts = world.mx.rcpts_for(domain)
    probes = [r for r in rcpts if r.rcpt.split("@")[0] not in {f"user{n}" for n in range(20)}]
    assert len(probes) == 1
    assert len(rcpts) == 21 and verifier.conversations == 20


async def test_per_host_connection_cap_is_respected_at_the_server(world: World) -> None:
    world.mx.reply_latency = 0.02  # every reply takes a moment, so connections overlap
    try:
        addresses = [f"user{n % 2 + 1}@{d}" for d in MANY_DOMAINS[:10] for n in range(6)]
        async with Verifier(world.config(per_host_connections=2, max_concurrency=50)) as verifier:
            results = [r async for r in verifier.stream(addresses)]
    finally:
        world.mx.reply_latency = 0.0
    assert all(r.verdict is VALID for r in results)
    assert max(verifier.max_connections_per_host.values()) == 2
    # All ten "hosts" share 127.0.0.1 here, so the server sees up to 10 x 2 at once, never more.
    assert world.mx.snapshot().max_active_by_host["127.0.0.1"] <= 20


async def test_per_host_rate_limit_spaces_connections(world: World) -> None:
    domain = MANY_DOMAINS[1]
    started = time.monotonic()
    await verify_many([f"user1@{domain}", f"user2@{domain}", f"x@{domain}", f"y@{domain}"],
                      world.config(per_host_rate=10.0, per_host_burst=1))
    assert time.monotonic() - started >= 0.28  # 4 connections at 10/s with no burst: 3 waits of 0.1 s


async def test_host_failing_repeatedly_is_skipped_for_the_batch(world: World) -> None:
    started = time.monotonic()
    results = await verify_many([f"u{n}@stall.test" for n in range(12)],
                                world.config(command_timeout=0.3, per_host_connections=3, host_failure_limit=3))
    assert {r.reason for r in results} == {Reason.TIMEOUT, Reason.CONNECTION_FAILED}
    assert time.monotonic() - started < 1.5  # one round of timeouts, then the host is skipped


async def test_duplicates_are_checked_once(world: World) -> None:
    results = await verify_many(["jane@acme.test", "jane@acme.test", "jane@ACME.test"], world.config())
    assert {r.verdict for r in results} == {VALID}
    assert len([r for r in world.mx.rcpts_for("acme.test") if r.rcpt.startswith("jane@")]) == 1


async def test_results_are_json_and_round_trip(world: World) -> None:
    result = await verify_one("jane@acme.test", world.config())
    text = json.dumps(result.to_dict())
    assert json.loads(text)["verdict"] == "valid"
    assert Verification.from_dict(json.loads(text)) == result
    json.dumps(dataclasses.asdict(result))  # plain asdict works as well


async def test_stream_yields_everything_once(world: World) -> None:
    addresses = [f"user1@{d}" for d in MANY_DOMAINS] + [f"nobody@{d}" for d in MANY_DOMAINS]
    async with Verifier(world.config(max_concurrency=8)) as verifier:
        seen = [r.address async for r in verifier.stream(addresses)]
    assert sorted(seen) == sorted(addresses)


def test_sync_wrapper(world: World) -> None:
    [valid, invalid] = verify_sync(["jane@acme.test", "nobody@acme.test"], world.config())
    assert (valid.verdict, invalid.verdict) == (VALID, INVALID)
    assert verify_sync("jane@acme.test", world.config())[0].verdict is VALID


async def test_concurrent_batches_do_not_interfere(world: World) -> None:
    first, second = await asyncio.gather(verify_one("jane@acme.test", world.config()),
                                         verify_one("x@catchall.test", world.config()))
    assert (first.verdict, second.verdict) == (VALID, CATCH_ALL)


async def test_connections_are_reused_up_to_the_limit(world: World) -> None:
    domain = MANY_DOMAINS[2]
    async with Verifier(world.config(per_host_connections=1, addresses_per_connection=3)) as verifier:
        for n in range(9):
            await verifier.verify(f"user{n}@{domain}")
        assert verifier.conversations == 9 and verifier.connections == 3
    assert world.mx.snapshot().connections == 3
    assert await _settles(lambda: world.mx.snapshot().active_by_host["127.0.0.1"] == 0)  # all closed with QUIT


async def test_idle_connections_close_on_their_own(world: World) -> None:
    verifier = Verifier(world.config(idle_timeout=0.1))
    assert (await verifier.verify("jane@acme.test")).verdict is VALID
    assert world.mx.snapshot().active_by_host["127.0.0.1"] == 1
    assert await _settles(lambda: world.mx.snapshot().active_by_host["127.0.0.1"] == 0)


async def test_a_pooled_connection_the_server_dropped_is_replaced(world: World) -> None:
    async with MxServer({"acme.test": DomainBehaviour.mailboxes("jane", "bob")}, idle_timeout=0.2) as mx:
        verifier = Verifier(world.config(smtp_port=mx.port, idle_timeout=5.0))
        assert (await verifier.verify("jane@acme.test")).verdict is VALID
        await asyncio.sleep(0.4)  # the server hangs up on the idle connection
        again = await verifier.verify("bob@acme.test")
        assert (again.verdict, again.attempts) == (VALID, 1)
        assert verifier.connections == 2
        await verifier.aclose()


async def test_one_connection_switches_to_smtputf8_when_a_mailbox_needs_it(world: World) -> None:
    async with Verifier(world.config(per_host_connections=1)) as verifier:
        verdicts = [(await verifier.verify(a)).verdict
                    for a in ("jane@acme.test", "jörg@acme.test", "bob.smith@acme.test", "nobody@acme.test")]
        assert verdicts == [VALID, VALID, VALID, INVALID]
        assert verifier.connections == 1


async def test_verify_stream_api(world: World) -> None:
    seen = {r.address: r.verdict async for r in verify_stream(["jane@acme.test", "x@catchall.test"], world.config())}
    assert seen == {"jane@acme.test": VALID, "x@catchall.test": CATCH_ALL}
