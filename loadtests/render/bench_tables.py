"""A benchmark run's tables as headers and rows of text: summary.md, report.html and the terminal
write the same rows, each in its own format (loadtests/render/table.py)."""

from __future__ import annotations

from collections.abc import Callable

from loadtests.render.text import cell_text, floor_text, reached, verdict_word
from loadtests.results.bench import Cell, Results

Rows = tuple[list[str], list[list[str]]]

COMPARISON_HEADERS = [
    "scenario", "FastAPI server", "Flask server", "pairing", "ratio", "CI", "verdict", "how"
]  # fmt: skip
COMPARISON_ALIGN = "llllrr"
FLOOR_HEADERS = ["server", "scenario", "share of the floor"]


def cell_rows(results: Results) -> tuple[list[str], list[tuple[str, str]], dict[tuple[str, str, str], Cell]]:
    """Servers (columns), (target, scenario) rows and the cells by (server, target, scenario)."""
    servers = [name for name, record in results.servers.items() if not record.refused]
    rows: list[tuple[str, str]] = list(dict.fromkeys((c.target, c.scenario) for c in results.cells))
    return servers, rows, {(c.server, c.target, c.scenario): c for c in results.cells}


def row_label(target: str, scenario: str) -> str:
    return scenario if target == "implementation" else f"{scenario} (floor)"


def cell_table(results: Results, text: Callable[[Cell], str] = cell_text) -> Rows:
    """A row per scenario, a column per server: `text` of each cell ("–" where none ran)."""
    servers, rows, by_key = cell_rows(results)
    body = [
        [row_label(t, s), *(text(by_key[(v, t, s)]) if (v, t, s) in by_key else "–" for v in servers)]
        for t, s in rows
    ]
    return ["scenario", *servers], body


def cell_align(results: Results) -> str:
    """The scenario on the left, every server's figures on the right."""
    return "l" + "r" * len(cell_rows(results)[0])


def latency_text(cell: Cell) -> str:
    return (
        f"{cell.median('p50_ms'):.1f} / {cell.median('p99_ms'):.1f} · "
        f"{cell.median('cpu_ms_per_request'):.2f} ms CPU"
    )


def comparison_rows(results: Results) -> list[list[str]]:
    return [
        [
            c.scenario,
            c.fastapi_server,
            c.flask_server,
            c.pairing,
            f"{c.ratio:.2f}",
            f"{c.ci95[0]:.2f}–{c.ci95[1]:.2f}",
            verdict_word(results, c) + (f" ({', '.join(c.flags)})" if c.flags else ""),
            reached(c),
        ]
        for c in results.comparisons
    ]


def floor_rows(results: Results) -> list[list[str]]:
    return [[f.server, f.scenario, floor_text(f)] for f in results.floor_shares]
