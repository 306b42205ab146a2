"""The capacity search: the highest open-loop rate (k6) a server takes within a latency objective.

The rate grows by `growth` until a step fails — p99 above the objective, any failed request, or
any arrival k6 had no virtual user for — and is then refined `refinements` times between the
last passing and the first failing rate (geometric midpoints). `make capacity` and the
resilience faults (overload, soak) use it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

from rich.console import Console

from loadtests.config.matrix import CapacityProfile
from loadtests.env.sampling import wait_idle
from loadtests.load import k6
from loadtests.load.trial import Endpoint
from loadtests.results.bench import K6Step, Step

MAX_STEPS = 24


def judge(measured: K6Step, slo_p99_ms: float) -> Step:
    reasons = []
    if measured.p99_ms > slo_p99_ms:
        reasons.append(f"p99 {measured.p99_ms:.0f} ms > {slo_p99_ms:g} ms")
    if measured.failed:
        reasons.append(f"{measured.failed} failed")
    if measured.dropped:
        reasons.append(f"{measured.dropped} dropped")
    return Step(
        **measured.model_dump(), passed=not reasons, reason="; ".join(reasons) or "within the objective"
    )


def search(measure: Callable[[float], K6Step], start: float, profile: CapacityProfile) -> list[Step]:
    """Grow the rate until a step fails, then refine between the last pass and the first failure
    (geometric midpoints). Every step measured is returned, in the order measured."""
    steps: list[Step] = []
    rate = start
    while len(steps) < MAX_STEPS:
        steps.append(judge(measure(rate), profile.slo_p99_ms))
        if not steps[-1].passed:
            break
        rate *= profile.growth
    passing = [s.offered_rps for s in steps if s.passed]
    failing = [s.offered_rps for s in steps if not s.passed]
    if not passing or not failing:
        return steps
    low, high = max(passing), min(failing)
    for _ in range(profile.refinements):
        middle = math.sqrt(low * high)
        steps.append(judge(measure(middle), profile.slo_p99_ms))
        low, high = (middle, high) if steps[-1].passed else (low, middle)
    return steps


def capacity(steps: list[Step]) -> float | None:
    return max((s.offered_rps for s in steps if s.passed), default=None)


def stepper(
    endpoint: Endpoint, script: Path, profile: CapacityProfile, cpus: list[int], console: Console
) -> Callable[[float], K6Step]:
    """One step at a given rate against one server (k6 on `cpus`), then a wait until the server
    is idle."""

    def measure(rate: float) -> K6Step:
        result = k6.run(endpoint.base_url, script, rate, profile.step_seconds, cpus)
        console.print(
            f"  {rate:7.0f} req/s offered: p99 {result.p99_ms:7.1f} ms, "
            f"{result.failed} failed, {result.dropped} dropped"
        )
        wait_idle([endpoint.pid])
        return result

    return measure
