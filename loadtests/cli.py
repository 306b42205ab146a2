"""`python -m loadtests <study> [options]`: every study of the harness behind one command.

A study module (loadtests/studies/) declares its own options (`add_arguments`), which of the
shared ones it takes (`SHARED`, declared once in loadtests/config/options.py) and what it runs
(`run`).
"""

from __future__ import annotations

import argparse
import importlib
import signal
import sys
from types import ModuleType
from typing import Protocol

from loadtests.config.options import Shared, add_shared
from loadtests.session.session import Refused

REFUSED = 2  # a server failed the verification gate
TERMINATED = 128 + signal.SIGTERM

# Study name → module under loadtests.studies, in the order `--help` lists them.
STUDIES = {
    "bench": "bench",
    "compare": "compare",
    "report": "report",
    "capacity": "capacity",
    "crosscheck": "crosscheck",
    "instrumentation": "instrumentation",
    "distributed": "distributed",
    "resilience": "resilience",
    "scale": "scale",
    "footprint": "footprint",
    "deploy": "deploy",
    "ui": "ui",
}


class Study(Protocol):
    SHARED: tuple[Shared, ...]

    def add_arguments(self, parser: argparse.ArgumentParser) -> None: ...

    def run(self, args: argparse.Namespace) -> int: ...


def study_module(name: str) -> ModuleType:
    return importlib.import_module(f"loadtests.studies.{STUDIES[name]}")


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="python -m loadtests", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    studies = top.add_subparsers(dest="study", required=True, metavar="STUDY")
    for name in STUDIES:
        module: Study = study_module(name)
        summary = (module.__doc__ or "").strip().split("\n\n")[0]
        sub = studies.add_parser(
            name,
            help=summary.split("\n")[0],
            description=module.__doc__,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        module.add_arguments(sub)
        add_shared(sub, module.SHARED)
    return top


def stop_on_sigterm(signum: int, frame: object) -> None:
    """`kill <pid>` unwinds the run like Ctrl-C does: every server, generator and namespace it
    started is stopped by the `with` blocks that started it, none left behind."""
    raise SystemExit(TERMINATED)


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    signal.signal(signal.SIGTERM, stop_on_sigterm)
    module: Study = study_module(args.study)
    try:
        return module.run(args)
    except Refused as refused:
        print(refused.code, file=sys.stderr)
        return REFUSED
