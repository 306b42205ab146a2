"""`make capacity`'s results → capacity.json, capacity.md and a self-contained report.html with
latency against offered load for every server."""

from __future__ import annotations

import html
from pathlib import Path

import matplotlib.pyplot as plt
from rich.console import Console

from loadtests.render.charts import png
from loadtests.render.page import page
from loadtests.render.table import html_table, markdown_table, terminal_table
from loadtests.results.bench import CapacityCell, CapacityResults

PERCENTILES = (("p50_ms", "p50"), ("p90_ms", "p90"), ("p99_ms", "p99"), ("max_ms", "max"))


def capacity_text(cell: CapacityCell) -> str:
    if cell.capacity_rps is None:
        return f"below {cell.steps[0].offered_rps:.0f}"
    return f"{cell.capacity_rps:.0f}"


def failure_text(cell: CapacityCell) -> str:
    """Why the first failing step above the capacity failed."""
    above = [s for s in cell.steps if not s.passed]
    return min(above, key=lambda s: s.offered_rps).reason if above else "never failed"


CAPACITY_HEADERS = ["server", "scenario", "capacity (req/s)", "first failure above it"]
STEP_HEADERS = ["server", "scenario", "offered", "achieved", "p50", "p90", "p99", "max", "verdict"]


def capacity_rows(results: CapacityResults) -> list[list[str]]:
    return [[c.server, c.scenario, capacity_text(c), failure_text(c)] for c in results.cells]


def step_rows(results: CapacityResults) -> list[list[str]]:
    return [
        [c.server, c.scenario, f"{s.offered_rps:.0f}", f"{s.achieved_rps:.0f}"]
        + [f"{value:.1f}" for value in (s.p50_ms, s.p90_ms, s.p99_ms, s.max_ms)]
        + ["pass" if s.passed else s.reason]
        for c in results.cells
        for s in sorted(c.steps, key=lambda s: s.offered_rps)
    ]


def method(results: CapacityResults) -> str:
    p, m = results.profile, results.machine
    return (
        f"{m.cpu_model}, {m.logical_cpus} CPUs; servers on CPUs {m.topology.server_cpus}, k6 on "
        f"{m.topology.generator_cpus}; {results.database}; {results.k6}. Open loop (constant-arrival-rate), "
        f"steps of {p.step_seconds:g} s growing ×{p.growth:g}, then {p.refinements} refinements. A step "
        "passes with p99 within the objective, no failed request and no dropped arrival."
    )


def title(results: CapacityResults) -> str:
    return f"Capacity at p99 ≤ {results.profile.slo_p99_ms:g} ms"


def summary(results: CapacityResults) -> str:
    lines = [
        f"# {title(results)} ({results.started_at:%Y-%m-%d %H:%M}Z)",
        "",
        method(results),
        "",
        markdown_table(CAPACITY_HEADERS, capacity_rows(results), "llr"),
        "",
        "## Every step (latency in ms)",
        "",
        markdown_table(STEP_HEADERS, step_rows(results), "llrrrrrr"),
    ]
    return "\n".join(lines) + "\n"


def chart(results: CapacityResults, scenario: str) -> str:
    """One figure per scenario: a panel per percentile, every server a line in each."""
    figure, axes = plt.subplots(2, 2, figsize=(12, 8), sharex=True)
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    cells = [c for c in results.cells if c.scenario == scenario]
    for axis, (field, title) in zip(axes.flat, PERCENTILES, strict=True):
        for color, cell in zip(colors, cells, strict=False):
            steps = sorted(cell.steps, key=lambda s: s.offered_rps)
            rates, values = [s.offered_rps for s in steps], [getattr(s, field) for s in steps]
            axis.plot(rates, values, marker="o", markersize=3, color=color, label=cell.server)
        if field == "p99_ms":
            axis.axhline(results.profile.slo_p99_ms, color="black", linewidth=0.8, label="objective")
        axis.set_yscale("log")
        axis.set_title(title)
        axis.grid(alpha=0.3)
    for axis in axes[1]:
        axis.set_xlabel("offered load (req/s, open loop)")
    for axis in axes[:, 0]:
        axis.set_ylabel("latency (ms, log scale)")
    axes[0][1].legend(fontsize=8)
    figure.suptitle(f"{scenario}: latency against offered load")
    return png(figure)


def report(results: CapacityResults) -> str:
    charts = "".join(chart(results, s) for s in results.profile.scenarios)
    body = [
        f"<h1>{html.escape(title(results))}</h1>",
        f'<p class="note">{html.escape(method(results))}</p>',
        html_table(CAPACITY_HEADERS, capacity_rows(results)),
        charts,
    ]
    return page("Capacity", body)


def write(results: CapacityResults, out: Path, console: Console) -> None:
    (out / "capacity.json").write_text(results.model_dump_json(indent=1))
    (out / "capacity.md").write_text(summary(results))
    (out / "report.html").write_text(report(results))
    table_title = f"{title(results)} (open loop, k6)"
    console.print(terminal_table(table_title, CAPACITY_HEADERS, capacity_rows(results), "llr"))
    console.print(f"Wrote [bold]{out}[/]: capacity.json, capacity.md, report.html")
