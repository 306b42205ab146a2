"""Pure functions from measured cells to flags, comparisons with confidence intervals and
verdicts, and floor shares. Nothing here measures, reads files or prints.

A run's looks are replayed from its stored trials and `Design`: a comparison is decided at the
first look (its first launches, at FIRST_LOOK_ALPHA) or at the final look (every launch, at the
rest of ALPHA). The error rate of that two-look design is at most ALPHA per comparison (the
Bonferroni bound over the two looks), whatever made a comparison stop."""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from typing import Literal

from loadtests.config.matrix import ServerConfig, differs, pairing
from loadtests.config.scenarios import FLOOR_SCENARIOS
from loadtests.results.bench import (
    Cell,
    Comparison,
    Design,
    FloorShare,
    FloorVerdict,
    Results,
    Stop,
    Thresholds,
    Trial,
    VariantShare,
    Verdict,
)
from loadtests.stats.intervals import ALPHA, FINAL_LOOK_ALPHA, FIRST_LOOK_ALPHA, Estimate, ratio_interval


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


def ratio_ci(
    numerator: Sequence[float],
    denominator: Sequence[float],
    launches: Sequence[int] | None = None,
    alpha: float = ALPHA,
) -> tuple[float, float, float]:
    """a ÷ b and its interval from paired trials (loadtests/stats/intervals.py: t over launches)."""
    estimate = ratio_interval(numerator, denominator, launches, alpha)
    return estimate.value, estimate.low, estimate.high


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


def rps(trial: Trial) -> float:
    return trial.rps


def p99(trial: Trial) -> float:
    return trial.latency.p99_ms


def by_launch(cell: Cell, metric: Callable[[Trial], float]) -> dict[int, list[float]]:
    found: dict[int, list[float]] = {}
    for t in cell.trials:
        found.setdefault(t.launch or 0, []).append(metric(t))
    return found


def paired(
    a: Cell, b: Cell, metric: Callable[[Trial], float] = rps
) -> tuple[list[float], list[float], list[int]]:
    """The req/s (or another `metric`) of the trials of two cells that ran in the same launches,
    and those launches; trials without a launch (older files) pair by position, each its own launch."""
    if any(t.launch is None for t in [*a.trials, *b.trials]):
        n = min(len(a.trials), len(b.trials))
        return [metric(t) for t in a.trials[:n]], [metric(t) for t in b.trials[:n]], list(range(n))
    ours, theirs = by_launch(a, metric), by_launch(b, metric)
    xs: list[float] = []
    ys: list[float] = []
    launches: list[int] = []
    for launch in sorted(ours.keys() & theirs.keys()):
        for x, y in zip(ours[launch], theirs[launch], strict=False):
            xs.append(x)
            ys.append(y)
            launches.append(launch)
    return xs, ys, launches


def looked(
    a: Cell, b: Cell, design: Design | None, flags: Sequence[str], band: float
) -> tuple[Estimate | None, int]:
    """The estimate a comparison of two cells reports and at which look (None: under two
    launches); without a design (older files), a single look at ALPHA."""
    xs, ys, launches = paired(a, b)
    if len(set(launches)) < 2:
        return None, 1
    if design is None:
        return ratio_interval(xs, ys, launches, ALPHA), 1
    alphas = (design.first_look_alpha, design.final_look_alpha)
    return two_looks(xs, ys, launches, design.first_look_launches, flags, band, alphas)


def two_looks(
    xs: Sequence[float],
    ys: Sequence[float],
    launches: Sequence[int],
    first_look_launches: int,
    flags: Sequence[str],
    band: float,
    alphas: tuple[float, float] = (FIRST_LOOK_ALPHA, FINAL_LOOK_ALPHA),
) -> tuple[Estimate, int]:
    """The two-look design: the first look's estimate (launches before `first_look_launches`, at
    the first alpha) when it decides, else the final one over every launch (the second alpha).
    A false verdict needs one of the two intervals to miss: at most the sum of the alphas."""
    first = [i for i, launch in enumerate(launches) if launch < first_look_launches]
    if len({launches[i] for i in first}) >= 2:
        early = ratio_interval(
            [xs[i] for i in first], [ys[i] for i in first], [launches[i] for i in first], alphas[0]
        )
        if verdict(early.low, early.high, flags, band) != "inconclusive":
            return early, 1
    return ratio_interval(xs, ys, launches, alphas[1]), 2


