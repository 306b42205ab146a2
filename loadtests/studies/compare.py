"""`make compare A=results/<t1> B=results/<t2>`: what changed from benchmark run A to run B.

For every cell (and FastAPI ÷ Flask comparison) in both runs: B ÷ A of mean req/s and of mean
p99 with a 95 % interval (Welch's t over launches) and a verdict; cells in one run only are
listed as such.
Writes compare.md and compare.html to B's directory (or --out) and prints the table.

Exit status: 0 compared (and no regression beyond --fail-on-regression); 1 a regression beyond
--fail-on-regression; 2 usage error, or the runs' setups differ (without --allow-mismatch);
3 an input is not a results directory (no readable results.json of schema 2 or 3); 4 an input is
a results.json of schema 1. (Schema 2 runs had no launches recorded: each of their trials counts
as a launch of its own.)
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from pydantic import ValidationError
from rich.console import Console

from loadtests.config.options import Shared
from loadtests.render import compare as view
from loadtests.results.bench import SCHEMA_VERSION, Results
from loadtests.stats.changes import BAND, changes, regressions

OK, REGRESSION, USAGE, NOT_RESULTS, OLD_SCHEMA = 0, 1, 2, 3, 4
READABLE = (2, SCHEMA_VERSION)


class Unreadable(Exception):
    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


def load(path: Path) -> Results:
    """A run's results (a run directory or its results.json), or Unreadable saying why not."""
    file = path / "results.json" if path.is_dir() else path
    if not file.is_file():
        raise Unreadable(f"{path} is not a results directory: there is no {file}", NOT_RESULTS)
    try:
        raw = json.loads(file.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise Unreadable(f"{file} is not a results.json: {error}", NOT_RESULTS) from error
    version = raw.get("schema_version") if isinstance(raw, dict) else None
    if isinstance(version, int) and version < min(READABLE):
        raise Unreadable(
            f"{file} is a schema {version} results.json; compare reads schemas 2 and 3 only. "
            "Schema 1 computed req/s over the whole run, not over a measured window, so its numbers "
            f"cannot be set against a newer run's: run `make bench` again (schema {SCHEMA_VERSION}).",
            OLD_SCHEMA,
        )
    if version not in READABLE:
        raise Unreadable(
            f"{file} is not a results.json of schema 2 or 3 (schema_version: {version!r})",
            NOT_RESULTS,
        )
    try:
        return Results.model_validate(raw)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise Unreadable(
            f"{file} is not a valid schema {version} results.json ({error.error_count()} error(s); "
            f"first at {where}: {first['msg']})",
            NOT_RESULTS,
        ) from error


def percent(text: str) -> float:
    """'5%' or '5' → 0.05."""
    try:
        value = float(text.strip().removesuffix("%"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"a percentage like 5% expected, not {text!r}") from None
    if not 0 < value < 100:
        raise argparse.ArgumentTypeError(f"a percentage between 0 and 100 expected, not {text!r}")
    return value / 100


SHARED: tuple[Shared, ...] = ("out",)  # default: B's folder


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("a", type=Path, help="the earlier run: results/bench-<time> (or its results.json)")
    p.add_argument("b", type=Path, help="the later run")
    p.add_argument(
        "--fail-on-regression",
        type=percent,
        metavar="PERCENT",
        help="exit 1 if a cell's req/s interval lies wholly below 1 − PERCENT, or its p99 interval "
        "wholly above 1 + PERCENT (e.g. 5%%)",
    )
    p.add_argument(
        "--allow-mismatch",
        action="store_true",
        help="compare even when machine, profile, database, seed, packages or server settings differ "
        "(the differences are printed and written into the reports)",
    )


def run(args: argparse.Namespace, console: Console | None = None) -> int:
    console = console or Console()
    try:
        a, b = load(args.a), load(args.b)
    except Unreadable as error:
        console.print(f"compare: {error}", markup=False, highlight=False)
        return error.status
    found = changes(a, b, str(args.a), str(args.b), BAND)
    if found.mismatches and not args.allow_mismatch:
        console.print(
            "compare: refusing to compare runs with a different setup; these fields differ (A → B):",
            markup=False,
            highlight=False,
        )
        for m in found.mismatches:
            console.print(f"  {m.field}: {m.a} → {m.b}", markup=False, highlight=False)
        console.print("Pass --allow-mismatch to compare them anyway.", markup=False, highlight=False)
        return USAGE
    view.show(found, console)
    out = args.out or (args.b if args.b.is_dir() else args.b.parent)
    out.mkdir(parents=True, exist_ok=True)
    written = [out / "compare.md", out / "compare.html"]
    written[0].write_text(view.markdown(found))
    written[1].write_text(view.report(found))
    for path in written:
        console.print(f"Wrote {path}", markup=False, highlight=False)
    if args.fail_on_regression is None:
        return OK
    worse = regressions(found.rows, args.fail_on_regression)
    limit = f"{100 * args.fail_on_regression:g} %"
    for row in worse:
        texts = view.cells(row)
        console.print(
            f"REGRESSION beyond {limit}: {row.name}, {row.metric}: B ÷ A {texts[6]}, 95 % CI {texts[7]}",
            markup=False,
            highlight=False,
        )
    if not worse:
        console.print(f"No regression beyond {limit}.", markup=False, highlight=False)
    return REGRESSION if worse else OK
