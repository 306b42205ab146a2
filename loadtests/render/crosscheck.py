"""`make bench-crosscheck`'s results → crosscheck.json and the terminal: each server's req/s by wrk
and by Locust, FastAPI ÷ Flask (and each variant behind nginx ÷ its server) by each tool, and
whether the two tools agree."""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path

from rich.console import Console

from loadtests.config.matrix import ServerConfig
from loadtests.render.table import terminal_table
from loadtests.results.crosscheck import Crosscheck, Measured
from loadtests.stats.analysis import compared, ratio_ci, variants

AGREEMENT = 0.10
HEADERS = ["server", "target", "wrk req/s", "wrk non-2xx / socket errors", "Locust req/s", "Locust failures"]


def interval(numerator: list[float], denominator: list[float]) -> str:
    if not numerator or not denominator:
        return "–"
    ratio, low, high = ratio_ci(numerator, denominator)
    return f"{ratio:.2f} ({low:.2f}–{high:.2f})"


def median(values: list[float]) -> str:
    return f"{statistics.median(values):.0f}" if values else "–"


def row(measured: Measured) -> list[str]:
    errors = f"{measured.wrk_non_2xx} / {measured.wrk_socket_errors}"
    locust = [median(measured.locust_rps), str(measured.locust_failures)]
    return [measured.server, measured.target, median(measured.wrk_rps), errors, *locust]


def agreement(fastapi: Measured, flask: Measured) -> str:
    """FastAPI ÷ Flask (or a variant ÷ its server) by each tool; with both, whether they agree
    within ±AGREEMENT."""
    line = (
        f"{fastapi.server} ÷ {flask.server}, ratio of means (95 % CI): "
        f"wrk {interval(fastapi.wrk_rps, flask.wrk_rps)}, "
        f"Locust {interval(fastapi.locust_rps, flask.locust_rps)}"
    )
    if not (fastapi.locust_rps and flask.locust_rps and fastapi.wrk_rps and flask.wrk_rps):
        return line
    by_locust = ratio_ci(fastapi.locust_rps, flask.locust_rps)[0]
    by_wrk = ratio_ci(fastapi.wrk_rps, flask.wrk_rps)[0]
    agree = abs(by_locust / by_wrk - 1) <= AGREEMENT
    verdict = "[green]agree within ±10 %[/]" if agree else "[red]DISAGREE by more than 10 %[/]"
    return f"{line}; Locust ÷ wrk = {by_locust / by_wrk:.2f}: {verdict}"


def floor_shares(rows: list[Measured]) -> list[str]:
    """Each implementation's share of its floor app, by each tool."""
    lines = []
    for measured in (r for r in rows if r.target == "implementation"):
        floor = next((r for r in rows if r.server == measured.server and r.target == "floor"), None)
        if floor:
            lines.append(
                f"{measured.server}: {measured.scenario} ÷ floor {floor.scenario}, share (95 % CI): "
                f"wrk {interval(measured.wrk_rps, floor.wrk_rps)}, "
                f"Locust {interval(measured.locust_rps, floor.locust_rps)}"
            )
    return lines


def show(
    rows: list[Measured], configs: dict[str, ServerConfig], args: argparse.Namespace, console: Console
) -> None:
    title = (
        f"{args.scenario}: {args.trials} rounds × {args.seconds:g} s, "
        f"{args.connections} connections (wrk) = users (Locust); req/s are medians"
    )
    console.print(terminal_table(title, HEADERS, [row(r) for r in rows]))
    implementation = {r.server: r for r in rows if r.target == "implementation"}
    # FastAPI ÷ Flask on every route, then each variant behind nginx ÷ its server.
    for numerator, denominator in [*compared(configs), *variants(configs)]:
        if numerator in implementation and denominator in implementation:
            console.print(agreement(implementation[numerator], implementation[denominator]), highlight=False)
    for line in floor_shares(rows):
        console.print(line, highlight=False)


def write(
    rows: list[Measured],
    configs: dict[str, ServerConfig],
    args: argparse.Namespace,
    out: Path,
    console: Console,
) -> None:
    (out / "crosscheck.json").write_text(Crosscheck(rows).model_dump_json(indent=1))
    show(rows, configs, args, console)
    console.print(f"Wrote [bold]{out}[/]: crosscheck.json")
