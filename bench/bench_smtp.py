"""SMTP sending throughput: a bare aiosmtplib loop against Outboard's message builder and SMTP channel.

    .venv/bin/python -m bench.bench_smtp [--messages 3000] [--rounds 3] [--sizes 1000,3000,10000] [--no-docs]

A child process runs an aiosmtpd sink on loopback (bench/counting_sink.py) that accepts everything and
only counts it; this process sends to it over one connection per run, one message at a time (as a sender account does):

- bare, pre-built: stdlib `EmailMessage`s built before the clock starts, sent with `send_message`;
- bare, built in the loop: the same, building each message with the stdlib `email` package as it goes;
- Outboard: `build_email` (footer, unsubscribe token and headers, Message-ID) + `SmtpChannel.send`,
  plain text, then with the HTML part, then DKIM-signed (fewer messages: signing is CPU-bound).

Each figure is the median of the rounds, the variants interleaved within each round. Then, for the plot,
the time to send N messages (`--sizes`, one run each, the two variants interleaved) with the pre-built bare
loop and with Outboard's plain-text path. The defaults take 3 to 5 minutes. The database bookkeeping of
a real send is not part of this benchmark (bench_sending.py measures it). The `## SMTP channel` section
of docs/benchmarks.md and its plot are replaced with the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import multiprocessing
import os
import statistics
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import NamedTuple

import aiosmtplib
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from bench.counting_sink import counting_sink
from bench.report import plot, write_section
from outboard.send.channels.email_smtp import Security, SmtpChannel, SmtpSettings
from outboard.send.email_message import (
    DkimKey,
    Footer,
    OutgoingEmail,
    Unsubscribe,
    build_email,
)
from outboard.send.outcomes import Sent

BODY = ("Hi {name},\n\nI read your post about onboarding new engineers at {company}, and the point about "
        "week-one checklists stuck with me.\n\nWe help teams like yours cut ramp-up time by a third. Would a "
        "15-minute call next week be useful?\n\nBest,\nJo")
_MESSAGE_NUMBERS = itertools.count()
FOOTER = Footer("Outboard Ltd, 1 Main Street, Springfield 12345")
BARE, OURS = "bare aiosmtplib, pre-built stdlib messages", "Outboard build_email + SmtpChannel, plain text"


class Run(NamedTuple):
    rate: float  # messages per second, wall clock
    seconds: float
    cpu: float  # this process's CPU seconds over the same span (the sink is another process)


def stdlib_message(i: int) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "Jo Sender <jo@sender.test>"
    msg["To"] = f"Lead {i} <lead{i}@acme.test>"
    msg["Subject"] = "Onboarding checklists"
    msg["Message-ID"] = f"<bench.{next(_MESSAGE_NUMBERS)}@sender.test>"  # unique: the sink counts by it
    msg.set_content(BODY.format(name=f"Lead {i}", company="Acme"))
    return msg


def outboard_message(i: int, now: datetime, *, with_html: bool = False,
                     dkim_key: DkimKey | None = None) -> OutgoingEmail:
    address = f"lead{i}@acme.test"
    return build_email(sender_name="Jo Sender", sender_address="jo@sender.test", to_address=address,
                       to_name=f"Lead {i}", subject="Onboarding checklists",
                       body=BODY.format(name=f"Lead {i}", company="Acme"), now=now, footer=FOOTER,
                       unsubscribe=Unsubscribe.issue(b"bench-secret", 1, i, address, "https://out.example/u",
                                                     "sender.test"),
                       with_html=with_html, dkim_key=dkim_key)


async def bare(port: int, n: int, prebuilt: bool) -> Run:
    messages = [stdlib_message(i) for i in range(n)] if prebuilt else []
    async with aiosmtplib.SMTP(hostname="127.0.0.1", port=port, start_tls=False) as smtp:
        began, cpu = time.perf_counter(), time.process_time()
        for i in range(n):
            await smtp.send_message(messages[i] if prebuilt else stdlib_message(i))
        seconds = time.perf_counter() - began
        return Run(n / seconds, seconds, time.process_time() - cpu)


async def ours(port: int, n: int, **options: object) -> Run:
    settings = SmtpSettings("127.0.0.1", port, Security.NONE, messages_per_connection=10**9)
    now = datetime.now(UTC)
    async with SmtpChannel(settings) as channel:
        began, cpu = time.perf_counter(), time.process_time()
        for i in range(n):
            outcome = await channel.send(outboard_message(i, now, **options))  # type: ignore[arg-type]
            assert isinstance(outcome, Sent), outcome
        seconds = time.perf_counter() - began
        return Run(n / seconds, seconds, time.process_time() - cpu)


def build_cost(n: int, **options: object) -> float:
    """Microseconds to build one message, without sending."""
    now = datetime.now(UTC)
    began = time.perf_counter()
    for i in range(n):
        outboard_message(i, now, **options)  # type: ignore[arg-type]
    return (time.perf_counter() - began) / n * 1e6


def dkim_key() -> DkimKey:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                            serialization.NoEncryption())
    return DkimKey("sender.test", "bench", pem)


async def measure(port: int, n: int, rounds: int) -> dict[str, float]:
    key = dkim_key()
    dkim_n = max(n // 10, 50)
    variants: dict[str, Callable[[], Awaitable[Run]]] = {
        BARE: lambda: bare(port, n, prebuilt=True),
        "bare aiosmtplib, stdlib messages built in the loop": lambda: bare(port, n, prebuilt=False),
        OURS: lambda: ours(port, n),
        "Outboard build_email + SmtpChannel, text + HTML": lambda: ours(port, n, with_html=True),
        "Outboard build_email + SmtpChannel, text + DKIM (RSA 2048)": lambda: ours(port, dkim_n, dkim_key=key),
    }
    await bare(port, 100, prebuilt=True)  # warm up the connection path and the server
    results: dict[str, list[float]] = {name: [] for name in variants}
    for round_no in range(1, rounds + 1):
        for name, run in variants.items():
            rate = (await run()).rate
            results[name].append(rate)
            print(f"round {round_no}: {name}: {rate:,.0f} msg/s", flush=True)
    return {name: statistics.median(rates) for name, rates in results.items()}


async def sweep(port: int, sizes: list[int]) -> dict[str, dict[int, tuple[Run, float]]]:
    """Time to send N messages, one run per size, bare pre-built loop and Outboard plain text interleaved;
    each with the load average at its start."""
    out: dict[str, dict[int, tuple[Run, float]]] = {BARE: {}, OURS: {}}
    for n in sizes:
        for name in (BARE, OURS):
            load = os.getloadavg()[0]
            result = await (bare(port, n, prebuilt=True) if name == BARE else ours(port, n))
            out[name][n] = (result, load)
            print(f"sweep: {name}: {n:,} messages in {result.seconds:.1f} s ({result.cpu:.1f} s CPU), "
                  f"{result.rate:,.0f} msg/s", flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=3000, help="messages per run")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--sizes", default="1000,3000,10000", help="messages per run of the time-vs-N sweep")
    parser.add_argument("--no-docs", action="store_true", help="do not update docs/benchmarks.md")
    args, _ = parser.parse_known_args()  # `python -m bench` passes the module name along
    sizes = [int(n) for n in args.sizes.split(",") if n]
    began = time.perf_counter()

    load_before = os.getloadavg()[0]
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    server = context.Process(target=counting_sink, args=(child,), daemon=True)
    server.start()
    try:
        if not parent.poll(30):
            raise SystemExit("the SMTP sink did not start")
        port = parent.recv()
        rates = asyncio.run(measure(port, args.messages, args.rounds))
        swept = asyncio.run(sweep(port, sizes))
    finally:
        parent.send("stop")
        received = parent.recv() if parent.poll(30) else {}
        server.join(10)
    print(f"the sink received {received.get('messages', '?')} messages, {received.get('duplicates', '?')} twice")

    costs = {"plain text": build_cost(2000), "text + HTML": build_cost(2000, with_html=True),
             "text + DKIM (RSA 2048)": build_cost(100, dkim_key=dkim_key())}
    reference = rates[BARE]
    print()
    for name, rate in rates.items():
        print(f"{name:62} {rate:8,.0f} msg/s  ({rate / reference:4.0%} of the pre-built bare loop)")
    for name, micros in costs.items():
        print(f"build_email, {name:24} {micros:8,.0f} µs per message")

    took = time.perf_counter() - began
    print(f"everything took {took:.0f} s")
    if args.no_docs:
        return
    chart = plot("smtp_send_time", "Time to send N messages over one SMTP connection", "messages", "seconds",
                 {"bare, pre-built": [(n, r.seconds) for n, (r, _) in swept[BARE].items()],
                  "Outboard, plain text": [(n, r.seconds) for n, (r, _) in swept[OURS].items()],
                  "bare, CPU": [(n, r.cpu) for n, (r, _) in swept[BARE].items()],
                  "Outboard, CPU": [(n, r.cpu) for n, (r, _) in swept[OURS].items()]})
    sweep_rows = "\n".join(
        f"| {n:,} | {swept[BARE][n][0].seconds:.1f} s ({swept[BARE][n][0].rate:,.0f}/s) | "
        f"{swept[BARE][n][0].cpu:.1f} s | {swept[OURS][n][0].seconds:.1f} s ({swept[OURS][n][0].rate:,.0f}/s) | "
        f"{swept[OURS][n][0].cpu:.1f} s | "
        f"{swept[OURS][n][0].rate / swept[BARE][n][0].rate:.0%} | {swept[BARE][n][1]:.1f} |" for n in sizes)
    load = f"load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after"
    rows = "\n".join(f"| {name} | {rate:,.0f} | {rate / reference:.0%} |" for name, rate in rates.items())
    build_rows = "\n".join(f"| {name} | {micros:,.0f} µs |" for name, micros in costs.items())
    write_section("SMTP channel", f"""
