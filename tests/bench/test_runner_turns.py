"""A scenario's first trial sizes its turns: the guard from the response times, then the counted
time from the rate, so that every side counts `min_responses` (studies/runner.Runner.trial)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from loadtests.load.trial import Turns
from loadtests.results.bench import Latency, Trial
from loadtests.studies.runner import Runner, RunState
from tests.bench.factories import MATRIX, trial


class Scripted(Runner):
    """A runner whose trials are a login-like pair: 50 responses a second, and a p90 taken from
    `p90s` in turn (a login's p90 swings with the guard it was measured under)."""

    def __init__(self, p90s: list[float]) -> None:
        self.plan = SimpleNamespace(profile=MATRIX.profiles["quick"])  # type: ignore[assignment]
        self.p90s = iter(p90s)
        self.asked: list[Turns] = []

    def rotation(self, generator: Any, group: Any, scenario: str, index: int, turns: Turns) -> list[Trial]:
        self.asked.append(turns)
        p90 = next(self.p90s)
        measured = trial(50.0).model_copy(
            update={
                "successes": round(50 * turns.side_seconds),
                "latency": Latency(p50_ms=p90 / 2, p90_ms=p90, p99_ms=p90, max_ms=p90),
            }
        )
        return [measured, measured]


def test_a_guard_that_swings_cannot_leave_the_counted_time_unsized() -> None:
    runner = Scripted([370, 850, 370, 370, 370])
    state = RunState(started_at=None, generator=None)  # type: ignore[arg-type]

    trials = runner.trial(None, [None, None], "login", 0, state)  # type: ignore[arg-type, list-item]

    guards = [t.guard_seconds for t in runner.asked]
    assert guards == [0.25, 0.6, 1.3, 1.3]  # resized twice, then kept
    assert min(t.successes for t in trials) >= MATRIX.profiles["quick"].min_responses
    assert state.turns["login"].side_seconds == 2.0
