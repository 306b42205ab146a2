"""One load generator process (see generator.py): reads a LoadCommand per line on stdin, runs
it with Locust as a library and writes the LoadResult as one line on stdout.

Run as `python -m loadtests.load.generator_worker FIXTURE.json`; Locust monkey-patches the process
with gevent on import, which is why the runner never imports this module.
"""

from __future__ import annotations

import itertools
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gevent
from hdrh.histogram import HdrHistogram
from locust.env import Environment

from loadtests.env.fixture import Fixture
from loadtests.load import locustfile
from loadtests.load.generator import LoadCommand, LoadResult, SideLoad
from loadtests.load.throughput import TICK_SECONDS, spread, tick_of

# Microseconds, from 1 µs to 60 s, three significant digits.
LOWEST_US, HIGHEST_US, DIGITS = 1, 60_000_000, 3
SPAWN_RATE = 10_000.0


def histogram() -> HdrHistogram:
    return HdrHistogram(LOWEST_US, HIGHEST_US, DIGITS)


@dataclass
class Side:
    """What one server of the rotation answered so far."""

    successes: Counter[int] = field(default_factory=Counter)
    work: dict[int, float] = field(default_factory=dict)
    failures: Counter[int] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    counted: HdrHistogram = field(default_factory=histogram)
    per_second: defaultdict[int, HdrHistogram] = field(default_factory=lambda: defaultdict(histogram))

    def result(self) -> SideLoad:
        return SideLoad(
            successes=dict(self.successes),
            work=self.work,
            failures=dict(self.failures),
            latency_window=self.counted.encode().decode(),
            latency_per_second={s: h.encode().decode() for s, h in sorted(self.per_second.items())},
            errors=dict(self.errors),
        )


def run(command: LoadCommand) -> LoadResult:
    user_class = getattr(locustfile, command.user_class)
    rotation = command.rotation
    # The same requests in every trial and to every server of it (locustfile.Shopper.seeds).
    locustfile.Shopper.seeds = itertools.count()
    locustfile.Shopper.rotation = (command.hosts, rotation)
    environment = Environment(user_classes=[user_class], host=command.hosts[0], stop_timeout=0)
    sides = [Side() for _ in command.hosts]
    window = range(0)

    def on_request(response_time: float, exception: Exception | None, url: str, **_: Any) -> None:
        now = time.time()
        tick = tick_of(now)
        index = next(i for i, host in enumerate(command.hosts) if url.startswith(host))
        side = sides[index]
        if exception is not None:
            side.failures[tick] += 1
            side.errors[f"{type(exception).__name__}: {exception}"[:200]] += 1
            return
        side.successes[tick] += 1
        spread(side.work, now, response_time / 1000)
        micros = min(HIGHEST_US, max(LOWEST_US, round(response_time * 1000)))
        side.per_second[int(tick * TICK_SECONDS)].record_value(micros)
        if tick in window and rotation.side_of(tick) == index and rotation.counted(tick):
            side.counted.record_value(micros)

    environment.events.request.add_listener(on_request)
    runner = environment.create_local_runner()
    started_at = time.time()
    runner.start(command.users, spawn_rate=SPAWN_RATE)
    assert runner.spawning_greenlet is not None
    runner.spawning_greenlet.join()
    spawned_at = time.time()
    first = rotation.start_after(tick_of(spawned_at + command.settle_seconds))
    window = range(first, first + rotation.cycles * rotation.cycle)
    gevent.sleep(window.stop * TICK_SECONDS + command.tail_seconds - time.time())
    runner.quit()
    return LoadResult(
        started_at=started_at,
        spawned_at=spawned_at,
        window_start=window.start * TICK_SECONDS,
        window_end=window.stop * TICK_SECONDS,
        sides=[side.result() for side in sides],
    )


def main() -> None:
    locustfile.Shopper.fixture = Fixture.read(Path(sys.argv[1]))
    for line in sys.stdin:
        result = run(LoadCommand.model_validate_json(line))
        sys.stdout.write(result.model_dump_json() + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