`.venv/bin/python -m bench.bench_smtp --messages {args.messages} --rounds {args.rounds} --sizes {args.sizes}` (took
{took / 60:.1f} min)

An aiosmtpd sink in a second process on loopback; one connection, one message at a time; median of
{args.rounds} rounds, the variants interleaved. No database bookkeeping here (that is the "Sending"
benchmark): this is the ceiling the full send path works under. The cores were shared with other work
({load}), so compare the rows with each other rather than with other sections.

| Sender | msg/s | vs. bare pre-built |
|---|---|---|
{rows}

Building one message (`build_email`: footer, unsubscribe token and headers, Message-ID, MIME):

| Message | Time |
|---|---|
{build_rows}

DKIM signing with dkimpy is pure-Python RSA: at the cost above, a worker signing its own mail sends at
most about {1e6 / costs["text + DKIM (RSA 2048)"]:,.0f} messages per second. At cold-email volumes (tens
per mailbox per day) that does not matter, and most mailbox providers sign for the sender anyway.

Time to send N messages over one connection, one run per size (the two senders interleaved, after the
rounds above; load average at the start of each size given). Wall clock on a busy machine is noisy; CPU is
the sending process's own (the sink's is not counted) and the steadier measure.

| Messages | Bare, pre-built | Bare CPU | Outboard, plain text | Outboard CPU | Outboard vs. bare (wall) | Load avg |
|---|---|---|---|---|---|---|
{sweep_rows}

{chart}
""")


if __name__ == "__main__":
    main()
