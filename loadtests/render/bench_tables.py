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
VARIANT_HEADERS = [
    "server", "of", "adds", "scenario", "req/s kept", "CI", "per instance", "p99 ×", "CI", "nginx CPU %"
]  # fmt: skip
VARIANT_ALIGN = "llllrrrrrr"
VARIANT_TITLE = "Behind nginx: req/s and p99 as a share of the server without it"
VARIANT_NOTE = (
    "Each row: a server behind nginx (on the server CPUs, so its CPU is part of the cost), over "
    "HTTPS there, or as more instances, against the server it differs from in that alone, the two "
    "taking turns in one trial; t-intervals over launches (95 %). 'per instance': req/s kept ÷ the "
    "instances added, the scaling efficiency (1.00: perfect). 'nginx CPU %': median share of the "
    "server CPUs nginx used."
)


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


def variant_rows(results: Results) -> list[list[str]]:
    return [
        [
            v.server,
            v.of,
            v.change,
            v.scenario + (f" ({', '.join(v.flags)})" if v.flags else ""),
            f"{v.share:.2f}",
            f"{v.ci95[0]:.2f}–{v.ci95[1]:.2f}",
            f"{v.share / v.instances:.2f}" if v.instances != 1 else "",
            f"{v.p99_ratio:.2f}",
            f"{v.p99_ci95[0]:.2f}–{v.p99_ci95[1]:.2f}",
            f"{v.proxy_cpu_percent:.0f}" if v.proxy_cpu_percent is not None else "",
        ]
        for v in results.variant_shares
    ]


def floor_rows(results: Results) -> list[list[str]]:
    return [[f.server, f.scenario, floor_text(f)] for f in results.floor_shares]
