"""Throughput from a timeline of completions: the rate in a fixed window, without bias.

The load generator counts successful responses (and, separately, failures) in ticks of
TICK_SECONDS of wall-clock time. A trial's rate is the successes of the ticks that lie wholly
inside its measured window — which starts after every user is running and ends before the
stop — divided by the time those ticks cover. Ramp-up, the stop and responses that straggle in
after it never enter the count or the clock, so a server that answers in bursts and one that
answers smoothly at the same rate get the same number.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

TICK_SECONDS = 0.01


def tick_of(timestamp: float) -> int:
    """The tick a completion at `timestamp` (seconds since the epoch) is counted in."""
    return math.floor(timestamp / TICK_SECONDS)


def window_ticks(start: float, end: float) -> range:
    """The ticks that lie wholly inside [start, end)."""
    first = math.ceil(start / TICK_SECONDS - 1e-9)
    last = math.floor(end / TICK_SECONDS + 1e-9)  # exclusive
    return range(first, max(first, last))


def count_in(ticks: Mapping[int, int], window: range) -> int:
    return sum(ticks.get(tick, 0) for tick in window)


def window_rate(ticks: Mapping[int, int], start: float, end: float) -> float:
    """Completions per second in the window [start, end)."""
    window = window_ticks(start, end)
    if not window:
        raise ValueError(f"the window [{start}, {end}) holds no whole tick")
    return count_in(ticks, window) / (len(window) * TICK_SECONDS)


def merge(timelines: Iterable[Mapping[int, int]]) -> dict[int, int]:
    """One timeline from several generator processes (their clocks are the same machine's)."""
    merged: dict[int, int] = {}
    for timeline in timelines:
        for tick, count in timeline.items():
            merged[tick] = merged.get(tick, 0) + count
    return merged
