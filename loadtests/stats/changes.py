"""What changed from run A to run B: pure functions from two `Results` to rows of B ÷ A with 95 %
intervals (Welch's t over the two runs' launches, loadtests/stats/intervals.py) and verdicts,
the setup fields that differ, and the regressions beyond a threshold. Nothing here reads files
or prints (`loadtests.studies.compare` does).

The runs are independent; within each, a FastAPI ÷ Flask comparison and a share of the floor
keep the two sides of each launch paired, as `make bench` does.

The floor apps are the control: their code rarely changes between two runs, so when their req/s
move, the machine moved (another tenant, CPU steal), and every absolute req/s change is
confounded with it. The ratios measured within each run (FastAPI ÷ Flask, an implementation's
share of its floor) are much less so (both sides ran side by side), which is why a change in an
implementation's own speed is best read from its share-of-floor row.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel

from loadtests.results.bench import Cell, FloorShare, Results, Thresholds, Trial
from loadtests.stats.analysis import Position, paired, position
from loadtests.stats.intervals import launch_means, log_ratios, two_sample

# The same band as `make bench`'s no-difference verdict: a change within ±5 % is no change worth
# the name (a server's speed varies by up to ±10 % from one start to the next here).
BAND = Thresholds().no_difference
# What a run's numbers depend on besides the code: two runs that differ in any of these measure
# different things. Servers, scenarios, floors and launches may differ: a missing cell is
# listed as such, and the number of launches only widens or narrows an interval.
PROFILE_FIELDS = ("users", "warmup_seconds", "settle_seconds", "window_seconds")
SERVER_FIELDS = ("front_end", "server", "manager", "workers", "threads", "command")
NOT_RECORDED = "(not recorded)"

Metric = Literal["req/s", "p99", "FastAPI÷Flask", "share of floor"]
ChangeVerdict = Literal["faster", "slower", "no change", "inconclusive", "only in A", "only in B"]


class Mismatch(BaseModel):
    field: str
    a: str
    b: str


class Row(BaseModel):
    scenario: str
    subject: str  # a server ("(floor)": its floor app), or "FastAPI server ÷ Flask server"
    metric: Metric | None = None  # None: the cell or comparison is in one run only
    a: float | None = None  # mean over the trials (req/s, p99 ms, or the FastAPI ÷ Flask ratio)
    b: float | None = None
    trials: tuple[int, int] | None = None
    change: float | None = None  # B ÷ A
    ci95: tuple[float, float] | None = None
    verdict: ChangeVerdict
    flags_a: list[str] = []  # the cells' flags (`make bench`'s): the number may not be the server's limit
    flags_b: list[str] = []

    @property
    def name(self) -> str:
        return f"{self.scenario} · {self.subject}"


class RunChanges(BaseModel):
    a: str
    b: str
    a_started_at: datetime
    b_started_at: datetime
    a_revision: str | None = None
    b_revision: str | None = None
    profile_name: str
    database: str
    cpu_model: str
    band: float
    mismatches: list[Mismatch]
    rows: list[Row]
    control: str | None = None  # the floor apps moved: the machine did (see machine_drift)


def flatten(value: Any, prefix: str) -> dict[str, str]:
    if isinstance(value, Mapping):
        found: dict[str, str] = {}
        for key, inner in value.items():
            found |= flatten(inner, f"{prefix}.{key}")
        return found
    return {prefix: str(value)}


def setup(results: Results) -> dict[str, str]:
    """The fields two runs must share, named by their path in results.json."""
    servers = {
        name: {
            **record.config.model_dump(include=set(SERVER_FIELDS)),
            "db_pool_size": record.db_pool_size,
            "threadpool_limit": record.threadpool_limit,
        }
        for name, record in results.servers.items()
    }
    return {
        "profile_name": results.profile_name,
        "database": results.database,
        **flatten(results.profile.model_dump(include=set(PROFILE_FIELDS)), "profile"),
        **flatten(results.seed, "seed"),
        **flatten(results.machine.model_dump(), "machine"),
        "generator.processes": str(results.generator.processes),
        **flatten(results.packages, "packages"),
        **flatten(servers, "servers"),
    }


def mismatches(a: Results, b: Results) -> list[Mismatch]:
    """Every setup field whose value differs; a server in one run only is not a mismatch (its
    cells are listed as only in A or only in B)."""
    ours, theirs = setup(a), setup(b)
    both = set(a.servers) & set(b.servers)
    fields = [
        f
        for f in sorted(ours.keys() | theirs.keys())
        if not f.startswith("servers.") or f.split(".")[1] in both
    ]
    return [
        Mismatch(field=f, a=ours.get(f, NOT_RECORDED), b=theirs.get(f, NOT_RECORDED))
        for f in fields
        if ours.get(f) != theirs.get(f)
    ]


def change_verdict(low: float, high: float, band: float, higher_is_better: bool) -> ChangeVerdict:
    words: dict[Position, ChangeVerdict] = {
        "within": "no change",
        "above": "faster" if higher_is_better else "slower",
        "below": "slower" if higher_is_better else "faster",
        "across": "inconclusive",
    }
    return words[position(low, high, band)]


Paired = tuple[Sequence[float], Sequence[float], Sequence[int]]  # numerator, denominator, launches


def logs_by_launch(values: Sequence[float], launches: Sequence[int] | None) -> np.ndarray:
    """Per launch, the mean log of `values` (a value of 0 gives -inf: an interval of NaN)."""
    with np.errstate(divide="ignore"):
        logs = np.log(np.asarray(values, dtype=float))
    return launch_means(list(logs), list(launches) if launches is not None else list(range(len(logs))))


def interval(a: np.ndarray, b: np.ndarray) -> tuple[float, float, float]:
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        return math.nan, math.nan, math.nan
    estimate = two_sample(a, b)
    return estimate.value, estimate.low, estimate.high


def change_ci(
    a: Sequence[float],
    b: Sequence[float],
    a_launches: Sequence[int] | None = None,
    b_launches: Sequence[int] | None = None,
) -> tuple[float, float, float]:
    """B ÷ A and its 95 % interval: Welch's t on the two runs' per-launch mean logs (without
    launches, every trial its own launch)."""
    if min(len(a), len(b)) < 2:
        raise ValueError("need two or more trials in each run")
    return interval(logs_by_launch(a, a_launches), logs_by_launch(b, b_launches))


def paired_change_ci(a: Paired, b: Paired) -> tuple[float, float, float]:
    """(B's numerator ÷ denominator) ÷ (A's) and its 95 % interval: per launch of each run, the
    mean log ratio of its paired trials (both sides ran next to each other), then Welch's t."""
    (an, ad, al), (bn, bd, bl) = a, b
    if min(len(set(al)), len(set(bl))) < 2:
        raise ValueError("need two or more launches in each run")
    return interval(launch_means(list(log_ratios(an, ad)), al), launch_means(list(log_ratios(bn, bd)), bl))


