"""Charts for the HTML report, as PNG data URIs (the report loads nothing from anywhere)."""

from __future__ import annotations

import base64
import io
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # the backend must be chosen before pyplot is imported

from loadtests.render.bench_tables import cell_rows, row_label
from loadtests.results.bench import Results

VERDICT_COLORS = {
    "fastapi-faster": "#1f77b4",
    "flask-faster": "#d62728",
    "no-difference": "#2ca02c",
    "inconclusive": "#999999",
}


def png(figure: Any) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    plt.close(figure)
    return f'<img alt="chart" src="data:image/png;base64,{base64.b64encode(buffer.getvalue()).decode()}">'


def forest(results: Results) -> str:
    """Every comparison's ratio with its interval, the ±band of no difference shaded."""
    rows = results.comparisons[::-1]
    figure, axis = plt.subplots(figsize=(11, 0.32 * len(rows) + 1.2))
    band = results.thresholds.no_difference
    axis.axvspan(1 - band, 1 + band, color="#2ca02c", alpha=0.12, label=f"±{100 * band:.0f} %: no difference")
    axis.axvline(1, color="black", linewidth=0.8)
    for y, c in enumerate(rows):
        color = VERDICT_COLORS[c.verdict]
        axis.plot(c.ci95, [y, y], color=color, linewidth=2.2)
        axis.plot([c.ratio], [y], "o", color=color, markersize=5)
    axis.set_yticks(range(len(rows)))
    axis.set_yticklabels([f"{c.scenario} · {c.fastapi_server} ÷ {c.flask_server}" for c in rows], fontsize=8)
    axis.set_xlabel("FastAPI ÷ Flask (req/s), t-interval over launches; grey: inconclusive")
    axis.grid(axis="x", alpha=0.3)
    axis.legend(fontsize=8, loc="lower right")
    return png(figure)


def throughput(results: Results) -> str:
    servers, rows, by_key = cell_rows(results)
    colors = {s: plt.get_cmap("tab10")(i) for i, s in enumerate(servers)}
    width = 0.8 / max(1, len(servers))
    figure, axis = plt.subplots(figsize=(12, 4.5))
    for i, server in enumerate(servers):
        xs, ys, low, high = [], [], [], []
        for x, (target, scenario) in enumerate(rows):
            cell = by_key.get((server, target, scenario))
            if cell:
                xs.append(x + i * width)
                ys.append(cell.rps_median)
                low.append(cell.rps_median - cell.rps_min)
                high.append(cell.rps_max - cell.rps_median)
        axis.bar(xs, ys, width, yerr=[low, high], capsize=3, label=server, color=colors[server])
    axis.set_xticks([x + width * (len(servers) - 1) / 2 for x in range(len(rows))])
    axis.set_xticklabels([row_label(t, s).replace(" (", "\n(") for t, s in rows], fontsize=8)
    axis.set_ylabel("requests / s (median, whiskers min–max)")
    axis.set_yscale("log")
    axis.legend(fontsize=8)
    axis.grid(axis="y", alpha=0.3)
    return png(figure)


def over_time(results: Results) -> str:
    """Per-second p50 and p99 of every trial, in the order the trials ran."""
    servers, rows, by_key = cell_rows(results)
    implementation = [key for key in rows if key[0] == "implementation"]
    colors = {s: plt.get_cmap("tab10")(i) for i, s in enumerate(servers)}
    columns = 3
    lines = (len(implementation) + columns - 1) // columns
    figure, axes = plt.subplots(lines, columns, figsize=(14, 3.2 * lines), squeeze=False)
    for axis, (target, scenario) in zip(axes.flat, implementation, strict=False):
        for server in servers:
            cell = by_key.get((server, target, scenario))
            if not cell:
                continue
            xs: list[float] = []
            p50: list[float] = []
            p99: list[float] = []
            for trial in sorted(cell.trials, key=lambda t: t.started_at):
                offset = len(xs)
                for second in trial.timeline:
                    xs.append(offset + second.second)
                    p50.append(second.p50_ms)
                    p99.append(second.p99_ms)
            axis.plot(xs, p50, color=colors[server], linewidth=1, label=f"{server} p50")
            axis.plot(xs, p99, color=colors[server], linewidth=1, linestyle="--", label=f"{server} p99")
        axis.set_title(scenario, fontsize=9)
        axis.set_xlabel("seconds of load (trials back to back)", fontsize=7)
        axis.set_ylabel("ms", fontsize=7)
        axis.set_yscale("log")
        axis.grid(alpha=0.3)
    for axis in list(axes.flat)[len(implementation) :]:
        axis.axis("off")
    axes[0][0].legend(fontsize=6)
    figure.tight_layout()
    return png(figure)
