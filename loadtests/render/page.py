"""The one HTML page skeleton of the harness: every .html it writes is `page(...)`, self-contained
(charts are data URIs, the style is inline: a page opens anywhere, offline)."""

from __future__ import annotations

import html

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1200px; color: #222; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 4px 8px; text-align: right; }
th:first-child, td:first-child { text-align: left; }
code { font-size: 0.85em; } img { max-width: 100%; }
.note { background: #f4f6f8; padding: 0.6em 1em; border-left: 4px solid #789; }
.verdicts li { margin: 0.3em 0; } .inconclusive { color: #777; }
.fastapi-faster, .flask-faster { font-weight: 600; }
"""


def page(title: str, body: str | list[str], extra_style: str = "") -> str:
    """A whole page: `body` is its HTML (a list is joined line by line), `extra_style` CSS added
    after the shared style."""
    content = body if isinstance(body, str) else "\n".join(body)
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
        f"<style>{STYLE}{extra_style}</style></head><body>\n{content}\n</body></html>\n"
    )


def items(texts: list[str]) -> str:
    """Texts as the items of a list (`<ul>` is the caller's: it may carry a class)."""
    return "".join(f"<li>{html.escape(text)}</li>" for text in texts)
