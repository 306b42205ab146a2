"""Resilience results → <kind>.json, <kind>.md, <kind>.html (the look of report.html) and a
terminal table: a row per server, a column per fault."""

from __future__ import annotations

import html
from pathlib import Path

from rich.console import Console

from loadtests.render.page import items
from loadtests.render.page import page as html_page
from loadtests.render.table import html_table, markdown_table, terminal_table
from loadtests.results.resilience import FAULT_TITLES, FaultResult, ResilienceResults, ServerResilience

MARKS = {True: "pass", False: "FAIL", None: "n/a"}


def fault_of(server: ServerResilience, fault: str) -> FaultResult | None:
    found = getattr(server, fault)
    return found if isinstance(found, FaultResult) else None


def cell(server: ServerResilience, fault: str) -> str:
    if fault in server.errors:
        return f"not run: {server.errors[fault]}"
    result = fault_of(server, fault)
    if result is None:
        return "–"
    return f"{MARKS[result.passed]}: {result.cell}"


def bounds(results: ResilienceResults) -> dict[str, str]:
    """Each fault's criterion, as the first server that ran it states it."""
    found: dict[str, str] = {}
    for server in results.servers:
        for fault in results.faults:
            result = fault_of(server, fault)
            if result is not None and fault not in found:
                found[fault] = result.bound
    return found


def notes(results: ResilienceResults) -> list[str]:
    lines = []
    for server in results.servers:
        for fault in results.faults:
            result = fault_of(server, fault)
            for note in result.notes if result else []:
                lines.append(f"{server.server}, {FAULT_TITLES[fault]}: {note}")
    return lines


def heading(results: ResilienceResults) -> str:
    m = results.machine
    loads = [
        r.load_average_1m
        for s in results.servers
        for f in results.faults
        if (r := fault_of(s, f)) is not None and r.load_average_1m is not None
    ]
    load = f" Machine load (1-min average as each fault ended): {min(loads)}–{max(loads)}." if loads else ""
    return (
        f"{m.cpu_model}, {m.logical_cpus} CPUs; servers on CPUs {m.topology.server_cpus}, load on "
        f"{m.topology.generator_cpus}; profile {results.profile}; {results.k6 or 'k6 not used'}; "
        f"latency objective p99 ≤ {results.slo_p99_ms:g} ms. Outcomes, not speed comparisons.{load}"
    )


SLICE_HEADERS = ["slice", "requests", "failed", "dropped", "p50 ms", "p99 ms", "RSS MiB", "USS MiB"]


def title(results: ResilienceResults) -> str:
    name = "Soak" if results.kind == "soak" else "Resilience"
    return f"{name} behind {results.proxy}" if results.proxy else name


def matrix(results: ResilienceResults) -> tuple[list[str], list[list[str]]]:
    """A row per server, a column per fault."""
    headers = ["server", *(FAULT_TITLES[f] for f in results.faults)]
    return headers, [[s.server, *(cell(s, f) for f in results.faults)] for s in results.servers]


def slice_rows(server: ServerResilience) -> list[list[str]]:
    rows = []
    for s in server.soak.slices if server.soak else []:
        figures = (s.index + 1, s.requests, s.failed, s.dropped, s.p50_ms, s.p99_ms, s.rss_mib, s.uss_mib)
        rows.append([str(figure) for figure in figures])
    return rows


def soak_slices(results: ResilienceResults) -> list[str]:
    lines = []
    for server in results.servers:
        if server.soak:
            lines += ["", f"## {server.server}: soak slices ({server.soak.rate_source})", ""]
            lines.append(markdown_table(SLICE_HEADERS, slice_rows(server), "r" * len(SLICE_HEADERS)))
    return lines


def summary(results: ResilienceResults) -> str:
    lines = [f"# {title(results)} ({results.started_at:%Y-%m-%d %H:%M}Z)", "", heading(results), ""]
    lines += [markdown_table(*matrix(results)), "", "## Criteria", ""]
    lines += [f"- **{FAULT_TITLES[fault]}**: {bound}" for fault, bound in bounds(results).items()]
    if found := notes(results):
        lines += ["", "## Notes", ""] + [f"- {note}" for note in found]
    lines += soak_slices(results)
    lines += ["", "Every figure of every fault is in the .json file next to this one."]
    return "\n".join(lines) + "\n"


def section(results: ResilienceResults) -> str:
    """The matrix as an HTML section (for resilience.html, or a report that includes it)."""
    esc = html.escape
    criteria = "".join(
        f"<li><b>{esc(FAULT_TITLES[f])}</b>: {esc(b)}</li>" for f, b in bounds(results).items()
    )
    found = notes(results)
    slices = "".join(
        f"<h3>{esc(s.server)}: soak slices</h3><p>{esc(s.soak.rate_source)}</p>"
        + html_table(SLICE_HEADERS, slice_rows(s))
        for s in results.servers
        if s.soak
    )
    name = title(results)
    return (
        f'<section id="{name.lower()}"><h2>{name}</h2><p class="note">{esc(heading(results))}</p>'
        + html_table(*matrix(results))
        + f"<h3>Criteria</h3><ul>{criteria}</ul>"
        + (f"<h3>Notes</h3><ul>{items(found)}</ul>" if found else "")
        + slices
        + "</section>"
    )


def page(results: ResilienceResults) -> str:
    name = title(results)
    body = f"<h1>{name} ({results.started_at:%Y-%m-%d %H:%M}Z)</h1>{section(results)}"
    return html_page(name, body, " td { text-align: left; }")


def show(results: ResilienceResults, console: Console) -> None:
    grid_title = f"{title(results)}: a row per server, a column per fault"
    console.print(terminal_table(grid_title, *matrix(results), show_lines=True))


def write(results: ResilienceResults, out: Path, console: Console) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{results.kind}.json").write_text(results.model_dump_json(indent=1))
    (out / f"{results.kind}.md").write_text(summary(results))
    (out / f"{results.kind}.html").write_text(page(results))
    show(results, console)
    console.print(f"Wrote [bold]{out}[/]: {results.kind}.json, {results.kind}.md, {results.kind}.html")
