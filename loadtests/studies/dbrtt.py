"""`make bench ARGS="--db-rtt-ms 0,1,5"`: the same benchmark once per database round-trip time.

Each RTT gets a private PostgreSQL cluster in a network namespace the run creates, reached over
a veth pair through a delaying relay (loadtests/env/dbnet.py; netem where the kernel has it), and a
full run of the plan against it (its own report under `rtt-<ms>ms/`). `dbrtt.md` and
`dbrtt.html` then show each server's req/s and p99 against the RTT, with every server's pool
size and threadpool limit, and the relay's own CPU time (it shares the machine with the run).
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
from pydantic import BaseModel
from rich.console import Console

from loadtests.config.plan import RunPlan
from loadtests.env.dbnet import NetworkUnavailable, remote_postgres
from loadtests.render.charts import png
from loadtests.results.bench import Results
from loadtests.studies.report import write_reports
from loadtests.studies.runner import Runner


class RttRun(BaseModel):
    rtt_ms: float
    method: str
    relay_cpu_seconds: float
    results: Results


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
    write(runs, plan.out, console)
    return runs


def rows(runs: list[RttRun]) -> dict[tuple[str, str], dict[float, tuple[float, float]]]:
    """(server, scenario) → RTT → (median req/s, median p99 ms) of the implementation cells."""
    table: dict[tuple[str, str], dict[float, tuple[float, float]]] = {}
    for rtt_run in runs:
        for cell in rtt_run.results.cells:
            if cell.target == "implementation":
                p99 = sorted(t.latency.p99_ms for t in cell.trials)[len(cell.trials) // 2]
                table.setdefault((cell.server, cell.scenario), {})[rtt_run.rtt_ms] = (cell.rps_median, p99)
    return table


def summary(runs: list[RttRun]) -> str:
    rtts = [r.rtt_ms for r in runs]
    lines = [
        "# Throughput against the database round-trip time",
        "",
        f"PostgreSQL in a network namespace, delayed by {runs[0].method}; one full run per RTT "
        f"(reports in rtt-<ms>ms/). Median req/s (p99 ms) of the trials.",
        "",
        "| server | scenario | " + " | ".join(f"RTT {r:g} ms" for r in rtts) + " |",
        "|---|---|" + "---:|" * len(rtts),
    ]
    for (server, scenario), by_rtt in rows(runs).items():
        values = [f"{by_rtt[r][0]:.0f} ({by_rtt[r][1]:.0f} ms)" if r in by_rtt else "–" for r in rtts]
        lines.append(f"| {server} | {scenario} | " + " | ".join(values) + " |")
    lines += ["", "| server | database pool | threadpool limit |", "|---|---:|---:|"]
    for name, record in runs[0].results.servers.items():
        lines.append(f"| {name} | {record.db_pool_size} | {record.threadpool_limit} |")
    lines += ["", "The relay's own CPU time over each run (it shares the machine with the servers):", ""]
    lines += [f"- RTT {r.rtt_ms:g} ms: {r.relay_cpu_seconds:.1f} s" for r in runs]
    return "\n".join(lines) + "\n"


def chart(runs: list[RttRun]) -> str:
    table = rows(runs)
    scenarios = sorted({scenario for _, scenario in table})
    figure, axes = plt.subplots(1, len(scenarios), figsize=(5.5 * len(scenarios), 4.5), squeeze=False)
    for axis, scenario in zip(axes[0], scenarios, strict=True):
        for (server, played), by_rtt in table.items():
            if played == scenario:
                rtts = sorted(by_rtt)
                axis.plot(rtts, [by_rtt[r][0] for r in rtts], marker="o", label=server)
        axis.set_title(scenario)
        axis.set_xlabel("database round trip (ms)")
        axis.set_ylabel("req/s (median of trials)")
        axis.grid(alpha=0.3)
    axes[0][0].legend(fontsize=8)
    return png(figure)


def write(runs: list[RttRun], out: Path, console: Console) -> None:
    text = summary(runs)
    (out / "dbrtt.md").write_text(text)
    body = "<pre>" + text.replace("&", "&amp;").replace("<", "&lt;") + "</pre>"
    (out / "dbrtt.html").write_text(
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Database RTT</title></head>'
        f"<body style='font-family: sans-serif'>{chart(runs)}{body}</body></html>"
    )
    console.print(text)
    console.print(f"Wrote [bold]{out}[/]: dbrtt.md, dbrtt.html, rtt-<ms>ms/")
