"""Email verifier throughput against simulated MX hosts whose every SMTP reply takes 100 ms.

    .venv/bin/python bench/bench_verifier.py [--addresses 10000] [--domains 500] [--latency 0.1]
                                             [--per-host 5] [--concurrency 1000] [--rounds 3]
                                             [--sizes 1000,3000] [--no-docs]

A child process runs the loopback servers (a dnslib DNS server and one aiosmtpd server listening on
one 127.0.x.y address per simulated MX host, so connections are counted per host at the server);
this process runs the verifier. Domains: 80% ordinary (half of the addresses exist), 15% catch-all,
5% ordinary but greylisting (each first attempt gets 451 4.7.1, the verifier retries after 0.5 s).
Every verdict is checked against the truth. The headline is the median of `--rounds` runs at `--addresses`;
for the plot of wall time against addresses, one run more at each of `--sizes` (same domains, fewer
addresses per domain). The defaults take 1 to 3 minutes. The `## Email verifier` section of
docs/benchmarks.md and its plot are replaced with the figures (created if missing).

    .venv/bin/python -m bench.bench_verifier      (or: .venv/bin/python bench/bench_verifier.py)
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import statistics
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # also runnable as `python bench/bench_verifier.py`
    sys.path.insert(0, str(ROOT))

from bench.report import PAGE, plot, write_section  # noqa: E402
from outboard.core.verdicts import EmailVerdict  # noqa: E402
from outboard.devservers.dns import DnsServer, DnsZone  # noqa: E402
from outboard.devservers.mx import DomainBehaviour, MxServer, loopback_hosts  # noqa: E402
from outboard.enrich.verifier import Verifier, VerifierConfig  # noqa: E402

SECTION = "Email verifier"
GREYLIST_RETRY_DELAY = 0.5


@dataclass(frozen=True)
class Plan:
    domains: dict[str, DomainBehaviour]
    hosts: dict[str, str]  # domain → its MX host address
    addresses: list[str]
    truth: dict[str, EmailVerdict]


def make_plan(address_count: int, domain_count: int) -> Plan:
    per_domain = address_count // domain_count
    ips = loopback_hosts(domain_count)
    domains: dict[str, DomainBehaviour] = {}
    hosts: dict[str, str] = {}
    addresses: list[str] = []
    truth: dict[str, EmailVerdict] = {}
    existing = {f"user{n}" for n in range(0, per_domain, 2)}  # half of the mailboxes exist
    for index in range(domain_count):
        domain = f"company{index:04d}.test"
        kind = "catch_all" if index % 20 in (1, 2, 3) else "greylist" if index % 20 == 4 else "plain"
        if kind == "catch_all":
            domains[domain] = DomainBehaviour.accept_all()
        else:
            domains[domain] = DomainBehaviour.mailboxes(*existing, greylist=kind == "greylist")
        hosts[domain] = ips[index]
        for n in range(per_domain):
            address = f"user{n}@{domain}"
            addresses.append(address)
            if kind == "catch_all":
                truth[address] = EmailVerdict.CATCH_ALL
            else:
                truth[address] = EmailVerdict.VALID if f"user{n}" in existing else EmailVerdict.INVALID
    return Plan(domains, hosts, addresses, truth)


def serve(plan: Plan, latency: float, pipe: Connection) -> None:
    """Child process: the servers, until the parent asks for the statistics."""
    zone = DnsZone()
    for domain, ip in plan.hosts.items():
        zone.mail_domain(domain, f"mx.{domain}", ip)
    with DnsServer(zone) as dns, MxServer(plan.domains, hosts=list(plan.hosts.values()),
                                          reply_latency=latency) as mx:
        pipe.send((dns.port, mx.port))
        pipe.recv()  # "stats"
        stats = mx.snapshot()
        pipe.send({"max_active_by_host": stats.max_active_by_host, "connections": stats.connections,
                   "rcpts": len(stats.rcpts), "data_commands": stats.data_commands, "dns_queries": dns.queries})
        pipe.recv()  # "stop"


@contextmanager
def servers(plan: Plan, latency: float) -> Iterator[tuple[int, int, Connection]]:
    context = multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")
    parent, child = context.Pipe()
    process = context.Process(target=serve, args=(plan, latency, child), daemon=True)
    process.start()
    try:
        if not parent.poll(60):
            raise RuntimeError("the server process did not start")
        dns_port, mx_port = parent.recv()
        yield dns_port, mx_port, parent
    finally:
        with suppress(BrokenPipeError, OSError):
            parent.send("stop")
        process.join(10)
        if process.is_alive():
            process.terminate()


async def run(plan: Plan, config: VerifierConfig) -> tuple[list, float, Verifier]:
    started = time.perf_counter()
    async with Verifier(config) as verifier:
        results = [r async for r in verifier.stream(plan.addresses)]
    return results, time.perf_counter() - started, verifier


@dataclass
class Round:
    elapsed: float
    server_max: int
    client_max: int
    verdicts: Counter[str]
    wrong: int
    stats: dict


def one_round(plan: Plan, args: argparse.Namespace) -> tuple[Round, VerifierConfig]:
    """Fresh servers (greylisting memory included) and a fresh verifier batch."""
    with servers(plan, args.latency) as (dns_port, mx_port, pipe):
        config = VerifierConfig(
            dns_server="127.0.0.1", dns_port=dns_port, smtp_port=mx_port, helo_name="bench.outboard.test",
            mail_from="verify@bench.outboard.test", allow_test_domains=True, per_host_connections=args.per_host,
            max_concurrency=args.concurrency, retry_delays=(GREYLIST_RETRY_DELAY,), command_timeout=10.0,
            connect_timeout=10.0, address_timeout=60.0,
        )
        results, elapsed, verifier = asyncio.run(run(plan, config))
        pipe.send("stats")
        stats = pipe.recv()
    wrong = [r for r in results if r.verdict is not plan.truth[r.address]]
    for r in wrong[:5]:
        print(f"  wrong: {r.address}: {r.verdict.value} ({r.reason.value}: {r.detail})")
    outcome = Round(elapsed, max(stats["max_active_by_host"].values()),
                    max(verifier.max_connections_per_host.values()), Counter(r.verdict.value for r in results),
                    len(wrong), stats)
    print(f"verified {len(results):,} addresses over {args.domains} domains in {elapsed:.1f} s "
          f"= {len(results) / elapsed:,.0f} addresses/s; max connections per MX host at the server "
          f"{outcome.server_max} (limit {args.per_host}, client's count {outcome.client_max}); "
          f"wrong verdicts {len(wrong)}; server saw {stats['connections']:,} connections, "
          f"{stats['rcpts']:,} RCPTs, {stats['data_commands']} DATA", flush=True)
    return outcome, config


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--addresses", type=int, default=10_000)
    parser.add_argument("--domains", type=int, default=500)
    parser.add_argument("--latency", type=float, default=0.1, help="seconds per SMTP reply")
    parser.add_argument("--per-host", type=int, default=5, help="connections per MX host")
    parser.add_argument("--concurrency", type=int, default=1000, help="SMTP turns in progress overall")
    parser.add_argument("--rounds", type=int, default=3, help="report the median of this many runs")
    parser.add_argument("--sizes", default="1000,3000", help="smaller sizes, one run each, for the plot")
    parser.add_argument("--no-docs", action="store_true", help="do not update docs/benchmarks.md")
    args, _ = parser.parse_known_args()  # `python -m bench` passes the module name along

    began = time.perf_counter()
    args.load = os.getloadavg()[0]  # how busy the shared machine was when the run started
    sweep: dict[int, tuple[Round, float]] = {}
    for size in sorted(int(n) for n in args.sizes.split(",") if n and int(n) != args.addresses):
        load = os.getloadavg()[0]
        outcome, _ = one_round(make_plan(size, args.domains), args)
        sweep[size] = (outcome, load)
    plan = make_plan(args.addresses, args.domains)
    rounds: list[Round] = []
    headline_load = os.getloadavg()[0]
    for _ in range(args.rounds):
        outcome, config = one_round(plan, args)
        rounds.append(outcome)
    times = sorted(r.elapsed for r in rounds)
    median = statistics.median(times)
    args.took = time.perf_counter() - began
    print(f"median {median:.1f} s over {len(rounds)} rounds (min {times[0]:.1f}, max {times[-1]:.1f}) "
          f"= {args.addresses / median:,.0f} addresses/s; everything took {args.took:.0f} s")
    if not args.no_docs:
        write_section(SECTION, report(args, config, rounds, sweep, headline_load))
        print(f"updated {PAGE}")


def report(args: argparse.Namespace, config: VerifierConfig, rounds: list[Round],
           sweep: dict[int, tuple[Round, float]], headline_load: float) -> str:
    times = sorted(r.elapsed for r in rounds)
    median = statistics.median(times)
    last = rounds[-1]
    rows = [
        (f"Wall time, median of {len(rounds)} runs", f"{median:.1f} s (min {times[0]:.1f}, max {times[-1]:.1f}; "
         "target: under 60 s)"),
        ("Throughput (median run)", f"{args.addresses / median:,.0f} addresses/s"),
        ("Max concurrent connections per MX host, measured at the server",
         f"{max(r.server_max for r in rounds)} (limit {args.per_host})"),
        ("Verdicts (each run)", ", ".join(f"{k} {v:,}" for k, v in sorted(last.verdicts.items()))),
        ("Wrong verdicts (checked against the simulated truth)", str(sum(r.wrong for r in rounds))),
        ("Connections / RCPT commands / DATA commands seen by the server (last run)",
         f"{last.stats['connections']:,} / {last.stats['rcpts']:,} / {last.stats['data_commands']}"),
        ("DNS queries (last run)", f"{last.stats['dns_queries']:,}"),
    ]
    table = "\n".join(f"| {name} | {value} |" for name, value in rows)
    points = {n: r.elapsed for n, (r, _) in sweep.items()} | {args.addresses: median}
    chart = plot("verifier_wall_time", f"Email verifier wall time vs addresses ({args.domains} domains)",
                 "addresses", "seconds", {"wall time": sorted(points.items())})
    sweep_rows = "\n".join(
        [f"| {n:,} | {n // args.domains} | 1 | {r.elapsed:.1f} s | {n / r.elapsed:,.0f} | {r.server_max} | {r.wrong} "
         f"| {load:.1f} |" for n, (r, load) in sweep.items()]
        + [f"| {args.addresses:,} | {args.addresses // args.domains} | median of {len(rounds)} | {median:.1f} s | "
           f"{args.addresses / median:,.0f} | {max(r.server_max for r in rounds)} | {sum(r.wrong for r in rounds)} "
           f"| {headline_load:.1f} |"])
    return f"""`.venv/bin/python -m bench.bench_verifier` (the cores were shared with other work while it ran:
load average {args.load:.1f} at the start; the servers run in a second process on loopback; the whole run,
sweep included, took {args.took / 60:.1f} min).

{args.addresses:,} addresses over {args.domains} simulated domains, each with its own MX host (its own
127.0.x.y address, so the server counts connections per host); every SMTP reply takes
{args.latency * 1000:.0f} ms. 80% ordinary domains (half of the mailboxes exist), 15% catch-all, 5%
greylisting (first attempt 451 4.7.1, retried after {GREYLIST_RETRY_DELAY} s). Each connection sends one
MAIL FROM and then one RCPT TO per address (up to {config.addresses_per_connection}), plus one RCPT TO for
a random mailbox per domain (the catch-all probe), then QUIT; never DATA. Limits:
{config.per_host_connections} connections per MX host, {config.per_host_rate:g} new connections/s per host
(burst {config.per_host_burst}), {config.max_concurrency} turns in progress overall.

| Figure | Value |
|---|---|
{table}

Wall time against the number of addresses, the same {args.domains} domains and limits (fewer addresses per
domain at the smaller sizes; one run each, the last row is the median above):

| Addresses | Per domain | Runs | Wall time | Addresses/s | Max connections per host | Wrong verdicts | Load avg |
|---|---|---|---|---|---|---|---|
{sweep_rows}

{chart}
"""


if __name__ == "__main__":
    main()