def launches_of(cell: Cell, trials: Sequence[Trial]) -> list[int] | None:
    """The launch of each trial; None for a file from before launches were recorded."""
    return None if any(t.launch is None for t in cell.trials) else [t.launch or 0 for t in trials]


def measured(
    old: Cell, new: Cell, metric: Metric, a: Sequence[Trial], b: Sequence[Trial], band: float
) -> Row:
    def value(t: Trial) -> float:
        return t.rps if metric == "req/s" else t.latency.p99_ms

    xa, xb = [value(t) for t in a], [value(t) for t in b]
    row = Row(
        scenario=old.scenario,
        subject=old.server + (" (floor)" if old.target == "floor" else ""),
        metric=metric,
        a=float(np.mean(xa)) if len(xa) else None,
        b=float(np.mean(xb)) if len(xb) else None,
        trials=(len(xa), len(xb)),
        verdict="inconclusive",
        flags_a=old.flags,
        flags_b=new.flags,
    )
    la, lb = launches_of(old, a), launches_of(new, b)
    if min(len(set(la or range(len(xa)))), len(set(lb or range(len(xb))))) < 2:
        return row  # no interval from fewer than two launches
    change, low, high = change_ci(xa, xb, la, lb)
    verdict = change_verdict(low, high, band, higher_is_better=metric != "p99")
    return row.model_copy(update={"change": change, "ci95": (low, high), "verdict": verdict})


def cell_rows(a: Results, b: Results, band: float) -> list[Row]:
    """req/s and p99 of every cell in both runs; a cell in one run only, once, as such."""
    ours = {(c.server, c.target, c.scenario): c for c in a.cells}
    theirs = {(c.server, c.target, c.scenario): c for c in b.cells}
    rows = []
    for key in [*ours, *(k for k in theirs if k not in ours)]:
        server, target, scenario = key
        if key not in theirs or key not in ours:
            subject = server + (" (floor)" if target == "floor" else "")
            rows.append(
                Row(scenario=scenario, subject=subject, verdict="only in A" if key in ours else "only in B")
            )
            continue
        old, new = ours[key], theirs[key]
        rows.append(measured(old, new, "req/s", old.trials, new.trials, band))
        # A trial without a response has no latency (its p99 reads 0): left out.
        p99_a, p99_b = ([t for t in c.trials if t.successes] for c in (old, new))
        rows.append(measured(old, new, "p99", p99_a, p99_b, band))
    return rows


def paired_rps(results: Results, scenario: str, fastapi: str, flask: str) -> Paired:
    """The req/s of a FastAPI and a Flask cell in the launches both ran, as `make bench` pairs them."""
    cells = {(c.server, c.scenario): c for c in results.cells if c.target == "implementation"}
    return paired(cells[(fastapi, scenario)], cells[(flask, scenario)])


