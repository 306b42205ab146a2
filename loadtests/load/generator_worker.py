"""One load generator process (see generator.py): reads a LoadCommand per line on stdin, runs
it with Locust as a library and writes the LoadResult as one line on stdout.

Run as `python -m loadtests.load.generator_worker FIXTURE.json`; Locust monkey-patches the process
with gevent on import, which is why the runner never imports this module.
"""

from __future__ import annotations

import itertools
import random
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import gevent
from hdrh.histogram import HdrHistogram
from locust.env import Environment

from loadtests.env.fixture import Fixture
from loadtests.load import locustfile
from loadtests.load.generator import LoadCommand, LoadResult
from loadtests.load.throughput import tick_of

# Microseconds, from 1 µs to 60 s, three significant digits.
LOWEST_US, HIGHEST_US, DIGITS = 1, 60_000_000, 3
SPAWN_RATE = 10_000.0


def histogram() -> HdrHistogram:
    return HdrHistogram(LOWEST_US, HIGHEST_US, DIGITS)


def run(command: LoadCommand) -> LoadResult:
    user_class = getattr(locustfile, command.user_class)
    # The same requests in every trial (locustfile.Shopper.seeds); Locust picks a weighted task
    # with the module's generator.
    locustfile.Shopper.seeds = itertools.count()
    random.seed(0)
    environment = Environment(user_classes=[user_class], host=command.host, stop_timeout=0)
    successes: Counter[int] = Counter()
    failures: Counter[int] = Counter()
    errors: Counter[str] = Counter()
    in_window = histogram()
    per_second: defaultdict[int, HdrHistogram] = defaultdict(histogram)
    window = [float("inf"), float("inf")]

    def on_request(response_time: float, exception: Exception | None, **_: Any) -> None:
        now = time.time()
        if exception is not None:
            failures[tick_of(now)] += 1
            errors[f"{type(exception).__name__}: {exception}"[:200]] += 1
            return
        successes[tick_of(now)] += 1
        micros = min(HIGHEST_US, max(LOWEST_US, round(response_time * 1000)))
        per_second[int(now)].record_value(micros)
        if window[0] <= now < window[1]:
            in_window.record_value(micros)

    environment.events.request.add_listener(on_request)
    runner = environment.create_local_runner()
    started_at = time.time()
    runner.start(command.users, spawn_rate=SPAWN_RATE)
    assert runner.spawning_greenlet is not None
    runner.spawning_greenlet.join()
    spawned_at = time.time()
    window[:] = [
        spawned_at + command.settle_seconds,
        spawned_at + command.settle_seconds + command.window_seconds,
    ]
    gevent.sleep(window[1] + command.tail_seconds - time.time())
    runner.quit()
    return LoadResult(
        started_at=started_at,
        spawned_at=spawned_at,
        window_start=window[0],
        window_end=window[1],
        successes=dict(successes),
        failures=dict(failures),
        latency_window=in_window.encode().decode(),
        latency_per_second={second: h.encode().decode() for second, h in sorted(per_second.items())},
        errors=dict(errors),
    )


def main() -> None:
    locustfile.Shopper.fixture = Fixture.read(Path(sys.argv[1]))
    for line in sys.stdin:
        result = run(LoadCommand.model_validate_json(line))
        sys.stdout.write(result.model_dump_json() + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
