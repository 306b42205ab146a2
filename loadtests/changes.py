"""What changed from run A to run B: pure functions from two `Results` to rows of B ÷ A with 95 %
bootstrap intervals and verdicts, the setup fields that differ, and the regressions beyond a
threshold. Nothing here reads files or prints (`loadtests.compare` does).

Each run's trials are resampled on their own (the runs are independent); a FastAPI ÷ Flask
comparison and a share of the floor keep each run's rounds paired, as `make bench` does.

The floor apps are the control: their code rarely changes between two runs, so when their req/s
move, the machine moved (another tenant, CPU steal), and every absolute req/s change is
confounded with it. The ratios measured within each run (FastAPI ÷ Flask, an implementation's
share of its floor) are much less so (both sides ran side by side), which is why a change in an
implementation's own speed is best read from its share-of-floor row.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel

from loadtests.analysis import Position, bootstrap, position, ratio_of_means
from loadtests.results import Cell, FloorShare, Results, Thresholds

# The same band as `make bench`'s no-difference verdict: a change within ±5 % is no change worth
# the name (a server's speed varies by up to ±10 % from one start to the next here).
BAND = Thresholds().no_difference
# What a run's numbers depend on besides the code: two runs that differ in any of these measure
# different things. Servers, scenarios, floors, trials and launches may differ: a missing cell is
# listed as such, and the number of trials only widens or narrows an interval.
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


def change_ci(a: Sequence[float], b: Sequence[float]) -> tuple[float, float, float]:
    """B ÷ A of the means and its 95 % bootstrap interval, each run's trials resampled on their own."""
    xa, xb = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if min(len(xa), len(xb)) < 2:
        raise ValueError("need two or more trials in each run")
    low, high = bootstrap((xb, xa), ratio_of_means, paired=False)
    return float(ratio_of_means(xb, xa)), low, high


def paired_change_ci(
    a: tuple[Sequence[float], Sequence[float]], b: tuple[Sequence[float], Sequence[float]]
) -> tuple[float, float, float]:
    """(B's numerator ÷ denominator) ÷ (A's) and its 95 % interval: the rounds of one run are
    resampled together (the two sides of a round ran next to each other), each run on its own."""
    (an, ad), (bn, bd) = ([np.asarray(x, dtype=float) for x in pair] for pair in (a, b))
    if min(len(an), len(bn)) < 2 or len(an) != len(ad) or len(bn) != len(bd):
        raise ValueError("need two or more paired rounds in each run")

    def statistic(ia: np.ndarray, ib: np.ndarray, axis: int = -1) -> Any:
        return ratio_of_means(bn[ib], bd[ib], axis) / ratio_of_means(an[ia], ad[ia], axis)

    rounds_a, rounds_b = np.arange(len(an)), np.arange(len(bn))
    low, high = bootstrap((rounds_a, rounds_b), statistic, paired=False)
    return float(statistic(rounds_a, rounds_b)), low, high


def measured(
    old: Cell, new: Cell, metric: Metric, a: Sequence[float], b: Sequence[float], band: float
) -> Row:
    row = Row(
        scenario=old.scenario,
        subject=old.server + (" (floor)" if old.target == "floor" else ""),
        metric=metric,
        a=float(np.mean(a)) if len(a) else None,
        b=float(np.mean(b)) if len(b) else None,
        trials=(len(a), len(b)),
        verdict="inconclusive",
        flags_a=old.flags,
        flags_b=new.flags,
    )
    if min(len(a), len(b)) < 2:
        return row  # no interval from fewer than two trials
    change, low, high = change_ci(a, b)
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
        rows.append(
            measured(old, new, "req/s", [t.rps for t in old.trials], [t.rps for t in new.trials], band)
        )
        # A trial without a response has no latency (its p99 reads 0): left out.
        p99_a, p99_b = ([t.latency.p99_ms for t in c.trials if t.successes] for c in (old, new))
        rows.append(measured(old, new, "p99", p99_a, p99_b, band))
    return rows


def paired_rps(results: Results, scenario: str, fastapi: str, flask: str) -> tuple[list[float], list[float]]:
    """The req/s of the paired rounds of a FastAPI and a Flask cell, as `make bench` compares them."""
    cells = {(c.server, c.scenario): c for c in results.cells if c.target == "implementation"}
    fast, slow = cells[(fastapi, scenario)], cells[(flask, scenario)]
    rounds = min(len(fast.trials), len(slow.trials))
    return [t.rps for t in fast.trials[:rounds]], [t.rps for t in slow.trials[:rounds]]


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
    old: tuple[list[float], list[float]],
    new: tuple[list[float], list[float]],
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


def paired_floor_rps(results: Results, share: FloorShare) -> tuple[list[float], list[float]]:
    """The req/s of the paired rounds of an implementation cell and its floor's."""
    cells = {(c.server, c.scenario, c.target): c for c in results.cells}
    own = cells[(share.server, share.scenario, "implementation")]
    floor = cells[(share.server, share.floor_scenario, "floor")]
    rounds = min(len(own.trials), len(floor.trials))
    return [t.rps for t in own.trials[:rounds]], [t.rps for t in floor.trials[:rounds]]


def floor_share_rows(a: Results, b: Results, band: float) -> list[Row]:
    """How each implementation's share of its floor moved: the change in its own speed with the
    machine's drift divided out (both sides of the share ran next to each other in each run)."""
    ours = {(f.server, f.scenario): f for f in a.floor_shares}
    theirs = {(f.server, f.scenario): f for f in b.floor_shares}
    rows = []
    for key in [k for k in ours if k in theirs]:
        old, new = paired_floor_rps(a, ours[key]), paired_floor_rps(b, theirs[key])
        if min(len(old[0]), len(new[0])) < 2:
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
