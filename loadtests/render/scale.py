"""`make scale`'s results → a Markdown table per database on the terminal, and the `--json` file."""

from __future__ import annotations

from pathlib import Path

from loadtests.render.table import markdown_table
from loadtests.results.scale import ScaleReport, ScaleRow


def table(kind: str, sizes: tuple[int, int], rows: list[ScaleRow], max_ratio: float) -> str:
    small, large = f"{sizes[0]:,}", f"{sizes[1]:,}"
    headers = ["shape", "query", "items", small, large, "ratio", "verdict", "ratio of minimums"]
    body = [
        [
            row.shape,
            f"`{row.path_small.partition('?')[2] or '-'}`",
            f"{row.items_small}/{row.items_large}",
            f"{row.median_ms_small:.2f}",
            f"{row.median_ms_large:.2f}",
            f"{row.ratio:.2f}",
            row.verdict(max_ratio),
            f"{row.min_ms_large / row.min_ms_small:.2f}",
        ]
        for row in rows
    ]
    caption = (
        f"{kind}: median ms per request (Flask in-process), {small} vs {large} products; "
        "items: on the page at each size; the ratio of the fastest requests shows what noise hides"
    )
    return caption + "\n" + markdown_table(headers, body)


def write_json(report: dict[str, list[ScaleRow]], path: Path) -> None:
    path.write_text(ScaleReport(report).model_dump_json(indent=1))
