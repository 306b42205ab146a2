"""One trial: the generator plays one scenario against one server while the sampler watches;
the result is a `Trial` with its throughput, latency, CPU and memory over the measured window."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from hdrh.histogram import HdrHistogram

from loadtests.config.matrix import Profile
from loadtests.config.scenarios import USER_CLASSES
from loadtests.env.sampling import Sampler, memory_of, wait_idle
from loadtests.load.generator import Generator, LoadCommand, LoadResult
from loadtests.load.throughput import TICK_SECONDS, count_in, merge, window_ticks
from loadtests.results.bench import Latency, Second, Trial

LOWEST_US, HIGHEST_US, DIGITS = 1, 60_000_000, 3


@dataclass(frozen=True)
class Endpoint:
    """A running server process to send load to."""

    base_url: str
    pid: int


def merged_histogram(encoded: Iterable[str]) -> HdrHistogram:
    merged = HdrHistogram(LOWEST_US, HIGHEST_US, DIGITS)
    for text in encoded:
        merged.add(HdrHistogram.decode(text.encode()))
    return merged


def latency(histogram: HdrHistogram) -> Latency:
    def ms(percentile: float) -> float:
        return round(float(histogram.get_value_at_percentile(percentile)) / 1000, 2)

    return Latency(
        p50_ms=ms(50), p90_ms=ms(90), p99_ms=ms(99), max_ms=round(histogram.get_max_value() / 1000, 2)
    )


def timeline(results: list[LoadResult]) -> list[Second]:
    successes, failures = merge(r.successes for r in results), merge(r.failures for r in results)
    start = int(min(r.started_at for r in results))
    seconds = sorted({int(s) for r in results for s in r.latency_per_second})
    rows = []
    for second in seconds:
        histogram = merged_histogram(
            r.latency_per_second[second] for r in results if second in r.latency_per_second
        )
        ticks = window_ticks(second, second + 1)
        rows.append(
            Second(
                second=second - start,
                successes=count_in(successes, ticks),
                failures=count_in(failures, ticks),
                p50_ms=round(histogram.get_value_at_percentile(50) / 1000, 2),
                p99_ms=round(histogram.get_value_at_percentile(99) / 1000, 2),
            )
        )
    return rows


def run_trial(
    generator: Generator,
    endpoint: Endpoint,
    scenario: str,
    profile: Profile,
    index: int,
    server_cpus: list[int],
    window_seconds: float | None = None,
) -> Trial:
    command = LoadCommand(
        host=endpoint.base_url,
        user_class=USER_CLASSES[scenario],
        users=profile.users,
        settle_seconds=profile.settle_seconds,
        window_seconds=window_seconds or profile.window_seconds,
    )
    with Sampler(
        {"server": [endpoint.pid], "generator": generator.pids}, server_cpus + generator.cpus
    ) as sampler:
        results = generator.run(command)
    memory = memory_of(endpoint.pid)
    wait_idle([endpoint.pid])
    start, end = max(r.window_start for r in results), min(r.window_end for r in results)
    ticks = window_ticks(start, end)
    seconds = len(ticks) * TICK_SECONDS
    successes = count_in(merge(r.successes for r in results), ticks)
    server_cpu_seconds = sampler.cpu["server"].at(end) - sampler.cpu["server"].at(start)
    errors: dict[str, int] = {}
    for result in results:
        for error, count in result.errors.items():
            errors[error] = errors.get(error, 0) + count
    return Trial(
        index=index,
        started_at=min(r.started_at for r in results),
        window_seconds=round(seconds, 3),
        successes=successes,
        failures=count_in(merge(r.failures for r in results), ticks),
        rps=successes / seconds,
        latency=latency(merged_histogram(r.latency_window for r in results)),
        server_cpu_percent=round(100 * sampler.cpu["server"].rate(start, end) / len(server_cpus), 1),
        cpu_ms_per_request=round(1000 * server_cpu_seconds / successes, 3) if successes else 0.0,
        generator_cpu_percent=round(100 * sampler.cpu["generator"].rate(start, end) / len(generator.cpus), 1),
        steal_percent=round(100 * sampler.steal.rate(start, end) / len(server_cpus + generator.cpus), 2),
        memory=memory,
        timeline=timeline(results),
        errors=errors,
    )