def compared(servers: dict[str, ServerConfig]) -> list[tuple[str, str]]:
    """(FastAPI side, Flask side) of every comparison: every FastAPI server (sync or async
    routes) against every Flask server reached the same way (directly, behind nginx, …); in an
    A/A run, every twin against its original."""
    twins = [(name, config.twin_of) for name, config in servers.items() if config.twin_of]
    if twins:
        return twins
    flasks = [name for name, config in servers.items() if config.front_end == "flask"]
    return [
        (name, flask)
        for name, config in servers.items()
        if config.front_end != "flask"
        for flask in flasks
        if config.route == servers[flask].route
    ]


def variants(servers: dict[str, ServerConfig]) -> list[tuple[str, str]]:
    """(variant, the server it is a share of) of a proxy run (ServerConfig.variant_of)."""
    return [(name, config.variant_of) for name, config in servers.items() if config.variant_of]


def change(variant: ServerConfig, of: ServerConfig) -> str:
    """What `variant` adds to `of`, in a few words."""
    if variant.own_tls:
        return "its own TLS"
    if not of.proxy:
        return "nginx"
    if variant.tls != of.tls:
        return "TLS at nginx"
    return f"{variant.instances} instances, not {of.instances}"


def variant_shares(cells: list[Cell], servers: dict[str, ServerConfig]) -> list[VariantShare]:
    """Each variant's req/s and p99 as a share of its server's, one look over every launch both ran
    (t-intervals at ALPHA, as floor shares)."""
    implementation = {(c.server, c.scenario): c for c in cells if c.target == "implementation"}
    rows = []
    for name, of in variants(servers):
        for scenario in dict.fromkeys(s for _, s in implementation):
            ours, theirs = implementation.get((name, scenario)), implementation.get((of, scenario))
            if ours is None or theirs is None:
                continue
            xs, ys, launches = paired(ours, theirs)
            if len(set(launches)) < 2:
                continue
            share = ratio_interval(xs, ys, launches)
            latency = ratio_interval(*paired(ours, theirs, p99))
            proxy_cpu = [t.proxy_cpu_percent for t in ours.trials if t.proxy_cpu_percent is not None]
            rows.append(
                VariantShare(
                    server=name,
                    of=of,
                    scenario=scenario,
                    change=change(servers[name], servers[of]),
                    instances=servers[name].instances / servers[of].instances,
                    share=share.value,
                    ci95=(share.low, share.high),
                    p99_ratio=latency.value,
                    p99_ci95=(latency.low, latency.high),
                    proxy_cpu_percent=statistics.median(proxy_cpu) if proxy_cpu else None,
                    flags=sorted(set(ours.flags) | set(theirs.flags)),
                    launches=share.launches,
                )
            )
    return rows


def targeted(fastapi: ServerConfig, flask: ServerConfig) -> bool:
    """Further launches are spent on like-for-like comparisons only: the run is for them."""
    return pairing(fastapi, flask) != "cross-server"


def took_turns(design: Design | None, fastapi: ServerConfig, flask: ServerConfig) -> bool:
    """Whether the two sides were measured taking turns in one trial (runs that record slots
    do so for every targeted pair)."""
    return bool(design and design.slots) and targeted(fastapi, flask)


# Flags that say the machine, not the server, set the pace. Taking turns puts both sides under
# the same machine, so these mark the cells but leave a turns comparison's verdict to its interval.
MACHINE_FLAGS = frozenset({"cpu-steal"})


def blocking_flags(flags: Sequence[str], turns: bool) -> list[str]:
    """The flags that make a comparison inconclusive whatever its interval says."""
    return [f for f in flags if not (turns and f in MACHINE_FLAGS)]


