"""`make bench-distributed`'s results → distributed.md, distributed.json and the terminal."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console

from loadtests.render.table import markdown_table
from loadtests.results.distributed import WORKERS, DistributedRuns

HEADERS = ["run", "mode", "requests", "failures", "req/s", "p50 ms", "p99 ms"]


def summary(runs: DistributedRuns, args: argparse.Namespace) -> str:
    rows = [
        [str(i), r.mode, str(r.requests), str(r.failures), f"{r.rps:.0f}", f"{r.p50_ms:g}", f"{r.p99_ms:g}"]
        for i, r in enumerate(runs.root, start=1)
    ]
    verdict = "agree within ±10 %" if runs.agree() else "DISAGREE"
    lines = [
        f"# Distributed Locust ({WORKERS} workers on test hosts) vs one process: "
        f"{args.server}, {args.scenario}",
        "",
        f"{args.users} users, {args.seconds} s per run, {args.rounds} rounds alternating.",
        "",
        markdown_table(HEADERS, rows, "rlrrrrr"),
        "",
        f"Distributed ÷ single (mean req/s): {runs.ratio():.2f} — {verdict}",
    ]
    return "\n".join(lines) + "\n"


def write(runs: DistributedRuns, args: argparse.Namespace, out: Path, console: Console) -> None:
    text = summary(runs, args)
    (out / "distributed.md").write_text(text)
    (out / "distributed.json").write_text(runs.model_dump_json(indent=1))
    console.print(text)
    console.print(f"Wrote [bold]{out}[/]: distributed.md, distributed.json, logs/")
