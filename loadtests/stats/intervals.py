"""Every interval the harness reports, in one place: Student's t over launches, on log ratios.

The unit of replication is the launch, a start of the servers: a server's speed differs from one
start to the next more than from one window to the next within a start, so windows of one start
are not independent samples. A ratio (FastAPI ÷ Flask, an implementation ÷ its floor) is taken
per launch as the mean of log(a ÷ b) over the launch's paired trials, and its interval is the
one-sample t-interval of those launch means, mapped back by exp. Two runs (`make compare`) are
compared by Welch's t on the difference of their launch means.

Coverage is exact when the launch means are normal on the log scale, whatever the mix of window
noise and start-to-start offsets that makes them up; tests/bench/test_stats.py measures it by
simulation at 4, 8 and 16 launches, with the sequential design of `make bench` on top. It
replaces a percentile bootstrap of 4 to 8 trials, which missed the true ratio of two identical
servers in 12 to 22 % of runs where it claimed 5 %.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

# The error rate of every interval: 5 %. `make bench` spends it in two looks (Bonferroni):
# FIRST_LOOK_ALPHA when the first launches are in, the rest at the final look.
ALPHA = 0.05
FIRST_LOOK_ALPHA = 0.01
FINAL_LOOK_ALPHA = ALPHA - FIRST_LOOK_ALPHA


@dataclass(frozen=True)
class Estimate:
    """A ratio and its interval at `confidence`, from `launches` independent launches."""

    value: float
    low: float
    high: float
    launches: int
    confidence: float


def launch_means(values: Sequence[float], launches: Sequence[int]) -> np.ndarray:
    """The mean of `values` within each launch, in launch order."""
    if len(values) != len(launches):
        raise ValueError("one launch per value")
    x, groups = np.asarray(values, dtype=float), np.asarray(launches)
    return np.array([x[groups == g].mean() for g in np.unique(groups)])


def log_ratios(numerator: Sequence[float], denominator: Sequence[float]) -> np.ndarray:
    """log(a ÷ b) per pair; a side with no responses gives NaN (an interval that cannot tell)."""
    a, b = np.asarray(numerator, dtype=float), np.asarray(denominator, dtype=float)
    if len(a) != len(b):
        raise ValueError("need paired trials: as many on each side")
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where((a > 0) & (b > 0), np.log(np.where(a > 0, a, 1) / np.where(b > 0, b, 1)), np.nan)


def one_sample(logs: np.ndarray, alpha: float = ALPHA) -> Estimate:
    """exp of the mean of per-launch log ratios, with its t-interval (df = launches - 1)."""
    n = len(logs)
    if n < 2:
        raise ValueError("need two or more launches for an interval")
    mean = float(np.mean(logs))
    half = float(stats.t.ppf(1 - alpha / 2, n - 1) * np.std(logs, ddof=1) / math.sqrt(n))
    return Estimate(math.exp(mean), math.exp(mean - half), math.exp(mean + half), n, 1 - alpha)


def two_sample(a: np.ndarray, b: np.ndarray, alpha: float = ALPHA) -> Estimate:
    """exp(mean b - mean a) of two independent runs' per-launch logs, Welch's t-interval."""
    if min(len(a), len(b)) < 2:
        raise ValueError("need two or more launches in each run")
    va, vb = np.var(a, ddof=1) / len(a), np.var(b, ddof=1) / len(b)
    difference = float(np.mean(b) - np.mean(a))
    se = math.sqrt(va + vb)
    if se == 0:
        value = math.exp(difference)
        return Estimate(value, value, value, min(len(a), len(b)), 1 - alpha)
    df = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
    half = float(stats.t.ppf(1 - alpha / 2, df) * se)
    return Estimate(
        math.exp(difference),
        math.exp(difference - half),
        math.exp(difference + half),
        min(len(a), len(b)),
        1 - alpha,
    )


def ratio_interval(
    numerator: Sequence[float],
    denominator: Sequence[float],
    launches: Sequence[int] | None = None,
    alpha: float = ALPHA,
) -> Estimate:
    """a ÷ b from paired trials: the t-interval over launches of the mean log ratio. Without
    `launches`, every pair is its own launch (each trial on freshly started servers)."""
    logs = log_ratios(numerator, denominator)
    groups = launches if launches is not None else range(len(logs))
    return one_sample(launch_means(list(logs), list(groups)), alpha)
