"""Writing throughput: the offline composer (messages/s) and the LLM writer against a local
OpenAI-compatible endpoint that takes 500 ms per call (1,000 leads x 3 steps).

    .venv/bin/python -m bench.bench_writer [leads] [--composer-sizes 100,1000,10000] [--llm-sizes 100,300,1000]

Targets from issue 6: the composer writes at least 2,000 messages/s; the LLM writer writes 1,000 leads x 3
steps in under 90 s. The LLM writer makes one call per lead for all its steps, 16 calls in flight (the
default `LLMConfig.concurrency`); a second pass over the same leads is answered from the draft cache.
Both are swept over the number of leads for the plots (`leads`, 1,000 by default, is the headline and is
added to both sweeps); the sample has 1,500 distinct leads, cycled beyond that. 2 to 6 minutes in all.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import math
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # also runnable as `python bench/bench_writer.py`
    sys.path.insert(0, str(ROOT))

from tests.write.sample_leads import SENDER, TODAY, sample_leads, sample_strategy  # noqa: E402

from bench.report import plot, write_section  # noqa: E402
from outboard.devservers.openai_server import OpenAIServer  # noqa: E402
from outboard.plays.library import get_play  # noqa: E402
from outboard.write.cache import MemoryDraftCache  # noqa: E402
from outboard.write.composer import Composer  # noqa: E402
from outboard.write.guardrails import approvable, check_drafts  # noqa: E402
from outboard.write.hooks import mine_hooks  # noqa: E402
from outboard.write.llm import LLMConfig, LLMWriter  # noqa: E402
from outboard.write.writer import WriteRequest  # noqa: E402

COMPOSER_TARGET = 2000.0  # messages per second
LLM_TARGET_S = 90.0
LATENCY_S = 0.5
COMPOSER_SIZES = (100, 1_000, 10_000)
LLM_SIZES = (100, 300, 1_000)
CONCURRENCY: int = {f.name: f.default for f in dataclasses.fields(LLMConfig)}[
    "concurrency"]  # the default the benchmark runs with


def leads_for(count: int) -> list:
    """`count` sample leads: the generator has 1,500 distinct names, so larger counts cycle them."""
    distinct = sample_leads(min(count, 1500))
    return [distinct[i % len(distinct)] for i in range(count)]


def bench_composer(leads: list, rounds: int = 3) -> dict[str, float]:
    strategy = sample_strategy()
    briefs = get_play("cold-linkedin-first").briefs()
    hooks = [mine_hooks(lead, strategy, today=TODAY, sender=SENDER) for lead in leads]
    composer = Composer()
    best, best_s, best_cpu = 0.0, 0.0, 0.0
    for _ in range(rounds):  # best of N: other processes share the cores
        started, cpu = time.perf_counter(), time.process_time()
        count = sum(len(composer.write(lead, strategy, briefs, h)) for lead, h in zip(leads, hooks, strict=True))
        seconds = time.perf_counter() - started
        if count / seconds > best:
            best, best_s, best_cpu = count / seconds, seconds, time.process_time() - cpu
    started, cpu = time.perf_counter(), time.process_time()
    count = blocked = 0
    for lead in leads:
        drafts = composer.write(lead, strategy, briefs, mine_hooks(lead, strategy, today=TODAY, sender=SENDER))
        results = check_drafts(drafts, lead, strategy)
        count += len(drafts)
        blocked += sum(not approvable(f) for f in results)
    full_s, full_cpu = time.perf_counter() - started, time.process_time() - cpu
    return {"compose": best, "full": count / full_s, "messages": float(len(leads) * len(briefs)),
            "blocked": float(blocked), "compose_s": best_s, "compose_cpu": best_cpu, "full_s": full_s,
            "full_cpu": full_cpu, "load": os.getloadavg()[0]}


async def bench_llm(leads: list) -> dict[str, float]:
    strategy = sample_strategy()
    briefs = tuple(get_play("hiring-signal").briefs())  # three steps
    requests = [WriteRequest(lead, strategy, briefs, tuple(mine_hooks(lead, strategy, today=TODAY)), str(i))
                for i, lead in enumerate(leads)]
    with OpenAIServer(latency_s=LATENCY_S) as server:
        cache = MemoryDraftCache()
        writer = LLMWriter(LLMConfig(base_url=server.base_url, model=server.model), cache=cache)
        started = time.perf_counter()
        results = await writer.write_batch(requests)
        elapsed = time.perf_counter() - started
        calls = len(server.requests)
        peak = server.max_in_flight
        started = time.perf_counter()
        again = await writer.write_batch(requests)
        cached_s = time.perf_counter() - started
        rerun_calls = len(server.requests) - calls
    return {
        "elapsed": elapsed, "ok": float(sum(r.ok for r in results)),
        "drafts": float(sum(len(r.drafts) for r in results)), "calls": float(calls), "peak": float(peak),
        "tokens": float(sum(r.usage.get("total_tokens", 0) for r in results)),
        "cached_s": cached_s, "cached": float(sum(r.cached for r in again)),
        "rerun_calls": float(rerun_calls), "load": os.getloadavg()[0],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("leads", nargs="?", type=int, default=1000, help="the headline size")
    parser.add_argument("--composer-sizes", default=",".join(str(n) for n in COMPOSER_SIZES))
    parser.add_argument("--llm-sizes", default=",".join(str(n) for n in LLM_SIZES))
    args, _ = parser.parse_known_args()
    count = args.leads
    began = time.perf_counter()
    composers: dict[int, dict[str, float]] = {}
    for size in sorted({*(int(n) for n in args.composer_sizes.split(",")), count}):
        c = composers[size] = bench_composer(leads_for(size))
        print(f"composer, {size:,} leads: {c['messages']:,.0f} messages in {c['compose_s']:.2f} s "
              f"({c['compose_cpu']:.2f} s CPU, best of 3), {c['compose']:,.0f}/s; with hook mining and guardrails "
              f"{c['full_s']:.1f} s ({c['full_cpu']:.1f} s CPU); load average {c['load']:.1f}", flush=True)
    llms: dict[int, dict[str, float]] = {}
    for size in sorted({*(int(n) for n in args.llm_sizes.split(",")), count}):
        m = llms[size] = asyncio.run(bench_llm(leads_for(size)))
        print(f"llm writer, {size:,} leads x 3 steps: {m['elapsed']:.1f} s, {m['calls']:.0f} calls, "
              f"cached rerun {m['cached_s']:.2f} s; load average {m['load']:.1f}", flush=True)
    took = time.perf_counter() - began
    composer, llm = composers[count], llms[count]
    print(f"composer: {composer['compose']:,.0f} messages/s (target {COMPOSER_TARGET:,.0f}); "
          f"with hook mining and guardrails: {composer['full']:,.0f} messages/s; "
          f"{composer['blocked']:.0f} of {composer['messages']:,.0f} blocked by the guardrails")
    print(f"llm writer: {count:,} leads x 3 steps in {llm['elapsed']:.1f} s (target < {LLM_TARGET_S:.0f} s), "
          f"{llm['calls']:.0f} calls, {llm['peak']:.0f} in flight at most, {llm['drafts']:,.0f} drafts; "
          f"cached rerun {llm['cached_s']:.2f} s, {llm['cached']:.0f} leads from the cache; all took {took:.0f} s")
    verdict_c = "meets" if composer["compose"] >= COMPOSER_TARGET else "MISSES"
    verdict_l = "meets" if llm["elapsed"] < LLM_TARGET_S else "MISSES"
    c, m = composer, llm
    rows = [
        ("Offline composer", f"{c['compose']:,.0f} messages/s ({verdict_c} the {COMPOSER_TARGET:,.0f}/s target)"),
        ("Composer + hook mining + guardrails",
         f"{c['full']:,.0f} messages/s, {c['blocked']:.0f} of {c['messages']:,.0f} blocked"),
        (f"LLM writer, {count:,} leads x 3 steps",
         f"{m['elapsed']:.1f} s ({verdict_l} the {LLM_TARGET_S:.0f} s target), {m['drafts']:,.0f} drafts"),
        ("LLM calls", f"{m['calls']:.0f} (one per lead), at most {m['peak']:.0f} in flight, "
                      f"{m['tokens']:,.0f} tokens"),
        ("Same leads again (draft cache)",
         f"{m['cached_s']:.2f} s, {m['cached']:.0f} of {count:,} leads cached, {m['rerun_calls']:.0f} calls"),
    ]
    body = f"""
