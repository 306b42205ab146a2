"""Rewrite a benchmark run's summary.md and report.html from its results.json, analysed anew.

`write_reports` writes results.json, summary.md and report.html and shows the verdicts in the
terminal; `python -m loadtests report DIR` rebuilds them from DIR/results.json (schemas 2 and 3,
or schema 1 converted).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from rich.console import Console

from loadtests.config.options import Shared
from loadtests.render import console as console_view
from loadtests.render import html, markdown
from loadtests.render import resilience as resilience_view
from loadtests.results.bench import Results
from loadtests.results.resilience import ResilienceResults
from loadtests.results.schema_v1 import convert
from loadtests.stats.analysis import analyse


def load(path: Path) -> Results:
    """A results.json of schema 2, or of schema 1 converted (analyse it again before use)."""
    raw = json.loads(path.read_text())
    if raw.get("schema_version") == 1:
        return convert(raw)
    return Results.model_validate(raw)


def write_reports(results: Results, out: Path, console: Console) -> None:
    out.mkdir(parents=True, exist_ok=True)
    results.write(out / "results.json")
    (out / "summary.md").write_text(markdown.summary(results))
    (out / "report.html").write_text(html.report(results, resilience_sections(out)))
    console_view.show(results, console)
    console.print(f"\nWrote [bold]{out}[/]: results.json, summary.md, report.html, logs/")


def resilience_sections(out: Path) -> list[str]:
    """The Resilience and Soak sections, when `make resilience` / `make soak` wrote their results
    into this run's folder (`ARGS="--out results/<run>"`)."""
    return [
        resilience_view.section(ResilienceResults.model_validate_json(path.read_text()))
        for path in (out / "resilience.json", out / "soak.json")
        if path.exists()
    ]


SHARED: tuple[Shared, ...] = ()


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run", type=Path, help="a run directory, e.g. results/bench-20261130T200000Z")


def run(args: argparse.Namespace) -> int:
    """Analyse a run's stored trials again (current thresholds) and rewrite its reports."""
    out = args.run
    results = load(out / "results.json")
    # Analysis is pure: running it again applies the current thresholds to the stored trials.
    write_reports(analyse(results), out, Console())
    return 0
