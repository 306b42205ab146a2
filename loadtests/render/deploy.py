"""`make deploy-drill`'s results → deploy.json, deploy.md and the terminal."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from loadtests.render.table import markdown_table, terminal_table
from loadtests.results.deploy import DeployResults, Drill

HEADERS = [
    "server", "requests", "failed", "by kind", "p99 steady ms", "p99 drill ms", "migration s", "rollout s",
    "bad release", "refused in s", "canary: 5xx / answers", "rolled back in s",
]  # fmt: skip


def rows(results: DeployResults) -> list[list[str]]:
    return [row(d) for d in results.drills]


def row(d: Drill) -> list[str]:
    return [
        d.server,
        str(d.during.requests),
        str(d.failed),
        ", ".join(f"{n} {kind}" for kind, n in d.errors.items()) or "–",
        f"{d.steady.p99_ms:.1f}",
        f"{d.during.p99_ms:.1f}",
        f"{d.migration_seconds:.2f}",
        f"{d.rollout_seconds:.1f}" + ("" if d.rolled_out else " (not rolled out)"),
        "refused" if d.bad_release_refused else "NOT refused",
        f"{d.rollback_seconds:.1f}",
        f"{d.canary_failed} / {d.canary_answers}",
        f"{d.canary_seconds:.1f}" + ("" if d.canary_rolled_back else " (NOT rolled back)"),
    ]


def summary(results: DeployResults) -> str:
    lines = [
        f"# Rolling deploy under load ({results.started_at:%Y-%m-%d %H:%MZ})",
        "",
        f"{results.machine.cpu_model}; {results.proxy} in front; k6 offering {results.rate:g} req/s of "
        "product reads, open loop. Per server: the newest migration applied to the fleet's database "
        f"({results.drills[0].migration if results.drills else '–'}) while release N serves, release N+1 "
        "rolled out over the instances one at a time, then a bad release (its `/ready` fails) "
        "refused; 'failed' counts these phases. "
        "Then a canary that is ready but answers 503s (never migrated) joins the fleet and is "
        "rolled back on its error rate (over 1 % of 5xx in 10 or more answers, from nginx's "
        "upstream log): its 5xx are what the bad release cost.",
        "",
        markdown_table(HEADERS, rows(results), "lrrlrrrrlrrr"),
    ]
    return "\n".join(lines) + "\n"


def write(results: DeployResults, out: Path, console: Console) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "deploy.json").write_text(results.model_dump_json(indent=1))
    (out / "deploy.md").write_text(summary(results))
    console.print(terminal_table("Rolling deploy under load", HEADERS, rows(results)))
    console.print(f"\nWrote [bold]{out}[/]: deploy.json, deploy.md")
