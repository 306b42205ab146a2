"""`make bench`: verify, then benchmark both front ends side by side (`--help` for the options)."""

from __future__ import annotations

import sys

from rich.console import Console

from loadtests.config.plan import plan_from_args
from loadtests.studies import dbrtt
from loadtests.studies.report import write_reports
from loadtests.studies.runner import Runner


def main(argv: list[str] | None = None) -> int:
    plan = plan_from_args(argv)
    console = Console()
    if plan.db_rtt_ms:
        runs = dbrtt.run(plan, console)
        return 2 if any(rec.refused for r in runs for rec in r.results.servers.values()) else 0
    results = Runner(plan, console).run()
    write_reports(results, plan.out, console)
    return 2 if any(record.refused for record in results.servers.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
