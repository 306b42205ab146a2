"""One trial: the generator plays one scenario against one server, or against several taking
turns (throughput.Rotation), while the sampler watches; the result is a `Trial` per server with
its throughput, latency, CPU and memory over the ticks counted for it."""

from __future__ import annotations

import math
import time
from collections.abc import Iterable
from dataclasses import dataclass, replace

from hdrh.histogram import HdrHistogram

from loadtests.config.matrix import Profile
from loadtests.config.scenarios import USER_CLASSES
from loadtests.env.sampling import Readings, Sampler, memory_of, wait_idle
from loadtests.load.generator import Generator, LoadCommand, SideLoad
from loadtests.load.throughput import TICK_SECONDS, Rotation, count_in, merge, tick_of, window_ticks
from loadtests.results.bench import Latency, Second, Trial

LOWEST_US, HIGHEST_US, DIGITS = 1, 60_000_000, 3
SPAWN_ALLOWANCE_SECONDS = 0.2


@dataclass(frozen=True)
class Endpoint:
    """A running server to send load to: its process (signals and start-up go to it), and
    behind a proxy, the other instances and the proxy's master."""

    base_url: str
    pid: int
    others: tuple[int, ...] = ()
    proxy_pid: int | None = None

    @property
    def pids(self) -> list[int]:
        """Every process that serves it, each the root of a tree (workers, nginx's workers)."""
        return [self.pid, *self.others, *([self.proxy_pid] if self.proxy_pid else [])]


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


def timeline(sides: list[SideLoad], started_at: float) -> list[Second]:
    successes, failures = merge(s.successes for s in sides), merge(s.failures for s in sides)
    start = int(started_at)
    seconds = sorted({int(second) for s in sides for second in s.latency_per_second})
    rows = []
    for second in seconds:
        histogram = merged_histogram(
            s.latency_per_second[second] for s in sides if second in s.latency_per_second
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


@dataclass(frozen=True)
class Turns:
    """How the servers of one trial take turns (throughput.Rotation), in seconds: each side's
    counted time, and the start of each slot that is not counted. The slots split the counted
    time into whole cycles of about four guards each; one server alone gets a plain window."""

    side_seconds: float
    guard_seconds: float

    @property
    def cycles(self) -> int:
        return max(1, round(self.side_seconds / (3 * self.guard_seconds)))

    @property
    def slot_seconds(self) -> float:
        counted = math.ceil(self.side_seconds / self.cycles / TICK_SECONDS - 1e-9) * TICK_SECONDS
        return round(counted + self.guard_seconds, 2)

    def longer(self, side_seconds: float) -> Turns:
        return replace(self, side_seconds=max(self.side_seconds, side_seconds))

    def rotation(self, sides: int, origin: int) -> Rotation:
        if sides == 1:
            counted = round(self.side_seconds / TICK_SECONDS)
            return Rotation(origin=origin, sides=1, slot=1, guard=0, cycles=counted)
        slot, guard = round(self.slot_seconds / TICK_SECONDS), round(self.guard_seconds / TICK_SECONDS)
        return Rotation(origin=origin, sides=sides, slot=slot, guard=guard, cycles=self.cycles)


def spans(ticks: list[int]) -> list[tuple[float, float]]:
    """Runs of consecutive ticks as (start, end) times."""
    found: list[tuple[float, float]] = []
    for tick in ticks:
        if found and abs(found[-1][1] - tick * TICK_SECONDS) < TICK_SECONDS / 2:
            found[-1] = (found[-1][0], (tick + 1) * TICK_SECONDS)
        else:
            found.append((tick * TICK_SECONDS, (tick + 1) * TICK_SECONDS))
    return found


def increase(readings: Readings, over: list[tuple[float, float]]) -> float:
    return sum(readings.at(end) - readings.at(start) for start, end in over)


def run_rotation(
    generator: Generator,
    endpoints: list[Endpoint],
    scenario: str,
    profile: Profile,
    index: int,
    server_cpus: list[int],
    turns: Turns,
) -> list[Trial]:
    """One trial of each of `endpoints`, which take turns under the same users (one endpoint: a
    plain window of `turns.side_seconds`). Each side's figures come from its counted ticks only."""
    # The turns start when the users should be running (a slower spawn waits for the next cycle).
    origin = tick_of(time.time() + profile.settle_seconds + SPAWN_ALLOWANCE_SECONDS)
    rotation = turns.rotation(len(endpoints), origin)
    command = LoadCommand(
        hosts=[e.base_url for e in endpoints],
        user_class=USER_CLASSES[scenario],
        users=profile.users,
        settle_seconds=profile.settle_seconds,
        rotation=rotation,
    )
    # Behind a proxy on the server CPUs, the server is the instances and the proxy together.
    trees = {f"server {i}": e.pids for i, e in enumerate(endpoints)}
    proxies = {f"proxy {i}": [e.proxy_pid] for i, e in enumerate(endpoints) if e.proxy_pid}
    with Sampler({**trees, **proxies, "generator": generator.pids}, server_cpus + generator.cpus) as sampler:
        results = generator.run(command)
    memory = [[m for pid in e.pids for m in memory_of(pid)] for e in endpoints]
    wait_idle([pid for e in endpoints for pid in e.pids])
    # Several generator processes: the cycles all of them measured.
    window = range(
        max(tick_of(r.window_start + TICK_SECONDS / 2) for r in results),
        min(tick_of(r.window_end + TICK_SECONDS / 2) for r in results),
    )
    started_at = min(r.started_at for r in results)
    trials = []
    for side in range(len(endpoints)):
        loads = [r.sides[side] for r in results]
        ticks = rotation.ticks(side, window)
        counted = spans(ticks)
        seconds = len(ticks) * TICK_SECONDS
        successes = round(count_in(merge(s.successes for s in loads), ticks))
        work = count_in(merge(s.work for s in loads), ticks)
        server_cpu_seconds = increase(sampler.cpu[f"server {side}"], counted)
        proxy = sampler.cpu.get(f"proxy {side}")
        errors: dict[str, int] = {}
        for load in loads:
            for error, count in load.errors.items():
                errors[error] = errors.get(error, 0) + count
        trials.append(
            Trial(
                index=index,
                started_at=started_at,
                window_seconds=round(seconds, 3),
                successes=successes,
                failures=count_in(merge(s.failures for s in loads), ticks),
                rps=work / seconds,
                latency=latency(merged_histogram(s.latency_window for s in loads)),
                server_cpu_percent=round(100 * server_cpu_seconds / seconds / len(server_cpus), 1),
                cpu_ms_per_request=round(1000 * server_cpu_seconds / successes, 3) if successes else 0.0,
                proxy_cpu_percent=(
                    round(100 * increase(proxy, counted) / seconds / len(server_cpus), 1) if proxy else None
                ),
                generator_cpu_percent=round(
                    100 * increase(sampler.cpu["generator"], counted) / seconds / len(generator.cpus), 1
                ),
                steal_percent=round(
                    100 * increase(sampler.steal, counted) / seconds / len(server_cpus + generator.cpus), 2
                ),
                memory=memory[side],
                timeline=timeline(loads, started_at),
                errors=errors,
            )
        )
    return trials


def run_trial(
    generator: Generator,
    endpoint: Endpoint,
    scenario: str,
    profile: Profile,
    index: int,
    server_cpus: list[int],
    window_seconds: float | None = None,
) -> Trial:
    """One server alone for a plain window (default: the profile's)."""
    turns = Turns(side_seconds=window_seconds or profile.window_seconds, guard_seconds=0.0)
    return run_rotation(generator, [endpoint], scenario, profile, index, server_cpus, turns)[0]