`.venv/bin/python -m bench.bench_writer` — {count:,} generated sample leads (`tests/write/sample_leads.py`),
hooks mined beforehand. Composer: the four steps of `cold-linkedin-first`, English, best of 3 rounds. LLM
writer: the three steps of `hiring-signal`, one call per lead for all its steps, default concurrency 16,
against `outboard.devservers.openai_server` answering every call after {LATENCY_S * 1000:.0f} ms.

| Measure | Result |
|---|---|
""" + "\n".join(f"| {name} | {value} |" for name, value in rows)
    charts = [
        plot("writer_composer", "Offline composer CPU time vs leads (4 steps each)", "leads", "CPU seconds",
             {"composer (best round)": [(n, c["compose_cpu"]) for n, c in composers.items()],
              "+ hooks + guardrails": [(n, c["full_cpu"]) for n, c in composers.items()]}),
        plot("writer_llm", f"LLM writer time vs leads (3 steps, {LATENCY_S * 1000:.0f} ms per call)", "leads",
             "seconds", {"LLM writer": [(n, m["elapsed"]) for n, m in llms.items()],
                         f"bound ⌈n/{CONCURRENCY}⌉ × {LATENCY_S:g} s": [
                             (n, math.ceil(n / CONCURRENCY) * LATENCY_S) for n in llms],
                         "cached rerun": [(n, m["cached_s"]) for n, m in llms.items()]}),
    ]
    composer_rows = "\n".join(
        f"| {n:,} | {c['messages']:,.0f} | {c['compose_s']:.2f} s | {c['compose_cpu']:.2f} s | {c['compose']:,.0f} | "
        f"{c['full_s']:.1f} s | {c['full_cpu']:.1f} s | {c['load']:.1f} |" for n, c in composers.items())
    llm_rows = "\n".join(
        f"| {n:,} | {m['elapsed']:.1f} s | {math.ceil(n / CONCURRENCY) * LATENCY_S:.1f} s | {m['calls']:.0f} | "
        f"{m['peak']:.0f} | {m['cached_s']:.2f} s | {m['load']:.1f} |" for n, m in llms.items())
    body += f"""

Time against the number of leads (the whole run took {took:.0f} s; {os.cpu_count()} cores shared with other
work, see the load average, so wall clock includes waiting for a core; CPU time is this process's own and is
what the composer plot shows). Beyond 1,500 leads the sample's leads are cycled (the composer keeps no
state between leads).

| Leads | Composer messages | Composer (best of 3) | CPU | Messages/s | With hook mining + guardrails | CPU | Load avg |
|---|---|---|---|---|---|---|---|
{composer_rows}

| Leads (x 3 steps) | LLM writer | Bound (⌈leads / {CONCURRENCY}⌉ x {LATENCY_S * 1000:.0f} ms) | Calls | Max in flight \
| Cached rerun | Load avg |
|---|---|---|---|---|---|---|
{llm_rows}

{charts[0]}

{charts[1]}
"""
    write_section("Writing", body)


if __name__ == "__main__":
    main()
