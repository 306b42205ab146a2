"""results → the terminal (rich): verdicts first, then the cells and the floor shares."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from loadtests.render.markdown import cell_rows, row_label
from loadtests.render.text import (
    cell_text,
    floor_text,
    legend,
    method,
    notes,
    pair_title,
    pairs,
    reached,
    sentence,
    verdict_word,
)
from loadtests.results.bench import Results

STYLES = {"fastapi-faster": "bold", "flask-faster": "bold", "no-difference": "", "inconclusive": "dim"}


def show(results: Results, console: Console) -> None:
    console.rule("Verdicts: FastAPI ÷ Flask (req/s, t-interval over launches)")
    console.print(method(results), highlight=False)
    for group in pairs(results):
        console.print(f"\n[bold underline]{pair_title(results, group[0])}[/]", highlight=False)
        for c in group:
            # Text, not markup: a sentence is data, and "no-difference" has no style to open.
            console.print(Text(f"  {c.scenario}: {sentence(results, c)}", style=STYLES[c.verdict]))
    table = Table(title=f"req/s: median (min–max) of trials. {legend(results)}")
    servers, rows, by_key = cell_rows(results)
    table.add_column("scenario")
    for server in servers:
        table.add_column(server, justify="right")
    for target, scenario in rows:
        table.add_row(
            row_label(target, scenario),
            *(
                cell_text(by_key[(s, target, scenario)]) if (s, target, scenario) in by_key else "–"
                for s in servers
            ),
        )
    console.print(table)
    ratios = Table(title="FastAPI ÷ Flask")
    for column in ("scenario", "FastAPI server", "Flask server", "pairing", "ratio", "CI", "verdict", "how"):
        ratios.add_column(column)
    for c in results.comparisons:
        ratios.add_row(
            c.scenario,
            c.fastapi_server,
            c.flask_server,
            c.pairing,
            f"{c.ratio:.2f}",
            f"{c.ci95[0]:.2f}–{c.ci95[1]:.2f}",
            verdict_word(results, c) + (f" ({', '.join(c.flags)})" if c.flags else ""),
            reached(c),
        )
    if results.comparisons:
        console.print(ratios)
    if results.floor_shares:
        floors = Table(title="Implementation as a share of its floor (Locust; wrk: make bench-crosscheck)")
        for column in ("server", "scenario", "share"):
            floors.add_column(column)
        for f in results.floor_shares:
            floors.add_row(f.server, f.scenario, floor_text(f))
        console.print(floors)
    for note in notes(results):
        console.print(f"• {note}", highlight=False)
