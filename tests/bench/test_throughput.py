"""Windowed throughput gives the true rate for smooth and bursty servers alike (issue 7, point 1)."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from loadtests.load.throughput import TICK_SECONDS, count_in, merge, tick_of, window_rate, window_ticks

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
