"""Run B against run A (`loadtests.stats.changes`) → the terminal, compare.md and a self-contained
compare.html with a forest plot of every change and its 95 % interval."""

from __future__ import annotations

import html
import math
from collections import Counter

import matplotlib.pyplot as plt
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from loadtests.render.charts import png
from loadtests.render.page import items, page
from loadtests.render.table import Html, html_table, markdown_table
from loadtests.render.text import FLAG_LETTERS
from loadtests.stats.changes import Row, RunChanges

COLUMNS = (
    "scenario",
    "server(s)",
    "metric",
    "A",
    "B",
    "trials A/B",
    "B ÷ A",
    "95 % CI",
    "verdict",
    "flags A/B",
)
VERDICT_COLORS = {
    "faster": "#1f77b4",
    "slower": "#d62728",
    "no change": "#2ca02c",
    "inconclusive": "#999999",
}
# The ticks of a narrow scale (within ÷2 to ×2 of 1) and of a wide one.
FINE_TICKS = (0.5, 0.67, 0.8, 0.9, 0.95, 1, 1.05, 1.1, 1.25, 1.5, 2)
COARSE_TICKS = (1 / 8, 0.25, 0.5, 0.8, 1, 1.25, 2, 4, 8)
CONSOLE_STYLES = {"faster": "bold", "slower": "bold red", "inconclusive": "dim"}
FLAGGED = (
    "* a cell of the row is flagged by make bench (its number may not be the server's own limit): "
    + ", ".join(f"{letter} {flag}" for flag, letter in FLAG_LETTERS.items())
)


def value_text(row: Row, value: float | None) -> str:
    if value is None:
        return "–"
    if row.metric == "req/s":
        return f"{value:.0f}"
    if row.metric == "p99":
        return f"{value:.1f} ms"
    return f"{value:.2f}"


def flag_text(row: Row) -> str:
    a, b = ("".join(FLAG_LETTERS[f] for f in flags) or "–" for flags in (row.flags_a, row.flags_b))
    return "" if a == b == "–" else f"{a}/{b}"


def cells(row: Row) -> list[str]:
    """A row's texts, in the order of COLUMNS."""
    if row.metric is None or row.trials is None:
        return [row.scenario, row.subject, "–", "–", "–", "–", "–", "–", row.verdict, ""]
    flagged = " *" if row.flags_a or row.flags_b else ""
    return [
        row.scenario,
        row.subject,
        row.metric,
        value_text(row, row.a),
        value_text(row, row.b),
        f"{row.trials[0]}/{row.trials[1]}",
        "–" if row.change is None else f"{row.change:.3f} ({100 * (row.change - 1):+.1f} %)",
        "– (fewer than 2 trials)" if row.ci95 is None else f"{row.ci95[0]:.3f}–{row.ci95[1]:.3f}",
        row.verdict + flagged,
        flag_text(row),
    ]


def _code(revision: str | None) -> str:
    return revision or "not recorded"


def header(changes: RunChanges) -> list[str]:
    """The runs, what they share, the band, and what differs (only when forced past a refusal)."""
    lines = [
        f"A: {changes.a} (started {changes.a_started_at:%Y-%m-%d %H:%M}Z, code {_code(changes.a_revision)})",
        f"B: {changes.b} (started {changes.b_started_at:%Y-%m-%d %H:%M}Z, code {_code(changes.b_revision)})",
        f"Profile {changes.profile_name}, {changes.database}, {changes.cpu_model}. B ÷ A of the mean over "
        f"the trials, 95 % CI (Welch's t over the two runs' launches); no change: the whole "
        f"interval within ±{100 * changes.band:.0f} %. req/s, share of floor and FastAPI÷Flask: above 1 is "
        "faster; p99: below 1 is faster.",
    ]
    counts = Counter(r.verdict for r in changes.rows)
    lines.append(
        "Verdicts: " + ", ".join(f"{n} {v}" for v, n in counts.items()) + f" ({len(changes.rows)} rows)."
    )
    if any(r.flags_a or r.flags_b for r in changes.rows):
        lines.append(FLAGGED)
    if changes.control:
        lines.append(changes.control)
    if changes.mismatches:
        lines.append(
            "COMPARED DESPITE A DIFFERENT SETUP (--allow-mismatch): "
            + "; ".join(f"{m.field}: {m.a} → {m.b}" for m in changes.mismatches)
        )
    return lines


