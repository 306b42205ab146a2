"""The words every view uses: verdict sentences, cell texts, flag letters, notes on the run."""

from __future__ import annotations

from loadtests.results.bench import Cell, Comparison, FloorShare, Results

FRONT_END_NAMES = {"fastapi": "FastAPI", "fastapi-async": "async FastAPI", "flask": "Flask"}
FLAG_LETTERS = {
    "generator-bound": "G",
    "near-generator-ceiling": "C",
    "not-saturated": "U",
    "errors": "E",
    "cpu-steal": "S",
    "few-responses": "F",
}
FLAG_LEGEND = (
    "G generator-bound (Locust's CPU ≥ {generator_bound_cpu:.0f} %), C near the generator's ceiling "
    "(≥ {near_ceiling_percent:.0f} % of it), U server not saturated (mean CPU < {saturated_cpu:.0f} %), "
    "E failed requests, S CPU steal ≥ {steal_percent:.0f} %, F fewer than {min_responses} responses in a "
    "window (each count is ±1: too coarse; use a longer --window)"
)
VERDICT_WORDS = {
    "fastapi-faster": "FastAPI faster",
    "flask-faster": "Flask faster",
    "no-difference": "no difference",
    "inconclusive": "inconclusive",
}


def method(results: Results) -> str:
    """How the run spent its launches and what its intervals are, in one paragraph."""
    design = results.design
    if design is None:
        trials = max((len(c.trials) for c in results.cells), default=0)
        return f"{trials} trials per cell, one look at 95 % (a run from before the sequential design)."
    windows = ", ".join(
        f"{s} {w:g} s" + (f" in turns of {design.slots[s][0]:g} s" if s in design.slots else "")
        for s, w in design.windows.items()
    )
    ended = {
        "all-decided": "every like-for-like comparison was decided",
        "budget-spent": f"the budget of {design.budget_seconds:g} s was spent",
        "launch-limit": f"the limit of {results.profile.max_launches} launches was reached",
    }[design.ended]
    if design.first_look_launches:
        spent = (
            f"every cell in the first {design.first_look_launches}, then only the cells of the "
            f"like-for-like comparisons still open, until {ended}"
        )
        looks = (
            f"{100 * (1 - design.first_look_alpha):g} % at the first look and "
            f"{100 * (1 - design.final_look_alpha):g} % at the final one"
        )
    else:
        spent = f"every cell in each, until {ended} (no launch could follow a first look: one look)"
        looks = f"{100 * (1 - design.final_look_alpha):g} % at the one look"
    return (
        f"{design.launches} launches, each a fresh start of the servers it measured, in a random order; "
        f"{spent}. The servers of a comparison take turns under the same "
        f"users in one trial; each server's counted time: {windows} (enough for "
        f"{results.profile.min_responses} responses of the scenario's slowest server). Intervals: "
        f"Student's t over launches of the mean log ratio, {looks}: a false verdict in at most "
        f"{100 * (design.first_look_alpha + design.final_look_alpha):g} % of comparisons."
    )


def reached(c: Comparison) -> str:
    """How a verdict was reached: launches, look, confidence, why the measuring stopped."""
    look = "first look" if c.look == 1 else "final look"
    basis = f"{c.launches} launches, {100 * c.confidence:g} % CI, {look}"
    why = {
        "decided": "decided",
        "flagged": "a cell is flagged",
        "budget-spent": "open when the budget was spent",
        "launch-limit": "open at the launch limit",
        "not-targeted": "cross-server: not measured further",
        "fixed": "fixed trials",
    }[c.stopped]
    return f"{why} ({basis})"


def false_verdicts(results: Results) -> list[Comparison]:
    """An A/A run's comparisons that said faster or slower: each is a false verdict."""
    if results.design is None or not results.design.aa:
        return []
    return [c for c in results.comparisons if c.verdict in ("fastapi-faster", "flask-faster")]


def legend(results: Results) -> str:
    t = results.thresholds
    return FLAG_LEGEND.format(
        generator_bound_cpu=t.generator_bound_cpu,
        near_ceiling_percent=100 * t.near_ceiling_share,
        saturated_cpu=t.saturated_cpu,
        steal_percent=t.steal_percent,
        min_responses=t.min_responses,
    )


def side(results: Results, server: str) -> str:
    config = results.servers[server].config
    return f"{FRONT_END_NAMES[config.front_end]} on {config.label}"


def verdict_word(results: Results, c: Comparison) -> str:
    """The verdict in the table's words; an A/A run names the twin and its original."""
    if results.design is not None and results.design.aa:
        return {"fastapi-faster": "twin faster", "flask-faster": "original faster"}.get(
            c.verdict, VERDICT_WORDS[c.verdict]
        )
    return VERDICT_WORDS[c.verdict]


def pairs(results: Results) -> list[list[Comparison]]:
    """The comparisons grouped by server pair, in their order (like-for-like first)."""
    grouped: dict[tuple[str, str], list[Comparison]] = {}
    for c in results.comparisons:
        grouped.setdefault((c.fastapi_server, c.flask_server), []).append(c)
    return list(grouped.values())


