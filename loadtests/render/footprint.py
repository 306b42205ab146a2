"""`make footprint`'s results → footprint.json, footprint.md, footprint.html and the terminal."""

from __future__ import annotations

import statistics
from pathlib import Path

from rich.console import Console

from loadtests.render.page import items, page
from loadtests.render.table import html_table, markdown_table, terminal_table
from loadtests.results.footprint import FootprintResults, FrontEndFootprint

FRONT_END_HEADERS = [
    "front end", "packages beyond the core", "installed MiB", "import + build s", "beyond the core s",
]  # fmt: skip
SERVER_HEADERS = ["server", "front end", "worker USS MiB", "worker PSS MiB", "all processes USS MiB"]


def front_end_rows(results: FootprintResults) -> list[list[str]]:
    return [
        [
            f.front_end,
            str(len(f.packages)),
            f"{f.installed_mib:.1f}",
            f"{statistics.median(f.import_seconds):.2f}",
            f"{statistics.median(f.import_seconds) - statistics.median(f.core_import_seconds):+.2f}",
        ]
        for f in results.front_ends
    ]


def server_rows(results: FootprintResults) -> list[list[str]]:
    return [
        [s.server, s.front_end, f"{s.worker_uss_mib:.1f}", f"{s.worker_pss_mib:.1f}", f"{s.tree_uss_mib:.1f}"]
        for s in results.servers
    ]


def package_list(footprint: FrontEndFootprint) -> str:
    return ", ".join(f"{p.name} {p.version}" for p in footprint.packages)


def summary(results: FootprintResults) -> str:
    core = sum(p.installed_mib for p in results.core_packages)
    lines = [
        f"# What each front end brings with it ({results.started_at:%Y-%m-%d %H:%MZ})",
        "",
        f"{results.machine.cpu_model}, Python {results.python}. The core alone loads "
        f"{len(results.core_packages)} packages ({core:.1f} MiB installed); times are medians of fresh "
        "interpreters importing and building the app.",
        "",
        markdown_table(FRONT_END_HEADERS, front_end_rows(results), "lrrrr"),
        "",
        *(f"- **{f.front_end}**: {package_list(f)}" for f in results.front_ends),
        "",
        "Idle servers, after a few requests (USS: memory no other process shares):",
        "",
        markdown_table(SERVER_HEADERS, server_rows(results), "llrrr"),
    ]
    return "\n".join(lines) + "\n"


def write(results: FootprintResults, out: Path, console: Console) -> None:
    (out / "footprint.json").write_text(results.model_dump_json(indent=1))
    (out / "footprint.md").write_text(summary(results))
    body = [
        "<h1>What each front end brings with it</h1>",
        html_table(FRONT_END_HEADERS, front_end_rows(results)),
        "<ul>" + items([f"{f.front_end}: {package_list(f)}" for f in results.front_ends]) + "</ul>",
        html_table(SERVER_HEADERS, server_rows(results)),
    ]
    (out / "footprint.html").write_text(page("Front end footprint", body))
    console.print(terminal_table("Front ends", FRONT_END_HEADERS, front_end_rows(results)))
    console.print(terminal_table("Idle servers", SERVER_HEADERS, server_rows(results)))
    console.print(f"Wrote [bold]{out}[/]: footprint.json, footprint.md, footprint.html")
