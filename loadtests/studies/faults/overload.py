"""Overload: open-loop arrivals at twice the capacity, then the time to recover."""

from __future__ import annotations

import time
from pathlib import Path

from loadtests.config.matrix import ServerConfig
from loadtests.env.sampling import wait_idle
from loadtests.load import k6
from loadtests.results.resilience import Overload, Window
from loadtests.studies.faults.context import (
    QUICK_SEARCH_START_RPS,
    REQUEST_TIMEOUT,
    Context,
    quick_capacity,
    serve,
)

OVERLOAD_SECONDS = 30.0
OVERLOAD_FACTOR = 2.0
RECOVERY_RATE_FACTOR = 0.5
WINDOW_SECONDS = 5.0
RECOVERY_BOUND_SECONDS = 30.0


def overload(ctx: Context, config: ServerConfig) -> Overload:
    """Open-loop arrivals at twice the capacity for 30 s, then half the capacity in 5 s windows
    until a window is back within the SLO."""
    with serve(ctx, config) as running:
        found, source = quick_capacity(ctx, running, ctx.session.out)
        capacity = found or QUICK_SEARCH_START_RPS / 2
        if found is None:
            source += f"; no step passed, so half the first step ({capacity:g} req/s) is used"
        path = ctx.session.out / f"{config.name}-overload.js"
        script = k6.classified_script(ctx.session.fixture, path, REQUEST_TIMEOUT)
        cpus, base = ctx.session.plan.generator_cpus, running.endpoint.base_url
        wait_idle([running.endpoint.pid])
        offered = OVERLOAD_FACTOR * capacity
        ctx.session.console.print(f"  overload: {offered:.0f} req/s for {OVERLOAD_SECONDS:g} s")
        step, errors = k6.run_classified(base, script, offered, OVERLOAD_SECONDS, cpus)
        after = RECOVERY_RATE_FACTOR * capacity
        windows, recovery = _recover(base, script, after, cpus, ctx.slo_p99_ms)
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


def _recover(
    base: str, script: Path, rate: float, cpus: list[int], slo_p99_ms: float
) -> tuple[list[Window], float | None]:
    """Windows at `rate` right after the overload, until one is within the SLO with no error
    (the seconds it started after the overload) or the recovery bound has passed."""
    ended = time.monotonic()
    windows: list[Window] = []
    while time.monotonic() - ended < RECOVERY_BOUND_SECONDS:
        start = time.monotonic() - ended
        measured, errors = k6.run_classified(base, script, rate, WINDOW_SECONDS, cpus)
        failed = sum(errors.values())
        windows.append(
            Window(
                start_seconds=round(start, 2),
                requests=measured.requests,
                failed=failed,
                p99_ms=measured.p99_ms,
            )
        )
        if measured.p99_ms <= slo_p99_ms and not failed:
            return windows, start
    return windows, None
