"""`make bench-instrumentation`'s results → instrumentation.json, instrumentation.md and the
terminal: each server's plain req/s and the share of it each instrumented variant keeps."""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path

from rich.console import Console

from loadtests.render.table import markdown_table, terminal_table
from loadtests.results.instrumentation import Instrumentation, VariantRuns
from loadtests.stats.analysis import ratio_ci

HEADERS = ["server", "plain req/s (median)", "share kept with metrics", "with metrics + tracing"]


def share(cells: list[VariantRuns], server: str, variant: str) -> tuple[float, float, float]:
    """The variant's req/s ÷ the plain req/s of the same server, round by round."""
    by_variant = {cell.variant: cell for cell in cells if cell.server == server}
    return ratio_ci(by_variant[variant].rps, by_variant["plain"].rps)


def rows(cells: list[VariantRuns]) -> list[list[str]]:
    instrumented = [v for v in dict.fromkeys(cell.variant for cell in cells) if v != "plain"]
    table = []
    for server in dict.fromkeys(cell.server for cell in cells):
        plain = next(cell for cell in cells if cell.server == server and cell.variant == "plain")
        row = [server, f"{statistics.median(plain.rps):.0f}"]
        for variant in instrumented:
            kept, low, high = share(cells, server, variant)
            row.append(f"{kept:.0%} ({low:.0%}–{high:.0%})")
        table.append(row)
    return table


def title(args: argparse.Namespace) -> str:
    return (
        f"{args.scenario}, wrk, {args.connections} connections, {args.rounds} rounds × {args.seconds:g} s, "
        "every run a fresh start; share = variant ÷ plain, 95 % t-interval over rounds"
    )


def summary(cells: list[VariantRuns], args: argparse.Namespace) -> str:
    table = markdown_table(HEADERS, rows(cells), "lr")
    return "\n".join(["# What instrumentation costs", "", title(args), "", table]) + "\n"


def write(cells: list[VariantRuns], args: argparse.Namespace, out: Path, console: Console) -> None:
    (out / "instrumentation.json").write_text(Instrumentation(cells).model_dump_json(indent=1))
    (out / "instrumentation.md").write_text(summary(cells, args))
    console.print(terminal_table(title(args), HEADERS, rows(cells), "lr"))
    console.print(f"Wrote [bold]{out}[/]: instrumentation.json, instrumentation.md")
