"""Slow clients: connections trickling headers while normal clients run a steady load."""

from __future__ import annotations

import asyncio
import socket
import time
from collections import Counter

from loadtests.config.matrix import ServerConfig
from loadtests.load.client import Load, closed_loop, percentile
from loadtests.results.resilience import LoadFigures, SlowClients
from loadtests.studies.faults.context import (
    REQUEST_TIMEOUT,
    Context,
    address,
    outcome_key,
    product_read,
    serve,
)

SLOW_CONNECTIONS = 200
SLOW_SECONDS = 30.0
SLOW_BASELINE_SECONDS = 10.0
SLOW_CLIENTS = 8
SLOW_RATE_PER_CLIENT = 25.0
SLOW_MIN_SUCCESS = 0.99
SLOW_P99_FACTOR = 2.0


def figures(load: Load) -> LoadFigures:
    answered = [o for o in load.outcomes if o.status and 200 <= o.status < 300]
    latencies = [1000 * o.seconds for o in answered]
    failures = Counter(outcome_key(o) for o in load.outcomes if not (o.status and 200 <= o.status < 300))
    p50, p99 = percentile(latencies, 0.5), percentile(latencies, 0.99)
    return LoadFigures(
        requests=len(load.outcomes),
        answered_2xx=len(answered),
        success_rate=round(len(answered) / len(load.outcomes), 4) if load.outcomes else 0.0,
        p50_ms=round(p50, 2) if p50 is not None else None,
        p99_ms=round(p99, 2) if p99 is not None else None,
        failures=dict(failures),
    )


async def _trickle(host: str, port: int, until: float, opened: list[socket.socket | None]) -> None:
    """One slowloris connection: a request line, then a header line a second, never the end."""
    try:
        reader, writer = await asyncio.open_connection(host, port)
    except OSError:
        return
    try:
        writer.write(b"GET /v1/products/1 HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        await writer.drain()
        n = 0
        while time.monotonic() < until:
            await asyncio.sleep(1.0)
            n += 1
            writer.write(f"X-Slow-{n}: {n}\r\n".encode())
            await writer.drain()
        opened.append(None if reader.at_eof() else writer.get_extra_info("socket"))
    except OSError:
        return  # the server closed it
    finally:
        writer.close()


def slow_clients(ctx: Context, config: ServerConfig) -> SlowClients:
    """200 connections trickling headers while normal clients run a steady paced load: do the
    normal clients still get answers, as fast as without them?"""
    with serve(ctx, config) as running:
        host, port = address(running)
        reads = product_read(ctx.session.fixture.products)

        async def steady(seconds: float) -> Load:
            until = time.monotonic() + seconds
            return await closed_loop(
                host, port, SLOW_CLIENTS, reads, lambda: time.monotonic() < until,
                REQUEST_TIMEOUT, rate_per_client=SLOW_RATE_PER_CLIENT,
            )  # fmt: skip

        async def drive() -> tuple[Load, Load, int]:
            baseline = await steady(SLOW_BASELINE_SECONDS)
            until = time.monotonic() + SLOW_SECONDS
            opened: list[socket.socket | None] = []
            trickles = [
                asyncio.ensure_future(_trickle(host, port, until, opened)) for _ in range(SLOW_CONNECTIONS)
            ]
            await asyncio.sleep(1.0)
            loaded = await steady(SLOW_SECONDS - 1.0)
            await asyncio.gather(*trickles)
            return baseline, loaded, sum(1 for s in opened if s is not None)

        baseline, loaded, still_open = asyncio.run(drive())
    before, during = figures(baseline), figures(loaded)
    # p99 is judged against the same clients' p99 without slow clients (a shared machine moves
    # both), or the objective, whichever is larger.
    allowed = max(ctx.slo_p99_ms, SLOW_P99_FACTOR * (before.p99_ms or 0))
    passed = during.success_rate >= SLOW_MIN_SUCCESS and (during.p99_ms or 1e9) <= allowed
    return SlowClients(
        passed=passed,
        cell=f"{100 * during.success_rate:.1f} % answered (p99 {during.p99_ms or 0:.0f} ms) "
        f"vs {100 * before.success_rate:.1f} % (p99 {before.p99_ms or 0:.0f} ms) without",
        bound=(
            f"{SLOW_CONNECTIONS} slow connections for {SLOW_SECONDS:g} s: normal clients "
            f"({SLOW_CLIENTS} × {SLOW_RATE_PER_CLIENT:g} req/s) ≥ {100 * SLOW_MIN_SUCCESS:g} % answered 2xx, "
            f"p99 ≤ max({ctx.slo_p99_ms:g} ms, {SLOW_P99_FACTOR:g}× their p99 without slow clients) "
            f"(request timeout {REQUEST_TIMEOUT:g} s)"
        ),
        slow_connections=SLOW_CONNECTIONS,
        seconds=SLOW_SECONDS,
        slow_still_open=still_open,
        baseline=before,
        with_slow=during,
    )
