"""Soak: k6 at 70 % of capacity for minutes; errors, memory growth and p99 drift."""

from __future__ import annotations

from loadtests.config.matrix import ServerConfig
from loadtests.env.sampling import memory_of, wait_idle
from loadtests.load import k6
from loadtests.results.resilience import Minute, Soak
from loadtests.studies.faults.context import Context, quick_capacity, serve

SOAK_GROWTH_LIMIT_PERCENT = 10.0


def soak(
    ctx: Context, config: ServerConfig, seconds: float, slice_seconds: float, rate: float | None = None
) -> Soak:
    """k6 open loop (product reads) at 70 % of capacity, or at `rate`, in slices: errors, the
    server tree's memory after each slice, and p99 of the first and the last slice."""
    with serve(ctx, config) as running:
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
            readings = memory_of(running.endpoint.pid)
            rss, uss = sum(r.rss_mib for r in readings), sum(r.uss_mib for r in readings)
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