def show(changes: RunChanges, console: Console) -> None:
    """The table of the files, narrower: rows grouped under their scenario, without the trial
    counts and the percentage; only the names wrap (a number broken over two lines is misread)."""
    for line in header(changes):
        console.print(line, highlight=False, markup=False)
    grid = Table(title="Run B against run A", box=box.SIMPLE_HEAD)
    grid.add_column("scenario / server(s)", overflow="fold", min_width=20)
    for column in ("metric", "A", "B", "B ÷ A", "95 % CI", "verdict", "flags"):
        grid.add_column(column, justify="right" if column in {"A", "B", "B ÷ A"} else "left", no_wrap=True)
    scenario = None
    for row in changes.rows:
        if row.scenario != scenario:
            scenario = row.scenario
            grid.add_row(Text(scenario, style="bold underline"), end_section=False)
        texts = cells(row)
        metric = "p99 ms" if row.metric == "p99" else texts[2]
        a, b = (text.removesuffix(" ms") for text in texts[3:5])
        change = texts[6].split(" (")[0]
        grid.add_row(texts[1], metric, a, b, change, *texts[7:], style=CONSOLE_STYLES.get(row.verdict, ""))
    console.print(grid)


def markdown(changes: RunChanges) -> str:
    lines = [f"# Run B against run A ({changes.profile_name})", ""]
    lines += [f"- {line}" for line in header(changes)]
    lines += ["", markdown_table(COLUMNS, [cells(row) for row in changes.rows], "lllrrlr")]
    return "\n".join(lines) + "\n"


def forest(changes: RunChanges) -> str:
    """One line per cell × metric and per FastAPI ÷ Flask comparison: B ÷ A with its 95 %
    interval, the line at 1 and the ±band of no change shaded."""
    rows = [(r, r.change, r.ci95) for r in changes.rows if r.change is not None and r.ci95 is not None][::-1]
    figure, axis = plt.subplots(figsize=(11, 0.3 * len(rows) + 1.4))
    band = changes.band
    axis.axvspan(1 - band, 1 + band, color="#2ca02c", alpha=0.12, label=f"±{100 * band:.0f} %: no change")
    axis.axvline(1, color="black", linewidth=0.8)
    for y, (row, change, ci95) in enumerate(rows):
        color = VERDICT_COLORS[row.verdict]
        axis.plot(ci95, [y, y], color=color, linewidth=2.2)
        axis.plot([change], [y], "o", color=color, markersize=5)
    axis.set_yticks(range(len(rows)))
    axis.set_yticklabels([f"{r.name} — {r.metric}" for r, _, _ in rows], fontsize=8)
    axis.set_ylim(-0.7, len(rows) - 0.3)
    # A ratio's scale is multiplicative (×2 and ÷2 equally far from 1); an interval that runs off
    # the limits (at most ×8 or ÷8) is cut at the edge.
    ends = [e for _, _, ci95 in rows for e in ci95 if math.isfinite(e) and e > 0]
    low, high = max(min(ends, default=0.9), 1 / 8) / 1.05, min(max(ends, default=1.1), 8) * 1.05
    axis.set_xscale("log")
    axis.set_xlim(min(low, 1 - 2 * band), max(high, 1 + 2 * band))
    left, right = axis.get_xlim()
    ticks = [t for t in (FINE_TICKS if left >= 0.5 and right <= 2 else COARSE_TICKS) if left <= t <= right]
    axis.set_xticks(ticks, [f"{t:g}" for t in ticks])
    axis.minorticks_off()
    axis.set_xlabel(
        "B ÷ A (mean over trials, log scale), 95 % CI (Welch's t over launches). "
        "req/s, FastAPI÷Flask: right is faster; p99: "
        "left is faster. Blue faster, red slower, green no change, grey inconclusive",
        fontsize=8,
    )
    axis.grid(axis="x", alpha=0.3)
    # A long forest is read from the top: the scale and the legend there too.
    axis.tick_params(axis="x", top=True, labeltop=True)
    axis.legend(fontsize=8, loc="lower right", bbox_to_anchor=(1, 1.03), borderaxespad=0)
    return png(figure)


EXTRA_STYLE = """
td, th { white-space: nowrap; } td:nth-child(2) { white-space: normal; }
td:nth-child(2), td:nth-child(3), td:nth-child(9), th:nth-child(-n+3), th:nth-child(9) { text-align: left; }
"""


def report(changes: RunChanges) -> str:
    rows = []
    for row in changes.rows:
        texts: list[str] = cells(row)
        color = VERDICT_COLORS.get(row.verdict, "#222")
        texts[8] = Html(f'<b style="color: {color}">{html.escape(texts[8])}</b>')
        rows.append(texts)
    plotted = any(r.ci95 is not None for r in changes.rows)
    body = [
        f"<h1>Run B against run A ({html.escape(changes.profile_name)})</h1>",
        f'<ul class="note">{items(header(changes))}</ul>',
        forest(changes) if plotted else "<p>No cell or comparison is in both runs.</p>",
        html_table(COLUMNS, rows),
    ]
    return page("Run B against run A", body, EXTRA_STYLE)
