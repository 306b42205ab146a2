"""What every fault shares: its context, the requests its clients send, how an outcome is
counted, and a quick capacity search."""

from __future__ import annotations

import dataclasses
import json
import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from loadtests.config.matrix import CapacityProfile, ServerConfig
from loadtests.env.cluster import PrivateCluster
from loadtests.env.databases import SeededDatabases
from loadtests.env.fixture import Fixture
from loadtests.env.proxy import reverse_proxy
from loadtests.load import k6
from loadtests.load.capacity import capacity, search, stepper
from loadtests.load.client import Outcome, Request
from loadtests.load.trial import Endpoint
from loadtests.session.session import Running, Session

ORDERED_PRODUCTS = 50
REQUEST_TIMEOUT = 10.0
QUICK_SEARCH_START_RPS = 200.0


@dataclass
class Context:
    """What every fault needs."""

    session: Session  # its databases are SQLite's; its `out`, the running fault's folder
    workdir: Path
    slo_p99_ms: float
    postgres: SeededDatabases | None = None
    cluster: PrivateCluster | None = None
    capacity_rps: float | None = None  # given on the command line: no search
    proxy: bool = False  # every fault's clients reach the server through nginx (--proxy nginx)


@contextmanager
def serve(ctx: Context, config: ServerConfig, **options: Any) -> Iterator[Running]:
    """A fresh start of `config` for a fault (Session.serve's `options`); with `ctx.proxy`, its
    endpoint is a private nginx in front of it, on the server's CPUs (the pid stays the
    server's: signals and memory readings go to it)."""
    with ctx.session.serve(config, **options) as running:
        if not ctx.proxy:
            yield running
            return
        folder = ctx.session.out / "proxy"
        with reverse_proxy([running.endpoint.base_url], folder, cpus=ctx.session.plan.server_cpus) as proxy:
            yield dataclasses.replace(running, endpoint=Endpoint(proxy.base_url, running.endpoint.pid))


def address(running: Running) -> tuple[str, int]:
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


def quick_capacity(ctx: Context, running: Running, workdir: Path) -> tuple[float | None, str]:
    """The server's open-loop capacity for product reads at the SLO: the given figure, or a short
    search (2 s steps, one refinement)."""
    if ctx.capacity_rps:
        return ctx.capacity_rps, "given (--capacity-rps)"
    profile = CapacityProfile(
        servers=[running.config.name], scenarios=["product_by_id"], slo_p99_ms=ctx.slo_p99_ms,
        step_seconds=2.0, start_rps={"product_by_id": QUICK_SEARCH_START_RPS}, growth=1.6, refinements=1,
    )  # fmt: skip
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
