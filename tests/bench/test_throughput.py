"""Windowed throughput gives the true rate for smooth and bursty servers alike (issue 7, point 1)."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from loadtests.load.throughput import (
    TICK_SECONDS,
    Rotation,
    count_in,
    merge,
    spread,
    tick_of,
    window_rate,
    window_ticks,
)
from loadtests.load.trial import Turns

RATE = 1000.0  # responses per second, the truth both synthetic servers share


def timeline(completions: list[float]) -> dict[int, int]:
    return dict(Counter(tick_of(t) for t in completions))


def smooth(start: float, end: float) -> list[float]:
    step = 1 / RATE
    return [start + step * (i + 0.5) for i in range(int((end - start) * RATE))]


def bursty(start: float, end: float, burst: int = 100) -> list[float]:
    """`burst` responses at once, every burst/RATE seconds, the first one right at the start."""
    period = burst / RATE
    times, at = [], start + 0.005
    while at < end:
        times += [at] * burst
        at += period
    return times


def whole_run_rate(completions: list[float], first_sent: float) -> float:
    """The formula the runner used before: every response ÷ (last completion − first request sent)."""
    return len(completions) / (max(completions) - first_sent)


@pytest.mark.parametrize("server", [smooth, bursty])
def test_the_window_rate_is_the_true_rate_on_average_whatever_the_phase(server: object) -> None:
    rng = random.Random(7)
    estimates = []
    for _ in range(300):
        start = 1_700_000_000 + rng.random()
        completions = server(start, start + 2.0)  # type: ignore[operator]
        settle, window = 0.3 + rng.random() * 0.1, 1.5
        estimates.append(window_rate(timeline(completions), start + settle, start + settle + window))
    mean = sum(estimates) / len(estimates)
    assert mean == pytest.approx(RATE, rel=0.01)
    # One window can hold one burst more or less than its share, never more than that.
    assert all(abs(e - RATE) <= 100 / 1.5 + 1 for e in estimates)


def test_the_whole_run_formula_over_reports_a_bursty_server_and_the_window_does_not() -> None:
    start = 1_700_000_000.0
    completions = bursty(start, start + 1.0)  # bursts at 0.005, 0.105, …, 0.905

    assert whole_run_rate(completions, start) > 1.09 * RATE  # 1000 responses over 0.905 s
    assert window_rate(timeline(completions), start + 0.2, start + 0.8) == pytest.approx(RATE)
    assert whole_run_rate(smooth(start, start + 1.0), start) == pytest.approx(RATE, rel=0.01)


def test_failures_are_counted_apart_and_never_as_throughput() -> None:
    start = 1_700_000_000.0
    successes = timeline(smooth(start, start + 1.0))
    failures = timeline([start + 0.5] * 400)

    assert window_rate(successes, start + 0.2, start + 0.8) == pytest.approx(RATE)
    assert count_in(failures, window_ticks(start + 0.2, start + 0.8)) == 400


def test_a_window_counts_only_whole_ticks_inside_it() -> None:
    ticks = window_ticks(10.005, 10.05)  # the tick [10.00, 10.01) is only half inside

    assert ticks[0] * TICK_SECONDS == pytest.approx(10.01)
    assert len(ticks) == 4
    with pytest.raises(ValueError, match="no whole tick"):
        window_rate({}, 10.001, 10.009)


def test_timelines_of_several_generator_processes_add_up() -> None:
    assert merge([{1: 2, 2: 3}, {2: 1, 5: 4}]) == {1: 2, 2: 4, 5: 4}


def rotation(**changes: int) -> Rotation:
    return Rotation(**{"origin": 1000, "sides": 2, "slot": 25, "guard": 5, "cycles": 4, **changes})


def test_sides_take_turns_in_slots_and_each_counts_the_same_ticks_after_its_guard() -> None:
    turns = rotation()
    window = range(turns.origin, turns.origin + turns.cycles * turns.cycle)
    first, second = turns.ticks(0, window), turns.ticks(1, window)
    assert len(first) == len(second) == turns.side_ticks == 4 * 20
    assert not set(first) & set(second)
    assert first[:2] == [1005, 1006] and second[0] == 1030  # each slot's first 5 ticks are not counted
    assert turns.side_of(1024) == 0 and turns.side_of(1025) == 1 and turns.side_of(1050) == 0


def test_a_window_of_whole_cycles_starts_at_the_next_cycle_boundary() -> None:
    turns = rotation()
    assert turns.start_after(1000) == 1000
    assert turns.start_after(1001) == 1050
    assert turns.start_after(990) == 1000


def test_a_guard_as_long_as_the_slot_is_refused() -> None:
    with pytest.raises(ValueError, match="shorter than the slot"):
        rotation(guard=25)


def test_one_side_with_a_slot_of_a_tick_is_a_plain_window() -> None:
    plain = Rotation(origin=1000, sides=1, slot=1, guard=0, cycles=100)
    window = range(plain.start_after(1003), plain.start_after(1003) + plain.cycles * plain.cycle)
    assert plain.ticks(0, window) == list(window_ticks(10.03, 11.03))


def test_turns_cancel_a_slow_spell_that_sequential_windows_take_for_a_difference() -> None:
    """Two servers, the second half as fast; the machine runs at half speed for 0.7 s. Measured
    one after the other, the spell falls on one of them; taking turns, on both alike, but for the
    part of one slot it covers on one side only."""

    def speed(tick: int) -> float:
        return 0.5 if 1300 <= tick < 1370 else 1.0

    rates = (1000.0, 500.0)  # per second, at full speed
    turns = rotation(slot=10, guard=2, cycles=25)
    window = range(turns.origin, turns.origin + turns.cycles * turns.cycle)
    completed = [Counter[int](), Counter[int]()]
    for tick in window:
        side = turns.side_of(tick)
        completed[side][tick] = round(rates[side] * TICK_SECONDS * speed(tick) * 100)  # in 1/100
    counted = [count_in(completed[s], turns.ticks(s, window)) for s in (0, 1)]
    assert abs(counted[1] / counted[0] / 0.5 - 1) < 0.03

    first = window_rate({t: round(rates[0] * TICK_SECONDS * speed(t) * 100) for t in window}, 10.0, 12.5)
    second = window_rate({t: round(rates[1] * TICK_SECONDS * speed(t) * 100) for t in window}, 12.5, 15.0)
    assert abs(second / first / 0.5 - 1) > 0.10


@pytest.mark.parametrize(
    ("side_seconds", "guard_seconds"), [(1.0, 0.05), (1.0, 0.25), (2.94, 0.75), (6.0, 0.1)]
)
def test_turns_count_at_least_the_time_asked_in_whole_cycles_of_about_four_guards(
    side_seconds: float, guard_seconds: float
) -> None:
    turns = Turns(side_seconds=side_seconds, guard_seconds=guard_seconds)
    rotation = turns.rotation(3, origin=0)
    assert side_seconds <= rotation.side_ticks * TICK_SECONDS < side_seconds + rotation.cycles * TICK_SECONDS
    assert rotation.guard * TICK_SECONDS == pytest.approx(guard_seconds)
    assert 2.5 * rotation.guard <= rotation.slot - rotation.guard or rotation.cycles == 1


def test_one_server_alone_gets_a_plain_window_whatever_the_guard() -> None:
    rotation = Turns(side_seconds=1.5, guard_seconds=0.25).rotation(1, origin=0)
    assert (rotation.slot, rotation.guard, rotation.side_ticks) == (1, 0, 150)


def spread_rate(requests: list[tuple[float, float]], start: float, end: float) -> float:
    """The rate of `requests` (sent, answered) in [start, end), each credited to its time in flight."""
    work: dict[int, float] = {}
    for sent, answered in requests:
        spread(work, answered, answered - sent)
    ticks = window_ticks(start, end)
    return count_in(work, ticks) / (len(ticks) * TICK_SECONDS)


def test_spreading_a_response_over_its_flight_removes_the_edge_lumps_of_slow_batches() -> None:
    """Slow requests answered in batches (8 threads sharing one core finish together, as logins
    do): a 2 s window counts 6 or 7 batches by where its edges fall. Crediting each response to
    the ticks its request was in flight gives the same mean with a fraction of the spread."""
    batch, every = 8, 0.32  # 25 responses per second, in batches of 8
    rng = random.Random(11)
    counted, spread_out = [], []
    for _ in range(200):
        origin = 1_700_000_000 + rng.random()
        requests = [(origin + k * every, origin + (k + 1) * every) for k in range(40) for _ in range(batch)]
        start = origin + 2 + rng.random()
        counted.append(window_rate(timeline([answered for _, answered in requests]), start, start + 2))
        spread_out.append(spread_rate(requests, start, start + 2))
    true_rate = batch / every
    for estimates in (counted, spread_out):
        assert sum(estimates) / len(estimates) == pytest.approx(true_rate, rel=0.02)
    spread_of = {name: max(e) - min(e) for name, e in [("counted", counted), ("spread", spread_out)]}
    assert spread_of["counted"] >= batch / 2 - 1e-9  # a batch more or less: 4 of 25 per second
    assert spread_of["spread"] < spread_of["counted"] / 10
