"""Throughput from a timeline of completions: the rate in a fixed window, without bias.

The load generator counts successful responses (and, separately, failures) in ticks of
TICK_SECONDS of wall-clock time. A trial's rate is the successes of the ticks that lie wholly
inside its measured window — which starts after every user is running and ends before the
stop — divided by the time those ticks cover. Ramp-up, the stop and responses that straggle in
after it never enter the count or the clock, so a server that answers in bursts and one that
answers smoothly at the same rate get the same number.

The rate credits each response to the ticks its request was in flight (`spread`), each by its
share of the request's time, rather than to the tick it completed in: a window's edge then cuts
a slow request's credit in two instead of taking or leaving all of it. On logins (~0.35 s each,
about 100 in a 2 s window) that lowered the spread of a twin pair's ratio from launch to launch
by up to a third; a 5 ms read lies in one or two ticks, so it changes little there. The counts
stay as they are, for the minimum of responses and the latency.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

from pydantic import BaseModel, Field, model_validator

TICK_SECONDS = 0.01


def tick_of(timestamp: float) -> int:
    """The tick a completion at `timestamp` (seconds since the epoch) is counted in."""
    return math.floor(timestamp / TICK_SECONDS)


def window_ticks(start: float, end: float) -> range:
    """The ticks that lie wholly inside [start, end)."""
    first = math.ceil(start / TICK_SECONDS - 1e-9)
    last = math.floor(end / TICK_SECONDS + 1e-9)  # exclusive
    return range(first, max(first, last))


def count_in(ticks: Mapping[int, float], window: Iterable[int]) -> float:
    return sum(ticks.get(tick, 0) for tick in window)


def window_rate(ticks: Mapping[int, int], start: float, end: float) -> float:
    """Completions per second in the window [start, end)."""
    window = window_ticks(start, end)
    if not window:
        raise ValueError(f"the window [{start}, {end}) holds no whole tick")
    return count_in(ticks, window) / (len(window) * TICK_SECONDS)


def spread(work: dict[int, float], end: float, seconds: float) -> None:
    """Credit one response to the ticks its request was in flight, each by its share of the
    request's time: completions counted this way are not lumped at the window's edges."""
    start = end - seconds
    first, last = tick_of(start), tick_of(end)
    if first == last or seconds <= 0:
        work[last] = work.get(last, 0.0) + 1.0
        return
    for tick in range(first, last + 1):
        overlap = min(end, (tick + 1) * TICK_SECONDS) - max(start, tick * TICK_SECONDS)
        work[tick] = work.get(tick, 0.0) + overlap / seconds


def merge(timelines: Iterable[Mapping[int, float]]) -> dict[int, float]:
    """One timeline from several generator processes (their clocks are the same machine's)."""
    merged: dict[int, float] = {}
    for timeline in timelines:
        for tick, count in timeline.items():
            merged[tick] = merged.get(tick, 0) + count
    return merged


class Rotation(BaseModel):
    """Several servers measured in one trial, taking turns: from tick `origin`, each side in turn
    gets `slot` ticks of all the users' requests, for `cycles` cycles. A side's count skips the
    first `guard` ticks of its slots, while the previous side's requests still finish, so it
    holds only ticks in which every user was asking that side. The machine's slow spells, which
    last longer than a slot, then fall on every side alike and cancel in their ratios. One side
    with a slot of one tick and no guard is a plain window."""

    origin: int
    sides: int = Field(ge=1)
    slot: int = Field(ge=1)
    guard: int = Field(ge=0)
    cycles: int = Field(ge=1)

    @model_validator(mode="after")
    def _guard_inside_slot(self) -> Rotation:
        if self.guard >= self.slot:
            raise ValueError(f"the guard ({self.guard} ticks) must be shorter than the slot ({self.slot})")
        return self

    @property
    def cycle(self) -> int:
        return self.sides * self.slot

    def side_of(self, tick: int) -> int:
        """The side the users ask during `tick` (before the origin, the first)."""
        return max(0, tick - self.origin) // self.slot % self.sides

    def counted(self, tick: int) -> bool:
        """Whether `tick` lies in its side's slot past the guard."""
        return max(0, tick - self.origin) % self.slot >= self.guard

    def start_after(self, tick: int) -> int:
        """The first cycle boundary at or after `tick`: where a window of whole cycles can start."""
        cycles_before = -(-max(0, tick - self.origin) // self.cycle)
        return self.origin + cycles_before * self.cycle

    def ticks(self, side: int, window: range) -> list[int]:
        """The ticks of `window` counted for `side`."""
        return [t for t in window if self.side_of(t) == side and self.counted(t)]

    @property
    def side_ticks(self) -> int:
        """Ticks counted for each side in a window of the rotation's whole cycles."""
        return self.cycles * (self.slot - self.guard)
