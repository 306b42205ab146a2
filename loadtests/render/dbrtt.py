"""`make bench ARGS="--db-rtt-ms …"`'s results → dbrtt.md, dbrtt.html and the terminal: each
server's req/s and p99 against the database round-trip time, its pool sizes, the relay's CPU time."""

from __future__ import annotations

import html
from pathlib import Path

import matplotlib.pyplot as plt
from rich.console import Console

from loadtests.render.charts import png
from loadtests.render.page import items, page
from loadtests.render.table import html_table, markdown_table
from loadtests.results.dbrtt import RttRun

TITLE = "Throughput against the database round-trip time"
POOL_HEADERS = ["server", "database pool", "threadpool limit"]
ByRtt = dict[tuple[str, str], dict[float, tuple[float, float]]]


def by_rtt(runs: list[RttRun]) -> ByRtt:
    """(server, scenario) → RTT → (median req/s, median p99 ms) of the implementation cells."""
    found: ByRtt = {}
    for rtt_run in runs:
        for cell in rtt_run.results.cells:
            if cell.target == "implementation":
                p99 = sorted(t.latency.p99_ms for t in cell.trials)[len(cell.trials) // 2]
                found.setdefault((cell.server, cell.scenario), {})[rtt_run.rtt_ms] = (cell.rps_median, p99)
    return found


def rtt_table(runs: list[RttRun]) -> tuple[list[str], list[list[str]]]:
    rtts = [r.rtt_ms for r in runs]
    rows = [
        [server, scenario, *(f"{at[r][0]:.0f} ({at[r][1]:.0f} ms)" if r in at else "–" for r in rtts)]
        for (server, scenario), at in by_rtt(runs).items()
    ]
    return ["server", "scenario", *(f"RTT {r:g} ms" for r in rtts)], rows


def pool_rows(runs: list[RttRun]) -> list[list[str]]:
    servers = runs[0].results.servers.items()
    return [[name, str(record.db_pool_size), str(record.threadpool_limit)] for name, record in servers]


def method(runs: list[RttRun]) -> str:
    return (
        f"PostgreSQL in a network namespace, delayed by {runs[0].method}; one full run per RTT "
        "(reports in rtt-<ms>ms/). Median req/s (p99 ms) of the trials."
    )


RELAY = "The relay's own CPU time over each run (it shares the machine with the servers):"


def relay_lines(runs: list[RttRun]) -> list[str]:
    return [f"RTT {r.rtt_ms:g} ms: {r.relay_cpu_seconds:.1f} s" for r in runs]


def summary(runs: list[RttRun]) -> str:
    rtt_align = "ll" + "r" * len(runs)
    lines = [f"# {TITLE}", "", method(runs), "", markdown_table(*rtt_table(runs), rtt_align), ""]
    lines += [markdown_table(POOL_HEADERS, pool_rows(runs), "lrr"), "", RELAY, ""]
    lines += [f"- {line}" for line in relay_lines(runs)]
    return "\n".join(lines) + "\n"


def chart(runs: list[RttRun]) -> str:
    found = by_rtt(runs)
    scenarios = sorted({scenario for _, scenario in found})
    figure, axes = plt.subplots(1, len(scenarios), figsize=(5.5 * len(scenarios), 4.5), squeeze=False)
    for axis, scenario in zip(axes[0], scenarios, strict=True):
        for (server, played), at in found.items():
            if played == scenario:
                rtts = sorted(at)
                axis.plot(rtts, [at[r][0] for r in rtts], marker="o", label=server)
        axis.set_title(scenario)
        axis.set_xlabel("database round trip (ms)")
        axis.set_ylabel("req/s (median of trials)")
        axis.grid(alpha=0.3)
    axes[0][0].legend(fontsize=8)
    return png(figure)


def report(runs: list[RttRun]) -> str:
    body = [
        f"<h1>{TITLE}</h1>",
        f'<p class="note">{html.escape(method(runs))}</p>',
        chart(runs),
        html_table(*rtt_table(runs)),
        html_table(POOL_HEADERS, pool_rows(runs)),
        f"<p>{html.escape(RELAY)}</p><ul>{items(relay_lines(runs))}</ul>",
    ]
    return page("Database RTT", body)


def write(runs: list[RttRun], out: Path, console: Console) -> None:
    text = summary(runs)
    (out / "dbrtt.md").write_text(text)
    (out / "dbrtt.html").write_text(report(runs))
    console.print(text)
    console.print(f"Wrote [bold]{out}[/]: dbrtt.md, dbrtt.html, rtt-<ms>ms/")
