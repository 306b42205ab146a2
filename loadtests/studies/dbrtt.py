"""`make bench ARGS="--db-rtt-ms 0,1,5"`: the same benchmark once per database round-trip time.

Each RTT gets a private PostgreSQL cluster in a network namespace the run creates, reached over
a veth pair through a delaying relay (loadtests/env/dbnet.py; netem where the kernel has it), and a
full run of the plan against it (its own report under `rtt-<ms>ms/`). `dbrtt.md` and
`dbrtt.html` then show each server's req/s and p99 against the RTT, with every server's pool
size and threadpool limit, and the relay's own CPU time (it shares the machine with the run).
"""

from __future__ import annotations

from rich.console import Console

from loadtests.config.plan import RunPlan
from loadtests.env.dbnet import NetworkUnavailable, remote_postgres
from loadtests.render import dbrtt as view
from loadtests.results.dbrtt import RttRun
from loadtests.studies.report import write_reports
from loadtests.studies.runner import Runner


def run(plan: RunPlan, console: Console) -> list[RttRun]:
    runs = []
    for rtt in plan.db_rtt_ms:
        out = plan.out / f"rtt-{rtt:g}ms"
        console.rule(f"Database round trip {rtt:g} ms")
        try:
            with remote_postgres(rtt, plan.out / "clusters") as remote:
                at_rtt = plan.model_copy(
                    update={"database": "postgresql", "admin_url": remote.admin_url, "out": out}
                )
                results = Runner(at_rtt, console).run()
                relay_cpu = remote.relay_cpu_seconds()
        except NetworkUnavailable as reason:
            message = f"--db-rtt-ms needs a network namespace, and this machine cannot make one: {reason}"
            raise SystemExit(message) from None
        write_reports(results, out, console)
        runs.append(RttRun(rtt_ms=rtt, method=remote.method, relay_cpu_seconds=relay_cpu, results=results))
    view.write(runs, plan.out, console)
    return runs