def comparison_rows(a: Results, b: Results, band: float) -> list[Row]:
    """How each FastAPI ÷ Flask ratio moved: `faster` means FastAPI gained on Flask."""
    ours = {(c.scenario, c.fastapi_server, c.flask_server): c for c in a.comparisons}
    theirs = {(c.scenario, c.fastapi_server, c.flask_server): c for c in b.comparisons}
    rows = []
    for key in [*ours, *(k for k in theirs if k not in ours)]:
        subject = f"{key[1]} ÷ {key[2]}"
        if key not in theirs or key not in ours:
            verdict: ChangeVerdict = "only in A" if key in ours else "only in B"
            rows.append(Row(scenario=key[0], subject=subject, verdict=verdict))
            continue
        old, new = paired_rps(a, *key), paired_rps(b, *key)
        rows.append(
            ratio_row(key[0], subject, "FastAPI÷Flask", (ours[key].ratio, theirs[key].ratio), old, new, band)
        )
        rows[-1].flags_a, rows[-1].flags_b = ours[key].flags, theirs[key].flags
    return rows


def ratio_row(
    scenario: str,
    subject: str,
    metric: Metric,
    values: tuple[float, float],
    old: Paired,
    new: Paired,
    band: float,
) -> Row:
    """How a ratio measured within each run (numerator ÷ denominator, rounds paired) moved."""
    change, low, high = paired_change_ci(old, new)
    return Row(
        scenario=scenario,
        subject=subject,
        metric=metric,
        a=values[0],
        b=values[1],
        trials=(len(old[0]), len(new[0])),
        change=change,
        ci95=(low, high),
        verdict=change_verdict(low, high, band, higher_is_better=True),
    )


def paired_floor_rps(results: Results, share: FloorShare) -> Paired:
    """The req/s of an implementation cell and its floor's in the launches both ran."""
    cells = {(c.server, c.scenario, c.target): c for c in results.cells}
    return paired(
        cells[(share.server, share.scenario, "implementation")],
        cells[(share.server, share.floor_scenario, "floor")],
    )


def floor_share_rows(a: Results, b: Results, band: float) -> list[Row]:
    """How each implementation's share of its floor moved: the change in its own speed with the
    machine's drift divided out (both sides of the share ran next to each other in each run)."""
    ours = {(f.server, f.scenario): f for f in a.floor_shares}
    theirs = {(f.server, f.scenario): f for f in b.floor_shares}
    rows = []
    for key in [k for k in ours if k in theirs]:
        old, new = paired_floor_rps(a, ours[key]), paired_floor_rps(b, theirs[key])
        if min(len(set(old[2])), len(set(new[2]))) < 2:
            continue
        rows.append(
            ratio_row(key[1], key[0], "share of floor", (ours[key].share, theirs[key].share), old, new, band)
        )
        rows[-1].flags_a, rows[-1].flags_b = ours[key].flags, theirs[key].flags
    return rows


def machine_drift(rows: list[Row]) -> str | None:
    """A warning when the floor apps themselves got faster or slower from A to B."""
    moved = [r for r in rows if r.metric == "req/s" and r.subject.endswith("(floor)") and r.change]
    if not any(r.verdict in ("faster", "slower") for r in moved):
        return None
    changes = sorted(r.change for r in moved if r.change is not None)
    return (
        f"CONTROL MOVED: the floor apps' req/s changed by B ÷ A {changes[0]:.2f}–{changes[-1]:.2f} "
        "(significantly for at least one). If their code is the same in both runs, the machine itself "
        "was faster or slower in B, and every absolute req/s and p99 change here is confounded with it; "
        "read an implementation's own change from its 'share of floor' row, and the frameworks' from "
        "the FastAPI÷Flask rows (both measured within each run, so far less confounded)."
    )


def by_scenario(rows: list[Row]) -> list[Row]:
    """Rows grouped by scenario, in the order the scenarios first appear (the runs' order)."""
    first: dict[str, int] = {}
    for row in rows:
        first.setdefault(row.scenario, len(first))
    return sorted(rows, key=lambda row: first[row.scenario])


def changes(a: Results, b: Results, a_name: str, b_name: str, band: float = BAND) -> RunChanges:
    rows = by_scenario(cell_rows(a, b, band) + floor_share_rows(a, b, band) + comparison_rows(a, b, band))
    return RunChanges(
        a=a_name,
        b=b_name,
        a_started_at=a.started_at,
        b_started_at=b.started_at,
        a_revision=a.revision,
        b_revision=b.revision,
        profile_name=b.profile_name,
        database=b.database,
        cpu_model=b.machine.cpu_model,
        band=band,
        mismatches=mismatches(a, b),
        rows=rows,
        control=machine_drift(rows),
    )


def regressions(rows: list[Row], threshold: float) -> list[Row]:
    """Cells that got significantly worse by more than `threshold`: the whole req/s interval
    below 1 − threshold, or the whole p99 interval above 1 + threshold. (FastAPI ÷ Flask rows
    are not gated: a regression shows in the cells they come from.)"""
    return [
        r
        for r in rows
        if r.ci95
        and (
            (r.metric == "req/s" and r.ci95[1] < 1 - threshold)
            or (r.metric == "p99" and r.ci95[0] > 1 + threshold)
        )
    ]
