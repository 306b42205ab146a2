"""`make resilience-smoke` (part of `make test`): the quick, deterministic faults on one server
each, and a 40 s soak of one server pair at a modest fixed rate (docs/resilience.md).

Asserted: the outcomes (no request lost to a graceful shutdown, 503s in the contract's format
within their bounds, no partial order, no failed request in the soak). Never a speed. The soak's memory
growth over 20 s per server is reported, not asserted: so short a soak says little about a leak
(`make soak` judges it over 10 minutes)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from rich.console import Console

from loadtests.config.dataset import SeedSpec
from loadtests.config.matrix import Matrix, ServerConfig
from loadtests.config.plan import make_plan
from loadtests.env.cluster import unavailable_reason
from loadtests.results.resilience import Outage, Pool, Shutdown
from loadtests.session.session import Session
from loadtests.studies.faults.context import Context
from loadtests.studies.faults.soak import soak
from loadtests.studies.resilience import open_context, run_fault

SMALL_SEED = SeedSpec(users=50, products=200, orders=100)
SOAK_PAIR = ("flask-granian-wsgi", "fastapi-granian-asgi")
SOAK_SECONDS_EACH = 20.0
SOAK_SLICE_SECONDS = 10.0
SOAK_RATE = 100.0


@pytest.fixture(scope="module")
def context() -> Iterator[Context]:
    if (reason := unavailable_reason()) is not None:
        if os.environ.get("REQUIRE_POSTGRES") == "1":  # CI: the PostgreSQL path is never skipped
            pytest.fail(f"REQUIRE_POSTGRES=1 but no private PostgreSQL cluster can start: {reason}")
        pytest.skip(f"the outage and pool faults need a private PostgreSQL cluster: {reason}")
    with ExitStack() as stack:
        # Not tmp_path: pytest's directories are private to root, and the cluster runs as postgres.
        out = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="test-resilience-")))
        out.chmod(0o755)
        plan = make_plan("quick", seed=SMALL_SEED, profile_overrides={"floor": False}, out=out)
        session = stack.enter_context(Session.open(plan, Console()))
        ctx, no_postgres = open_context(session, {"outage", "pool"}, slo_p99_ms=100.0)
        assert no_postgres is None
        yield ctx


def config(name: str) -> ServerConfig:
    return Matrix.load().servers[name]


def test_graceful_shutdown_loses_no_request_sent_before_sigterm(context: Context) -> None:
    result = run_fault(context, config("fastapi-granian-asgi"), "shutdown")
    assert isinstance(result, Shutdown)
    print(f"shutdown: {result.cell}")
    assert result.sent_before_signal > 0
    assert result.lost == 0, result.lost_by_reason
    assert result.exit_seconds is not None


def test_database_outage_is_503_within_the_bound_and_leaves_no_partial_order(context: Context) -> None:
    result = run_fault(context, config("flask-gunicorn-gthread"), "outage")
    assert isinstance(result, Outage)
    print(f"outage: {result.cell}")
    assert result.during_503 > 0, "the load must have met the outage"
    assert result.other_5xx_whole_run == {} and result.during_other == {}
    assert result.over_bound == 0
    assert result.recovery_seconds is not None
    assert result.stock_mismatches == 0 and result.orders_without_items == 0
    assert result.passed


def test_an_exhausted_pool_answers_503_after_the_pool_timeout(context: Context) -> None:
    result = run_fault(context, config("fastapi-granian-asgi"), "pool")
    assert isinstance(result, Pool)
    print(f"pool: {result.cell}")
    assert result.probes_503 == result.probes and result.probe_other == {}
    assert result.slowest_probe_seconds is not None
    assert result.slowest_probe_seconds >= result.pool_timeout_seconds - 0.5, "503 before the timeout"
    assert result.held_answers == {"201": result.held}
    assert result.passed


@pytest.mark.parametrize("server", SOAK_PAIR)
def test_a_short_soak_has_no_error(context: Context, server: str) -> None:
    result = soak(context, config(server), SOAK_SECONDS_EACH, SOAK_SLICE_SECONDS, SOAK_RATE)
    print(f"soak {server}: {result.cell} (memory growth reported, not asserted)")
    assert len(result.slices) == round(SOAK_SECONDS_EACH / SOAK_SLICE_SECONDS)
    assert all(s.requests > 0 for s in result.slices)
    # A dropped arrival is k6 finding every user busy: the server fell a second behind, which a
    # shared 2-CPU machine can cause on its own; it is printed, and `make soak` counts it.
    print(f"soak {server}: {result.dropped} arrivals dropped")
    assert result.failed == 0
