"""The faults, one function each: start the server, load it, break something, measure, judge.
Every fault is bounded in time and request count, and sends traffic only to 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import socket
import time
from collections import Counter
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import psutil
import psycopg
from sqlalchemy.engine import make_url

from core.db import DB_CONNECT_TIMEOUT_SECONDS
from loadtests.config.matrix import CapacityProfile, ServerConfig
from loadtests.env.cluster import PrivateCluster
from loadtests.env.databases import SeededDatabases
from loadtests.env.fixture import Fixture
from loadtests.env.sampling import tree, wait_idle
from loadtests.load import k6
from loadtests.load.capacity import capacity, search, stepper
from loadtests.load.client import Load, Outcome, Request, closed_loop, one, percentile
from loadtests.results.bench import K6Step
from loadtests.results.resilience import (
    LoadFigures,
    Minute,
    Outage,
    Overload,
    Pool,
    Shutdown,
    SlowClients,
    Soak,
    Window,
)
from loadtests.session.session import Running, Session

SHUTDOWN_CLIENTS = 16
SHUTDOWN_WARM_SECONDS = 3.0
SHUTDOWN_BOUND_SECONDS = 30.0  # gunicorn's graceful_timeout; a server still up after it is killed
OUTAGE_CLIENTS = 16
OUTAGE_RATE_PER_CLIENT = 20.0
OUTAGE_HOLD_SECONDS = 5.0
# Every answer while the database is down within this: a refused connect fails at once, a
# connect that hangs is cut at the connect timeout (core/db.py).
OUTAGE_ANSWER_BOUND_SECONDS = float(DB_CONNECT_TIMEOUT_SECONDS)
OUTAGE_RECOVERY_BOUND_SECONDS = 30.0
ORDERED_PRODUCTS = 50
POOL_SIZE = 1  # DB_POOL_SIZE: 1 pooled + 1 overflow connection per process
POOL_TIMEOUT_SECONDS = 5.0  # the default of DB_POOL_TIMEOUT (core/settings.py)
POOL_PROBES = 4
POOL_MARGIN_SECONDS = 2.0
OVERLOAD_SECONDS = 30.0
OVERLOAD_FACTOR = 2.0
RECOVERY_RATE_FACTOR = 0.5
WINDOW_SECONDS = 5.0
RECOVERY_BOUND_SECONDS = 30.0
SLOW_CONNECTIONS = 200
SLOW_SECONDS = 30.0
SLOW_BASELINE_SECONDS = 10.0
SLOW_CLIENTS = 8
SLOW_RATE_PER_CLIENT = 25.0
SLOW_MIN_SUCCESS = 0.99
SLOW_P99_FACTOR = 2.0
REQUEST_TIMEOUT = 10.0
SOAK_GROWTH_LIMIT_PERCENT = 10.0
QUICK_SEARCH = {"step_seconds": 2.0, "start_rps": {"product_by_id": 200.0}, "growth": 1.6, "refinements": 1}


@dataclass
class Context:
    """What every fault needs."""

    session: Session  # its databases are SQLite's; its `out`, the running fault's folder
    workdir: Path
    slo_p99_ms: float
    postgres: SeededDatabases | None = None
    cluster: PrivateCluster | None = None
    capacity_rps: float | None = None  # given on the command line: no search


def _address(running: Running) -> tuple[str, int]:
    parts = urlsplit(running.endpoint.base_url)
    return parts.hostname or "127.0.0.1", parts.port or 80


def product_read(products: int) -> Callable[[random.Random], Request]:
    return lambda rng: Request("GET", f"/v1/products/{rng.randint(1, products)}", "product")


def order(fixture: Fixture, rng: random.Random) -> Request:
    body = json.dumps({"items": [{"product_id": rng.randint(1, ORDERED_PRODUCTS), "quantity": 1}]})
    token = rng.choice(fixture.tokens)
    return Request("POST", "/v1/orders", "order", body.encode(), (("Authorization", f"Bearer {token}"),))


def outcome_key(outcome: Outcome) -> str:
    if outcome.failure:
        return outcome.failure
    if outcome.status and outcome.status >= 500 and outcome.error_code:
        return f"{outcome.status} {outcome.error_code}"
    return str(outcome.status)


def _wait_exit(pid: int, bound: float) -> tuple[float | None, int | None]:
    """Seconds until the child `pid` exits and its exit code; (None, None) past the bound."""
    started = time.monotonic()
    while time.monotonic() - started < bound:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return time.monotonic() - started, os.waitstatus_to_exitcode(status)
        time.sleep(0.01)
    return None, None


def shutdown(ctx: Context, config: ServerConfig) -> Shutdown:
    """Steady keep-alive load, SIGTERM to the server's master: every request sent before the
    signal must get a complete answer."""
    with ctx.session.serve(config) as running:
        host, port = _address(running)
        pid = running.endpoint.pid
        processes = tree([pid])
        state: dict[str, float | int | None] = {}

        async def drive() -> Load:
            done = asyncio.Event()
            load = asyncio.ensure_future(
                closed_loop(
                    host,
                    port,
                    SHUTDOWN_CLIENTS,
                    product_read(ctx.session.fixture.products),
                    lambda: not done.is_set(),
                )
            )
            await asyncio.sleep(SHUTDOWN_WARM_SECONDS)
            state["signal"] = time.monotonic()
            os.kill(pid, signal.SIGTERM)
            state["exit_seconds"], state["exit_code"] = await asyncio.to_thread(
                _wait_exit, pid, SHUTDOWN_BOUND_SECONDS
            )
            done.set()
            return await load

        load = asyncio.run(drive())
        leftovers = [p.pid for p in processes[1:] if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
        with suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)  # workers the master left behind; nothing when it is gone
    signal_at = float(state["signal"] or 0)
    before = load.sent_before(signal_at)
    lost = [o for o in before if o.status is None]
    reasons = Counter(o.failure or "unknown" for o in lost)
    non_2xx = Counter(str(o.status) for o in before if o.status is not None and not 200 <= o.status < 300)
    exit_seconds = state["exit_seconds"]
    notes = (
        [f"{len(leftovers)} worker process(es) still running after the master exited"] if leftovers else []
    )
    if exit_seconds is None:
        notes.append(f"still running {SHUTDOWN_BOUND_SECONDS:g} s after SIGTERM: killed")
    if lost and config.server == "gunicorn-sync":
        notes.append(
            "gunicorn's sync worker closes its listening socket and exits after its current request; "
            "connections already accepted by the kernel but not yet by a worker are reset "
            "(a sync worker keeps no connection open between requests)"
        )
    passed = not lost and not non_2xx and exit_seconds is not None
    return Shutdown(
        passed=passed,
        cell=f"{len(lost)} lost of {len(before)}"
        + (f" ({', '.join(f'{n} {r}' for r, n in reasons.items())})" if lost else "")
        + (f", exit {float(exit_seconds):.1f} s" if exit_seconds is not None else ", no exit"),
        bound="0 requests sent before SIGTERM without a complete 2xx answer; "
        f"exit within {SHUTDOWN_BOUND_SECONDS:g} s",
        notes=notes,
        clients=SHUTDOWN_CLIENTS,
        sent_before_signal=len(before),
        lost=len(lost),
        lost_by_reason=dict(reasons),
        non_2xx_before_signal=dict(non_2xx),
        answered_after_signal=sum(1 for o in before if o.status is not None and o.ended >= signal_at),
        exit_seconds=round(float(exit_seconds), 2) if exit_seconds is not None else None,
        exit_code=int(state["exit_code"]) if state["exit_code"] is not None else None,
    )


def _psycopg_url(database_url: str) -> str:
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


def _stock(database_url: str) -> dict[int, int]:
    with psycopg.connect(_psycopg_url(database_url)) as connection:
        return dict(connection.execute("SELECT id, stock FROM products").fetchall())


def _max_order(database_url: str) -> int:
    with psycopg.connect(_psycopg_url(database_url)) as connection:
        row = connection.execute("SELECT coalesce(max(id), 0) FROM orders").fetchone()
        return int(row[0]) if row else 0


def outage(ctx: Context, config: ServerConfig) -> Outage:
    """Reads and orders under load; the private cluster stopped (-m fast) for a few seconds,
    then started: 503s in the contract's format within the bound, recovery without a restart,
    and no partial order."""
    assert ctx.postgres is not None and ctx.cluster is not None
    cluster = ctx.cluster
    with ctx.session.serve(config, databases=ctx.postgres) as running:
        host, port = _address(running)
        stock_before, last_order = _stock(running.database_url), _max_order(running.database_url)
        marks: dict[str, float] = {}
        reads = product_read(ctx.session.fixture.products)

        def choose(rng: random.Random) -> Request:
            return order(ctx.session.fixture, rng) if rng.random() < 0.3 else reads(rng)

        live = Load()

        async def drive() -> Load:
            done = asyncio.Event()
            load = asyncio.ensure_future(
                closed_loop(
                    host, port, OUTAGE_CLIENTS, choose, lambda: not done.is_set(),
                    REQUEST_TIMEOUT, rate_per_client=OUTAGE_RATE_PER_CLIENT, load=live,
                )
            )  # fmt: skip
            await asyncio.sleep(3.0)
            marks["stop"] = time.monotonic()
            await asyncio.to_thread(cluster.stop, "fast")
            marks["down"] = time.monotonic()
            await asyncio.sleep(OUTAGE_HOLD_SECONDS)
            await asyncio.to_thread(cluster.start)
            marks["up"] = time.monotonic()
            deadline = marks["up"] + OUTAGE_RECOVERY_BOUND_SECONDS
            while time.monotonic() < deadline and not any(
                o.status and 200 <= o.status < 300 and o.started >= marks["up"] for o in live.outcomes
            ):
                await asyncio.sleep(0.1)
            await asyncio.sleep(2.0)
            done.set()
            return await load

        load = asyncio.run(drive())
        stock_after, orders = _stock(running.database_url), _orders_after(running.database_url, last_order)
    during = load.between(marks["stop"], marks["up"])
    counted = Counter(outcome_key(o) for o in during)
    proper = counted.pop("503 service_unavailable", 0)
    ok = sum(n for key, n in counted.items() if key.startswith("2"))
    other = {key: n for key, n in counted.items() if not key.startswith("2")}
    slowest = max((o.seconds for o in during), default=None)
    over = sum(1 for o in during if o.seconds > OUTAGE_ANSWER_BOUND_SECONDS)
    five = Counter(outcome_key(o) for o in load.outcomes if o.status and o.status >= 500)
    five.pop("503 service_unavailable", None)
    firsts = [
        o.ended for o in load.outcomes if o.status and 200 <= o.status < 300 and o.started >= marks["up"]
    ]
    recovery = min(firsts) - marks["up"] if firsts else None
    ordered = Counter[int]()
    for product_id, quantity in orders["items"]:
        ordered[product_id] += quantity
    mismatches = sum(
        1 for pid, stock in stock_before.items() if stock_after.get(pid, 0) + ordered[pid] != stock
    )
    answered_201 = sum(1 for o in load.outcomes if o.label == "order" and o.status == 201)
    unknown = sum(1 for o in load.outcomes if o.label == "order" and o.status is None and o.sent is not None)
    notes = [f"{ok} requests were answered 2xx while the cluster was shutting down or starting"] if ok else []
    if orders["count"] != answered_201:
        notes.append(
            f"{orders['count']} orders in the database, {answered_201} answered 201, "
            f"{unknown} order requests without an answer"
        )
    passed = (
        not other and not over and not five and recovery is not None and not mismatches
        and not orders["without_items"] and answered_201 <= orders["count"] <= answered_201 + unknown
    )  # fmt: skip
    return Outage(
        passed=passed,
        cell=f"{proper} × 503 of {len(during)}"
        + (f", {sum(other.values())} other" if other else "")
        + (f", other 5xx: {dict(five)}" if five else "")
        + (f", slowest {slowest:.2f} s" if slowest is not None else "")
        + (f", back {recovery:.2f} s" if recovery is not None else ", not back")
        + (f", {mismatches} stock mismatches" if mismatches else ", stock consistent"),
        bound=(
            f"while down: 503 service_unavailable (or 2xx) within {OUTAGE_ANSWER_BOUND_SECONDS:g} s, "
            f"no other 5xx; first 2xx within {OUTAGE_RECOVERY_BOUND_SECONDS:g} s of restart; "
            "stock + ordered = initial stock, no order without items"
        ),
        notes=notes,
        hold_seconds=round(marks["up"] - marks["down"], 2),
        answer_bound_seconds=OUTAGE_ANSWER_BOUND_SECONDS,
        during=len(during),
        during_503=proper,
        during_other=other,
        slowest_answer_seconds=round(slowest, 3) if slowest is not None else None,
        over_bound=over,
        other_5xx_whole_run=dict(five),
        recovery_seconds=round(recovery, 3) if recovery is not None else None,
        orders_answered_201=answered_201,
        orders_in_database=orders["count"],
        orders_without_items=orders["without_items"],
        stock_mismatches=mismatches,
    )


def _orders_after(database_url: str, last_order: int) -> dict:  # type: ignore[type-arg]
    with psycopg.connect(_psycopg_url(database_url)) as connection:
        items = connection.execute(
            "SELECT product_id, quantity FROM order_items WHERE order_id > %s", (last_order,)
        ).fetchall()
        count = connection.execute("SELECT count(*) FROM orders WHERE id > %s", (last_order,)).fetchone()
        without = connection.execute(
            "SELECT count(*) FROM orders o WHERE o.id > %s AND NOT EXISTS "
            "(SELECT 1 FROM order_items i WHERE i.order_id = o.id)",
            (last_order,),
        ).fetchone()
    return {"items": items, "count": count[0] if count else 0, "without_items": without[0] if without else 0}


def pool(ctx: Context, config: ServerConfig) -> Pool:
    """A small pool (DB_POOL_SIZE=1: one pooled and one overflow connection), both connections
    held by order requests blocked on a row this harness locks: a read that needs a connection
    must be answered 503 service_unavailable once the pool timeout has passed."""
    assert ctx.postgres is not None
    held_count = 2 * POOL_SIZE
    env = {"DB_POOL_SIZE": str(POOL_SIZE), "DB_POOL_TIMEOUT": str(POOL_TIMEOUT_SECONDS)}
    with ctx.session.serve(config, env=env, databases=ctx.postgres) as running:
        host, port = _address(running)
        locked = 1
        body = json.dumps({"items": [{"product_id": locked, "quantity": 1}]}).encode()
        auth = (("Authorization", f"Bearer {ctx.session.fixture.tokens[0]}"),)
        hold = Request("POST", "/v1/orders", "held order", body, auth)
        probe = Request("GET", f"/v1/products/{locked + 1}", "probe")

        async def drive() -> tuple[list[Outcome], list[Outcome]]:
            bound = POOL_TIMEOUT_SECONDS + POOL_MARGIN_SECONDS
            with psycopg.connect(_psycopg_url(running.database_url)) as lock:
                lock.execute("SELECT id FROM products WHERE id = %s FOR UPDATE", (locked,))
                held = [asyncio.ensure_future(one(host, port, hold, 60.0)) for _ in range(held_count)]
                await asyncio.sleep(1.0)  # the held requests take their connections and wait on the row
                probes = await asyncio.gather(
                    *(one(host, port, probe, 4 * bound) for _ in range(POOL_PROBES))
                )
                lock.rollback()
            return list(probes), list(await asyncio.gather(*held))

        probes, held = asyncio.run(drive())
    counted = Counter(outcome_key(o) for o in probes)
    proper = counted.pop("503 service_unavailable", 0)
    slowest = max(o.seconds for o in probes)
    held_answers = Counter(outcome_key(o) for o in held)
    bound = POOL_TIMEOUT_SECONDS + POOL_MARGIN_SECONDS
    notes = []
    passed: bool | None = not counted and slowest <= bound and set(held_answers) == {"201"}
    if config.threads == 1:
        passed = None
        notes.append(
            "not applicable: each process serves one request at a time, so a request never waits for "
            "a pooled connection; the probes waited for a free worker instead"
        )
    return Pool(
        passed=passed,
        cell=f"{proper}/{len(probes)} × 503, slowest {slowest:.1f} s"
        + (f", other: {dict(counted)}" if counted else ""),
        bound=f"503 service_unavailable within DB_POOL_TIMEOUT + {POOL_MARGIN_SECONDS:g} s = {bound:g} s; "
        "the held orders complete (201) once the row is free",
        notes=notes,
        pool_connections=held_count,
        pool_timeout_seconds=POOL_TIMEOUT_SECONDS,
        held=held_count,
        probes=len(probes),
        probes_503=proper,
        probe_other=dict(counted),
        slowest_probe_seconds=round(slowest, 3),
        held_answers=dict(held_answers),
    )


def quick_capacity(ctx: Context, running: Running, workdir: Path) -> tuple[float | None, str]:
    """The server's open-loop capacity for product reads at the SLO: the given figure, or a short
    search (loadtests/studies/capacity.py's, with 2 s steps and one refinement)."""
    if ctx.capacity_rps:
        return ctx.capacity_rps, "given (--capacity-rps)"
    profile = CapacityProfile(
        servers=[running.config.name], scenarios=["product_by_id"], slo_p99_ms=ctx.slo_p99_ms, **QUICK_SEARCH
    )
    script = k6.script("product_by_id", ctx.session.fixture, workdir / f"{running.config.name}-capacity.js")
    k6.run(
        running.endpoint.base_url,
        script,
        profile.start_rps["product_by_id"],
        2,
        ctx.session.plan.generator_cpus,
    )
    steps = search(
        stepper(running.endpoint, script, profile, ctx.session.plan.generator_cpus, ctx.session.console),
        profile.start_rps["product_by_id"],
        profile,
    )
    found = capacity(steps)
    return found, f"inline search: {len(steps)} k6 steps of {profile.step_seconds:g} s, product reads"


OVERLOAD_SCRIPT = """import http from 'k6/http';
import { Counter } from 'k6/metrics';
const PRODUCTS = __PRODUCTS__;
const BASE = __ENV.BASE;
const KINDS = ['timeout', 'reset', 'eof', 'refused', 'network', 's503', 's5xx', 's4xx'];
const counters = Object.fromEntries(KINDS.map((kind) => [kind, new Counter(`kind_${kind}`)]));
export const options = {
  discardResponseBodies: true,
  summaryTrendStats: ['p(50)', 'p(90)', 'p(99)', 'max'],
  scenarios: {load: {executor: 'constant-arrival-rate', rate: Number(__ENV.RATE), timeUnit: '1s',
    duration: __ENV.DURATION, preAllocatedVUs: Number(__ENV.VUS), maxVUs: Number(__ENV.MAX_VUS),
    gracefulStop: '15s'}},
};
function kind(res) {
  if (res.status === 0) {
    const error = String(res.error || '');
    if (error.includes('timeout')) return 'timeout';
    if (error.includes('reset')) return 'reset';
    if (error.includes('EOF')) return 'eof';
    if (error.includes('refused')) return 'refused';
    return 'network';
  }
  if (res.status === 503) return 's503';
  if (res.status >= 500) return 's5xx';
  if (res.status >= 400) return 's4xx';
  return null;
}
export default function () {
  const res = http.get(`${BASE}/v1/products/${1 + Math.floor(Math.random() * PRODUCTS)}`,
    {timeout: '__TIMEOUT__s', tags: {name: 'product'}});
  const found = kind(res);
  if (found) counters[found].add(1);
}
"""
ERROR_KINDS = {
    "timeout": "timeout", "reset": "reset", "eof": "EOF", "refused": "refused", "network": "other network",
    "s503": "503", "s5xx": "other 5xx", "s4xx": "4xx",
}  # fmt: skip


def _k6_classified(
    base_url: str, script: Path, rate: float, seconds: float, cpus: list[int]
) -> tuple[K6Step, dict[str, int]]:
    """A k6 constant-arrival-rate run of OVERLOAD_SCRIPT: the step and its errors by kind."""
    step = k6.run(base_url, script, rate, seconds, cpus)
    metrics = json.loads(script.with_suffix(f".{round(rate)}.json").read_text())["metrics"]
    errors = {
        label: int(metrics[f"kind_{name}"]["count"])
        for name, label in ERROR_KINDS.items()
        if f"kind_{name}" in metrics
    }
    if step.dropped:
        errors["dropped (no free k6 user)"] = step.dropped
    return step, {label: n for label, n in errors.items() if n}


def overload(ctx: Context, config: ServerConfig) -> Overload:
    """Open-loop arrivals at twice the capacity for 30 s, then half the capacity in 5 s windows
    until a window is back within the SLO."""
    with ctx.session.serve(config) as running:
        found, source = quick_capacity(ctx, running, ctx.session.out)
        capacity = found or QUICK_SEARCH["start_rps"]["product_by_id"] / 2  # type: ignore[index]
        if found is None:
            source += f"; no step passed, so half the first step ({capacity:g} req/s) is used"
        script = ctx.session.out / f"{config.name}-overload.js"
        script.write_text(
            OVERLOAD_SCRIPT.replace("__PRODUCTS__", str(ctx.session.fixture.products)).replace(
                "__TIMEOUT__", str(int(REQUEST_TIMEOUT))
            )
        )
        cpus, base = ctx.session.plan.generator_cpus, running.endpoint.base_url
        wait_idle([running.endpoint.pid])
        offered = OVERLOAD_FACTOR * capacity
        ctx.session.console.print(f"  overload: {offered:.0f} req/s for {OVERLOAD_SECONDS:g} s")
        step, errors = _k6_classified(base, script, offered, OVERLOAD_SECONDS, cpus)
        ended = time.monotonic()
        after = RECOVERY_RATE_FACTOR * capacity
        windows: list[Window] = []
        recovery = None
        while time.monotonic() - ended < RECOVERY_BOUND_SECONDS:
            start = time.monotonic() - ended
            measured, window_errors = _k6_classified(base, script, after, WINDOW_SECONDS, cpus)
            failed = sum(window_errors.values())
            windows.append(
                Window(
                    start_seconds=round(start, 2),
                    requests=measured.requests,
                    failed=failed,
                    p99_ms=measured.p99_ms,
                )
            )
            if measured.p99_ms <= ctx.slo_p99_ms and not failed:
                recovery = start
                break
    other_5xx = errors.get("other 5xx", 0)
    return Overload(
        passed=recovery is not None and not other_5xx,
        cell=f"{sum(errors.values())} errors"
        + (f" ({', '.join(f'{n} {k}' for k, n in errors.items())})" if errors else "")
        + f", p99 {step.p99_ms:.0f} ms, "
        + (f"recovered in {recovery:.1f} s" if recovery is not None else "not recovered"),
        bound=(
            f"{OVERLOAD_FACTOR:g}× capacity for {OVERLOAD_SECONDS:g} s; then at "
            f"{RECOVERY_RATE_FACTOR:g}× capacity a {WINDOW_SECONDS:g} s window with "
            f"p99 ≤ {ctx.slo_p99_ms:g} ms and no error within "
            f"{RECOVERY_BOUND_SECONDS:g} s; no 5xx other than 503"
        ),
        capacity_rps=found,
        capacity_source=source,
        offered_rps=round(offered),
        seconds=OVERLOAD_SECONDS,
        requests=step.requests,
        errors=errors,
        p50_ms=round(step.p50_ms, 1),
        p99_ms=round(step.p99_ms, 1),
        after_rps=round(after),
        slo_p99_ms=ctx.slo_p99_ms,
        windows=windows,
        recovery_seconds=round(recovery, 2) if recovery is not None else None,
    )


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
    with ctx.session.serve(config) as running:
        host, port = _address(running)
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


def memory(pid: int) -> tuple[float, float]:
    """RSS and USS (MiB) summed over the server's process tree."""
    rss = uss = 0.0
    for process in tree([pid]):
        with suppress(psutil.NoSuchProcess, psutil.AccessDenied):
            info = process.memory_full_info()
            rss, uss = rss + info.rss / 2**20, uss + info.uss / 2**20
    return rss, uss


def soak(
    ctx: Context, config: ServerConfig, seconds: float, slice_seconds: float, rate: float | None = None
) -> Soak:
    """k6 open loop (product reads) at 70 % of capacity, or at `rate`, in slices: errors, the
    server tree's memory after each slice, and p99 of the first and the last slice."""
    with ctx.session.serve(config) as running:
        if rate is None:
            found, source = quick_capacity(ctx, running, ctx.session.out)
            if found is None:
                raise RuntimeError(f"{config.name}: no capacity found ({source}); give --rate")
            rate, source = 0.7 * found, f"70 % of {found:.0f} req/s ({source})"
            wait_idle([running.endpoint.pid])
        else:
            source = "fixed rate"
        script = k6.script("product_by_id", ctx.session.fixture, ctx.session.out / f"{config.name}-soak.js")
        slices = []
        for index in range(max(1, round(seconds / slice_seconds))):
            step = k6.run(
                running.endpoint.base_url, script, rate, slice_seconds, ctx.session.plan.generator_cpus
            )
            rss, uss = memory(running.endpoint.pid)
            slices.append(
                Minute(
                    index=index, seconds=slice_seconds, requests=step.requests, failed=step.failed,
                    dropped=step.dropped, p50_ms=round(step.p50_ms, 2), p99_ms=round(step.p99_ms, 2),
                    rss_mib=round(rss, 1), uss_mib=round(uss, 1),
                )
            )  # fmt: skip
            ctx.session.console.print(
                f"  slice {index + 1}: {step.requests} requests, {step.failed + step.dropped} errors, "
                f"p99 {step.p99_ms:.1f} ms, RSS {rss:.1f} MiB, USS {uss:.1f} MiB"
            )
    first, last = slices[0], slices[-1]
    rss_growth = 100 * (last.rss_mib - first.rss_mib) / first.rss_mib
    uss_growth = 100 * (last.uss_mib - first.uss_mib) / first.uss_mib
    errors = sum(s.failed + s.dropped for s in slices)
    failed = sum(s.failed for s in slices)
    return Soak(
        passed=not errors
        and rss_growth < SOAK_GROWTH_LIMIT_PERCENT
        and uss_growth < SOAK_GROWTH_LIMIT_PERCENT,
        cell=f"{errors} errors ({failed} failed, {errors - failed} dropped), "
        f"RSS {rss_growth:+.1f} %, USS {uss_growth:+.1f} %, "
        f"p99 {first.p99_ms:.1f} → {last.p99_ms:.1f} ms",
        bound=(
            f"{len(slices)} × {slice_seconds:g} s at {rate:.0f} req/s: 0 errors; RSS and USS of the server's "
            f"processes grow < {SOAK_GROWTH_LIMIT_PERCENT:g} % from the end of the first slice to the end"
        ),
        rate_rps=round(rate, 1),
        rate_source=source,
        slice_seconds=slice_seconds,
        slices=slices,
        errors=errors,
        failed=failed,
        dropped=errors - failed,
        rss_growth_percent=round(rss_growth, 2),
        uss_growth_percent=round(uss_growth, 2),
        p99_drift_ms=round(last.p99_ms - first.p99_ms, 2),
    )