def pair_title(results: Results, first: Comparison) -> str:
    fastapi, flask = side(results, first.fastapi_server), side(results, first.flask_server)
    return f"{fastapi} vs {flask} ({first.pairing})"


def percent_range(low: float, high: float) -> str:
    return f"{100 * low:.0f}–{100 * high:.0f} %"


def sentence(results: Results, c: Comparison) -> str:
    """One comparison in one sentence, its uncertainty included."""
    fastapi, flask = side(results, c.fastapi_server), side(results, c.flask_server)
    low, high = c.ci95
    ci = f"{100 * c.confidence:g} % CI"
    interval = f"ratio {c.ratio:.2f}, {ci} {low:.2f}–{high:.2f}"
    if c.verdict == "fastapi-faster":
        gain = percent_range(low - 1, high - 1)
        return f"{fastapi} is {100 * (c.ratio - 1):.0f} % faster than {flask} ({ci} {gain})."
    if c.verdict == "flask-faster":
        loss = percent_range(1 - high, 1 - low)
        return f"{fastapi} is {100 * (1 - c.ratio):.0f} % slower than {flask} ({ci} {loss})."
    if c.verdict == "no-difference":
        band = 100 * results.thresholds.no_difference
        return f"No difference detectable between {fastapi} and {flask} ({interval}: within ±{band:.0f} %)."
    if c.stopped == "flagged":
        return f"Inconclusive: {', '.join(c.flags)} ({fastapi} ÷ {flask}: {interval})."
    return f"Inconclusive: the interval is too wide to tell ({fastapi} ÷ {flask}: {interval})."


def cell_text(cell: Cell) -> str:
    flags = "".join(FLAG_LETTERS[f] for f in cell.flags)
    text = f"{cell.rps_median:.0f} ({cell.rps_min:.0f}–{cell.rps_max:.0f})"
    return f"{text} {flags}" if flags else text


def floor_text(share: FloorShare) -> str:
    low, high = share.ci95
    verdict = f"inconclusive: {', '.join(share.flags)}" if share.flags else share.verdict
    interval = percent_range(low, high)
    return f"{100 * share.share:.0f} % (CI {interval}; target {100 * share.target:.0f} %: {verdict})"


def notes(results: Results) -> list[str]:
    """What a reader must know about the run before trusting any number in it."""
    found = []
    if results.design is not None and results.design.aa:
        wrong = false_verdicts(results)
        found.append(
            f"A/A run: every server against a twin of itself, so every true ratio is 1. False verdicts "
            f"(faster or slower): {len(wrong)} of {len(results.comparisons)}"
            + (
                ": " + "; ".join(f"{c.scenario} {c.flask_server} {c.ratio:.3f}" for c in wrong)
                if wrong
                else ""
            )
            + "; no difference: "
            + f"{sum(c.verdict == 'no-difference' for c in results.comparisons)}."
        )
    topology = results.machine.topology
    most = max((record.config.instances for record in results.servers.values()), default=1)
    if most > 1:
        cpus = len(topology.server_cpus)
        found.append(
            f"Scale-out ceiling: every instance and nginx share the server CPU(s) {topology.server_cpus}, "
            f"so {most} instances do at most {cpus} CPU's work, and a per-instance efficiency above "
            f"{min(1.0, cpus / most):.2f} is out of reach here (--server-cpus gives them more)."
        )
    if topology.overlapping:
        found.append(
            f"Weak isolation: CPUs {topology.overlapping} run both the servers and the load generator."
        )
    if topology.shared_cores:
        found.append(
            f"Weak isolation: server and generator CPUs {topology.shared_cores} are hyperthread siblings "
            "(one physical core): they slow each other down."
        )
    steal = max((t.steal_percent for c in results.cells for t in c.trials), default=0.0)
    if steal >= results.thresholds.steal_percent:
        found.append(f"The hypervisor stole up to {steal:.0f} % of the pinned CPUs' time in a trial.")
    generator = results.generator
    if generator.ceiling_rps is None:
        found.append("The load generator's ceiling was not measured (no floor apps in this run).")
    else:
        bound = (generator.ceiling_generator_cpu_percent or 0) >= results.thresholds.generator_bound_cpu
        found.append(
            f"Load generator ceiling: {generator.ceiling_rps:.0f} req/s against {generator.ceiling_server}'s "
            f"floor /hello ({generator.processes} Locust process(es), CPU "
            f"{generator.ceiling_generator_cpu_percent:.0f} %"
            + ("" if bound else ": the server, not Locust, was the limit, so the real ceiling is higher")
            + f"); cells above {100 * results.thresholds.near_ceiling_share:.0f} % of it are flagged C."
        )
    refused = {name: r.refused for name, r in results.servers.items() if r.refused}
    for name, failures in refused.items():
        found.append(f"REFUSED {name} (failed verification, no numbers): " + "; ".join(failures or []))
    if results.converted_from_schema:
        found.append(
            f"Converted from a schema {results.converted_from_schema} results.json: its req/s came from the "
            "old whole-run formula, not from a measured window."
        )
    return found
