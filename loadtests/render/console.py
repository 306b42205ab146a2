"""results → the terminal (rich): verdicts first, then the cells and the floor shares."""

from __future__ import annotations

from rich.console import Console
from rich.text import Text

from loadtests.render import bench_tables as tables
from loadtests.render.table import terminal_table
from loadtests.render.text import legend, method, notes, pair_title, pairs, sentence
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
    title = f"req/s: median (min–max) of trials. {legend(results)}"
    console.print(terminal_table(title, *tables.cell_table(results), tables.cell_align(results)))
    if results.comparisons:
        headers, rows = tables.COMPARISON_HEADERS, tables.comparison_rows(results)
        console.print(terminal_table("FastAPI ÷ Flask", headers, rows, tables.COMPARISON_ALIGN))
    if results.variant_shares:
        rows = tables.variant_rows(results)
        console.print(
            terminal_table(tables.VARIANT_TITLE, tables.VARIANT_HEADERS, rows, tables.VARIANT_ALIGN)
        )
    if results.floor_shares:
        title = "Implementation as a share of its floor (Locust; wrk: make bench-crosscheck)"
        console.print(terminal_table(title, tables.FLOOR_HEADERS, tables.floor_rows(results)))
    for note in notes(results):
        console.print(f"• {note}", highlight=False)
