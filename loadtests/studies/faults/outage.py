"""A database outage under load: the private PostgreSQL cluster stopped, then started."""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from core.db import DB_CONNECT_TIMEOUT_SECONDS
from loadtests.config.matrix import ServerConfig
from loadtests.env.cluster import PrivateCluster
from loadtests.load.client import Load, Request, closed_loop
from loadtests.results.resilience import Outage
from loadtests.studies.faults.context import (
    REQUEST_TIMEOUT,
    Context,
    address,
    order,
    outcome_key,
    product_read,
    serve,
)
from loadtests.studies.faults.database import OrdersAfter, max_order, orders_after, stock

OUTAGE_CLIENTS = 16
OUTAGE_RATE_PER_CLIENT = 20.0
OUTAGE_HOLD_SECONDS = 5.0
# Every answer while the database is down within this: a refused connect fails at once, a
# connect that hangs is cut at the connect timeout (core/db.py).
OUTAGE_ANSWER_BOUND_SECONDS = float(DB_CONNECT_TIMEOUT_SECONDS)
OUTAGE_RECOVERY_BOUND_SECONDS = 30.0
BOUND = (
    f"while down: 503 service_unavailable (or 2xx) within {OUTAGE_ANSWER_BOUND_SECONDS:g} s, "
    f"no other 5xx; first 2xx within {OUTAGE_RECOVERY_BOUND_SECONDS:g} s of restart; "
    "stock + ordered = initial stock, no order without items"
)


@dataclass
class Marks:
    """When the cluster was told to stop, was down, and was back up (time.monotonic)."""

    stop: float = 0.0
    down: float = 0.0
    up: float = 0.0


async def _drive(
    host: str, port: int, choose: Callable[[random.Random], Request], cluster: PrivateCluster
) -> tuple[Load, Marks]:
    """The load throughout; the cluster stopped after 3 s, started again after the hold, and the
    load kept on until a 2xx follows the restart (or the recovery bound passes), then 2 s more."""
    marks, live, done = Marks(), Load(), asyncio.Event()
    load = asyncio.ensure_future(
        closed_loop(
            host, port, OUTAGE_CLIENTS, choose, lambda: not done.is_set(),
            REQUEST_TIMEOUT, rate_per_client=OUTAGE_RATE_PER_CLIENT, load=live,
        )
    )  # fmt: skip
    await asyncio.sleep(3.0)
    marks.stop = time.monotonic()
    await asyncio.to_thread(cluster.stop, "fast")
    marks.down = time.monotonic()
    await asyncio.sleep(OUTAGE_HOLD_SECONDS)
    await asyncio.to_thread(cluster.start)
    marks.up = time.monotonic()
    deadline = marks.up + OUTAGE_RECOVERY_BOUND_SECONDS
    while time.monotonic() < deadline and not _answered_after(live, marks.up):
        await asyncio.sleep(0.1)
    await asyncio.sleep(2.0)
    done.set()
    return await load, marks


def _answered_after(load: Load, moment: float) -> list[float]:
    """When the 2xx answers to requests started after `moment` ended."""
    return [o.ended for o in load.outcomes if o.status and 200 <= o.status < 300 and o.started >= moment]


def outage(ctx: Context, config: ServerConfig) -> Outage:
    """Reads and orders under load; the private cluster stopped (-m fast) for a few seconds,
    then started: 503s in the contract's format within the bound, recovery without a restart,
    and no partial order."""
    assert ctx.postgres is not None and ctx.cluster is not None
    with serve(ctx, config, databases=ctx.postgres) as running:
        host, port = address(running)
        stock_before, last_order = stock(running.database_url), max_order(running.database_url)
        reads = product_read(ctx.session.fixture.products)

        def choose(rng: random.Random) -> Request:
            return order(ctx.session.fixture, rng) if rng.random() < 0.3 else reads(rng)

        load, marks = asyncio.run(_drive(host, port, choose, ctx.cluster))
        stock_after, orders = stock(running.database_url), orders_after(running.database_url, last_order)
    ordered = Counter[int]()
    for product_id, quantity in orders.items:
        ordered[product_id] += quantity
    mismatches = sum(1 for pid, was in stock_before.items() if stock_after.get(pid, 0) + ordered[pid] != was)
    return _judge(load, marks, orders, mismatches)


def _judge(load: Load, marks: Marks, orders: OrdersAfter, mismatches: int) -> Outage:
    during = load.between(marks.stop, marks.up)
    counted = Counter(outcome_key(o) for o in during)
    proper = counted.pop("503 service_unavailable", 0)
    ok = sum(n for key, n in counted.items() if key.startswith("2"))
    other = {key: n for key, n in counted.items() if not key.startswith("2")}
    slowest = max((o.seconds for o in during), default=None)
    over = sum(1 for o in during if o.seconds > OUTAGE_ANSWER_BOUND_SECONDS)
    five = Counter(outcome_key(o) for o in load.outcomes if o.status and o.status >= 500)
    five.pop("503 service_unavailable", None)
    firsts = _answered_after(load, marks.up)
    recovery = min(firsts) - marks.up if firsts else None
    answered_201 = sum(1 for o in load.outcomes if o.label == "order" and o.status == 201)
    unknown = sum(1 for o in load.outcomes if o.label == "order" and o.status is None and o.sent is not None)
    notes = [f"{ok} requests were answered 2xx while the cluster was shutting down or starting"] if ok else []
    if orders.count != answered_201:
        notes.append(
            f"{orders.count} orders in the database, {answered_201} answered 201, "
            f"{unknown} order requests without an answer"
        )
    passed = (
        not other and not over and not five and recovery is not None and not mismatches
        and not orders.without_items and answered_201 <= orders.count <= answered_201 + unknown
    )  # fmt: skip
    return Outage(
        passed=passed,
        cell=f"{proper} × 503 of {len(during)}"
        + (f", {sum(other.values())} other" if other else "")
        + (f", other 5xx: {dict(five)}" if five else "")
        + (f", slowest {slowest:.2f} s" if slowest is not None else "")
        + (f", back {recovery:.2f} s" if recovery is not None else ", not back")
        + (f", {mismatches} stock mismatches" if mismatches else ", stock consistent"),
        bound=BOUND,
        notes=notes,
        hold_seconds=round(marks.up - marks.down, 2),
        answer_bound_seconds=OUTAGE_ANSWER_BOUND_SECONDS,
        during=len(during),
        during_503=proper,
        during_other=other,
        slowest_answer_seconds=round(slowest, 3) if slowest is not None else None,
        over_bound=over,
        other_5xx_whole_run=dict(five),
        recovery_seconds=round(recovery, 3) if recovery is not None else None,
        orders_answered_201=answered_201,
        orders_in_database=orders.count,
        orders_without_items=orders.without_items,
        stock_mismatches=mismatches,
    )