def compare(
    cells: list[Cell], servers: dict[str, ServerConfig], thresholds: Thresholds, design: Design | None = None
) -> list[Comparison]:
    """Every compared pair, per scenario: like-for-like first."""
    implementation = {(c.server, c.scenario): c for c in cells if c.target == "implementation"}
    order = {"same-server": 0, "same-process-manager": 1, "cross-server": 2}
    rows = []
    for fastapi_name, flask_name in compared(servers):
        fastapi, flask = servers[fastapi_name], servers[flask_name]
        for scenario in dict.fromkeys(s for _, s in implementation):
            fast, slow = (
                implementation.get((fastapi_name, scenario)),
                implementation.get((flask_name, scenario)),
            )
            if fast is None or slow is None:
                continue
            flags = sorted(set(fast.flags) | set(slow.flags))
            blocking = blocking_flags(flags, took_turns(design, fastapi, flask))
            estimate, look = looked(fast, slow, design, blocking, thresholds.no_difference)
            if estimate is None:
                continue
            decided = verdict(estimate.low, estimate.high, blocking, thresholds.no_difference)
            rows.append(
                Comparison(
                    scenario=scenario,
                    fastapi_server=fastapi_name,
                    flask_server=flask_name,
                    pairing=pairing(fastapi, flask),
                    differs=differs(fastapi, flask),
                    ratio=estimate.value,
                    ci95=(estimate.low, estimate.high),
                    verdict=decided,
                    flags=flags,
                    confidence=estimate.confidence,
                    launches=estimate.launches,
                    look=look,
                    stopped=stop_reason(decided, blocking, design, targeted(fastapi, flask)),
                )
            )
    return sorted(rows, key=lambda r: (order[r.pairing], r.fastapi_server, r.flask_server))


def stop_reason(decided: Verdict, flags: Sequence[str], design: Design | None, is_target: bool) -> Stop:
    if decided != "inconclusive":
        return "decided"
    if flags:
        return "flagged"
    if design is None:
        return "fixed"
    if not is_target:
        return "not-targeted"
    return "launch-limit" if design.ended == "launch-limit" else "budget-spent"


def open_cells(results: Results) -> set[tuple[str, str]]:
    """(server, scenario) of the implementation cells that further launches measure, after the
    first look: both sides of every targeted comparison it left undecided. A flagged one stays
    inconclusive whatever more launches show, so it gets none."""
    configs = {name: record.config for name, record in results.servers.items()}
    wanted: set[tuple[str, str]] = set()
    for c in results.comparisons:
        if (
            c.look == 2
            and c.stopped != "flagged"
            and targeted(configs[c.fastapi_server], configs[c.flask_server])
        ):
            wanted |= {(c.fastapi_server, c.scenario), (c.flask_server, c.scenario)}
    return wanted


def floor_verdict(low: float, high: float, target: float, flags: Sequence[str]) -> FloorVerdict:
    """Met when the whole interval clears the target, missed when all of it falls short;
    an interval that holds the target, or a flagged cell, decides nothing."""
    if flags or low < target <= high:
        return "inconclusive"
    return "met" if low >= target else "missed"


def floor_shares(cells: list[Cell], thresholds: Thresholds) -> list[FloorShare]:
    """Each implementation's req/s as a share of its floor's, one look over every launch both ran."""
    by_key = {(c.server, c.target, c.scenario): c for c in cells}
    rows = []
    for (server, target, scenario), ours in by_key.items():
        floor_scenario = FLOOR_SCENARIOS.get(scenario)
        floor = by_key.get((server, "floor", floor_scenario or ""))
        if target != "implementation" or floor is None or floor_scenario is None:
            continue
        xs, ys, launches = paired(ours, floor)
        if len(set(launches)) < 2:
            continue
        estimate = ratio_interval(xs, ys, launches)
        flags = sorted(set(ours.flags) | set(floor.flags))
        goal = thresholds.floor_targets[scenario]
        rows.append(
            FloorShare(
                server=server,
                scenario=scenario,
                floor_scenario=floor_scenario,
                share=estimate.value,
                ci95=(estimate.low, estimate.high),
                target=goal,
                verdict=floor_verdict(estimate.low, estimate.high, goal, flags),
                flags=flags,
                launches=estimate.launches,
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
            "comparisons": compare(cells, configs, results.thresholds, results.design),
            "floor_shares": floor_shares(cells, results.thresholds),
            "variant_shares": variant_shares(cells, configs),
        }
    )
