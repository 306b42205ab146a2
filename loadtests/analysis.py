"""Pure functions from measured cells to flags, comparisons with confidence intervals and
verdicts, and floor shares. Nothing here measures, reads files or prints."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any, Literal

import numpy as np
from scipy import stats

from loadtests.matrix import ServerConfig, differs, pairing
from loadtests.results import Cell, Comparison, FloorShare, FloorVerdict, Results, Thresholds, Verdict
from loadtests.scenarios import FLOOR_SCENARIOS

CONFIDENCE = 0.95
RESAMPLES = 9999
BOOTSTRAP_SEED = 20261130  # the same data gives the same interval


def cell_flags(cell: Cell, thresholds: Thresholds, ceiling_rps: float | None) -> list[str]:
    """Why a cell's number may not be the server's own limit."""
    flags = []
    if max(t.generator_cpu_percent for t in cell.trials) >= thresholds.generator_bound_cpu:
        flags.append("generator-bound")
    if ceiling_rps and cell.rps_median >= thresholds.near_ceiling_share * ceiling_rps:
        flags.append("near-generator-ceiling")
    if cell.median("server_cpu_percent") < thresholds.saturated_cpu:
        flags.append("not-saturated")
    if any(t.failures for t in cell.trials):
        flags.append("errors")
    if max(t.steal_percent for t in cell.trials) >= thresholds.steal_percent:
        flags.append("cpu-steal")
    if min(t.successes for t in cell.trials) < thresholds.min_responses:
        flags.append("few-responses")
    return flags


Position = Literal["within", "above", "below", "across"]
Statistic = Callable[..., Any]


def bootstrap(samples: Sequence[np.ndarray], statistic: Statistic, *, paired: bool) -> tuple[float, float]:
    """The 95 % percentile bootstrap interval of `statistic(*samples, axis=-1)` (vectorized),
    with the settings every interval of the project shares. `paired`: resample the same indices
    in every sample; otherwise each sample on its own."""
    if all(np.all(s == s[0]) for s in samples):
        value = float(statistic(*samples, axis=-1))
        return value, value
    # A resample whose denominator is all zeros (a trial of 0 responses) gives inf or NaN, and
    # so an unbounded or NaN interval: an honest "cannot tell", not worth a warning each time.
    with np.errstate(divide="ignore", invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", stats.DegenerateDataWarning)
        result = stats.bootstrap(
            tuple(samples),
            statistic,
            paired=paired,
            vectorized=True,
            confidence_level=CONFIDENCE,
            n_resamples=RESAMPLES,
            method="percentile",
            rng=np.random.default_rng(BOOTSTRAP_SEED),
        )
    interval = result.confidence_interval
    return float(interval.low), float(interval.high)


def ratio_of_means(x: np.ndarray, y: np.ndarray, axis: int = -1) -> Any:
    return np.mean(x, axis=axis) / np.mean(y, axis=axis)


def ratio_ci(numerator: Sequence[float], denominator: Sequence[float]) -> tuple[float, float, float]:
    """Ratio of means and its 95 % paired bootstrap interval (trial i of one side ran next to
    trial i of the other, so drift between rounds cancels out of the ratio)."""
    a, b = np.asarray(numerator, dtype=float), np.asarray(denominator, dtype=float)
    if len(a) != len(b) or len(a) < 2:
        raise ValueError("need two or more paired trials on each side")
    low, high = bootstrap((a, b), ratio_of_means, paired=True)
    return float(ratio_of_means(a, b)), low, high


def position(low: float, high: float, band: float) -> Position:
    """Where an interval of a ratio lies: all within 1 ± band (checked first), all above or
    below 1, or across 1 and wider than the band."""
    if 1 - band <= low and high <= 1 + band:
        return "within"
    if low > 1:
        return "above"
    if high < 1:
        return "below"
    return "across"


VERDICTS: dict[Position, Verdict] = {
    "within": "no-difference",
    "above": "fastapi-faster",
    "below": "flask-faster",
    "across": "inconclusive",
}


def verdict(low: float, high: float, flags: Sequence[str], band: float) -> Verdict:
    """FastAPI ÷ Flask interval → a word. Within ±band of 1 is no difference worth the name."""
    return "inconclusive" if flags else VERDICTS[position(low, high, band)]


def compare(cells: list[Cell], servers: dict[str, ServerConfig], thresholds: Thresholds) -> list[Comparison]:
    """Every FastAPI server (sync or async routes) against every Flask server, per scenario:
    like-for-like first."""
    implementation = {(c.server, c.scenario): c for c in cells if c.target == "implementation"}
    order = {"same-server": 0, "same-process-manager": 1, "cross-server": 2}
    rows = []
    for (fastapi_name, scenario), fast in implementation.items():
        for (flask_name, flask_scenario), slow in implementation.items():
            if fast.front_end == "flask" or slow.front_end != "flask" or flask_scenario != scenario:
                continue
            rounds = min(len(fast.trials), len(slow.trials))
            ratio, low, high = ratio_ci(
                [t.rps for t in fast.trials[:rounds]], [t.rps for t in slow.trials[:rounds]]
            )
            flags = sorted(set(fast.flags) | set(slow.flags))
            fastapi, flask = servers[fastapi_name], servers[flask_name]
            rows.append(
                Comparison(
                    scenario=scenario,
                    fastapi_server=fastapi_name,
                    flask_server=flask_name,
                    pairing=pairing(fastapi, flask),
                    differs=differs(fastapi, flask),
                    ratio=ratio,
                    ci95=(low, high),
                    verdict=verdict(low, high, flags, thresholds.no_difference),
                    flags=flags,
                )
            )
    return sorted(rows, key=lambda r: (order[r.pairing], r.fastapi_server, r.flask_server))


def floor_verdict(low: float, high: float, target: float, flags: Sequence[str]) -> FloorVerdict:
    """Met when the whole interval clears the target, missed when all of it falls short;
    an interval that holds the target, or a flagged cell, decides nothing."""
    if flags or low < target <= high:
        return "inconclusive"
    return "met" if low >= target else "missed"


def floor_shares(cells: list[Cell], thresholds: Thresholds) -> list[FloorShare]:
    by_key = {(c.server, c.target, c.scenario): c for c in cells}
    rows = []
    for (server, target, scenario), ours in by_key.items():
        floor_scenario = FLOOR_SCENARIOS.get(scenario)
        floor = by_key.get((server, "floor", floor_scenario or ""))
        if target != "implementation" or floor is None or floor_scenario is None:
            continue
        rounds = min(len(ours.trials), len(floor.trials))
        share, low, high = ratio_ci(
            [t.rps for t in ours.trials[:rounds]], [t.rps for t in floor.trials[:rounds]]
        )
        flags = sorted(set(ours.flags) | set(floor.flags))
        goal = thresholds.floor_targets[scenario]
        rows.append(
            FloorShare(
                server=server,
                scenario=scenario,
                floor_scenario=floor_scenario,
                share=share,
                ci95=(low, high),
                target=goal,
                verdict=floor_verdict(low, high, goal, flags),
                flags=flags,
            )
        )
    return rows


def analyse(results: Results) -> Results:
    """Flags, comparisons and floor shares from the cells (what `make bench` stores)."""
    ceiling = results.generator.ceiling_rps
    cells = [
        c.model_copy(update={"flags": cell_flags(c, results.thresholds, ceiling)}) for c in results.cells
    ]
    configs = {name: record.config for name, record in results.servers.items()}
    return results.model_copy(
        update={
            "cells": cells,
            "comparisons": compare(cells, configs, results.thresholds),
            "floor_shares": floor_shares(cells, results.thresholds),
        }
    )
