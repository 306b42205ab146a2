"""The capacity search on a synthetic server with a known limit."""

from __future__ import annotations

import pytest

from loadtests.config.matrix import Matrix
from loadtests.load.capacity import capacity, judge, search
from loadtests.results.bench import K6Step

PROFILE = Matrix.load().capacity.model_copy(update={"growth": 1.5, "refinements": 2, "slo_p99_ms": 100})


class FakeServer:
    """Fast below `limit`; above it, queueing past the objective (or, `failing`, errors)."""

    def __init__(self, limit: float, *, failing: bool = False) -> None:
        self.limit, self.failing = limit, failing

    def __call__(self, rate: float) -> K6Step:
        over = rate > self.limit
        return K6Step(
            offered_rps=rate, achieved_rps=min(rate, self.limit), requests=round(rate * 4),
            failed=5 if over and self.failing else 0, dropped=0,
            p50_ms=2, p90_ms=5, p99_ms=900 if over and not self.failing else 10, max_ms=20,
        )  # fmt: skip


def test_the_search_grows_then_refines_to_the_last_passing_rate() -> None:
    steps = search(FakeServer(1000), 400, PROFILE)
    rates = [round(s.offered_rps) for s in steps]
    assert rates == [400, 600, 900, 1350, 1102, 996]
    assert [s.passed for s in steps] == [True, True, True, False, False, True]
    assert capacity(steps) == pytest.approx(996.0, abs=0.5)
    assert steps[3].reason == "p99 900 ms > 100 ms"


def test_a_step_with_failed_or_dropped_requests_fails_whatever_its_latency() -> None:
    ok = K6Step(offered_rps=100, achieved_rps=100, requests=400, failed=0, dropped=0,
                p50_ms=1, p90_ms=2, p99_ms=3, max_ms=4)  # fmt: skip
    assert judge(ok, 100).passed
    assert judge(ok.model_copy(update={"failed": 2}), 100).reason == "2 failed"
    assert judge(ok.model_copy(update={"dropped": 7}), 100).reason == "7 dropped"
    steps = search(FakeServer(500, failing=True), 400, PROFILE)
    assert not steps[1].passed and steps[1].reason == "5 failed"


def test_no_capacity_when_the_first_step_already_fails() -> None:
    steps = search(FakeServer(100), 400, PROFILE)
    assert len(steps) == 1 and capacity(steps) is None
