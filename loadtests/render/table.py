"""The one table writer of each format — Markdown, HTML, the terminal — from headers and rows of text.

`align` gives a letter a column, "l" (left) or "r" (right); a column without one is left-aligned.
HTML cells are escaped unless they are `Html` (markup a view built on purpose, e.g. `<code>`).
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence

from rich.table import Table


class Html(str):
    """A cell that is HTML already: `html_table` writes it as it is."""

    __slots__ = ()


def _right(align: str, column: int) -> bool:
    return align[column : column + 1] == "r"


def _markdown_row(cells: Sequence[str]) -> str:
    # A "|" inside a cell would end it: Markdown reads "\|" as the character.
    return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"


def markdown_table(headers: Sequence[str], rows: Iterable[Sequence[str]], align: str = "") -> str:
    rule = "|" + "".join("---:|" if _right(align, i) else "---|" for i in range(len(headers)))
    return "\n".join([_markdown_row(headers), rule, *(_markdown_row(row) for row in rows)])


def _html_cell(cell: str) -> str:
    return cell if isinstance(cell, Html) else html.escape(cell)


def html_table(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{_html_cell(cell)}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def terminal_table(
    title: str,
    headers: Sequence[str],
    rows: Iterable[Sequence[str]],
    align: str = "",
    show_lines: bool = False,
) -> Table:
    table = Table(title=title, show_lines=show_lines)
    for i, header in enumerate(headers):
        table.add_column(header, justify="right" if _right(align, i) else "left")
    for row in rows:
        table.add_row(*row)
    return table
