"""Pool exhaustion: every pooled connection held, a read must be answered 503 after the pool timeout."""

from __future__ import annotations

import asyncio
import json
from collections import Counter

import psycopg

from loadtests.config.matrix import ServerConfig
from loadtests.load.client import Outcome, Request, one
from loadtests.results.resilience import Pool
from loadtests.studies.faults.context import Context, address, outcome_key, serve
from loadtests.studies.faults.database import psycopg_url

POOL_SIZE = 1  # DB_POOL_SIZE: 1 pooled + 1 overflow connection per process
POOL_TIMEOUT_SECONDS = 5.0  # the default of DB_POOL_TIMEOUT (core/settings.py)
POOL_PROBES = 4
POOL_MARGIN_SECONDS = 2.0


def pool(ctx: Context, config: ServerConfig) -> Pool:
    """A small pool (DB_POOL_SIZE=1: one pooled and one overflow connection), both connections
    held by order requests blocked on a row this harness locks: a read that needs a connection
    must be answered 503 service_unavailable once the pool timeout has passed."""
    assert ctx.postgres is not None
    held_count = 2 * POOL_SIZE
    env = {"DB_POOL_SIZE": str(POOL_SIZE), "DB_POOL_TIMEOUT": str(POOL_TIMEOUT_SECONDS)}
    with serve(ctx, config, env=env, databases=ctx.postgres) as running:
        host, port = address(running)
        locked = 1
        body = json.dumps({"items": [{"product_id": locked, "quantity": 1}]}).encode()
        auth = (("Authorization", f"Bearer {ctx.session.fixture.tokens[0]}"),)
        hold = Request("POST", "/v1/orders", "held order", body, auth)
        probe = Request("GET", f"/v1/products/{locked + 1}", "probe")

        async def drive() -> tuple[list[Outcome], list[Outcome]]:
            bound = POOL_TIMEOUT_SECONDS + POOL_MARGIN_SECONDS
            with psycopg.connect(psycopg_url(running.database_url)) as lock:
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
