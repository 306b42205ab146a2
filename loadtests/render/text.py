"""The words every view uses: verdict sentences, cell texts, flag letters, notes on the run."""

from __future__ import annotations

from loadtests.matrix import Profile
from loadtests.results import Cell, Comparison, FloorShare, Results

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


def launches(profile: Profile) -> str:
    """How the trials of a cell were spread over starts of the servers."""
    if profile.launches == profile.trials:
        return "each on freshly started servers"
    if profile.launches > 1:
        return f"over {profile.launches} starts of the servers"
    return "all on one start of the servers"


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
    interval = f"ratio {c.ratio:.2f}, 95 % CI {low:.2f}–{high:.2f}"
    if c.verdict == "fastapi-faster":
        gain = percent_range(low - 1, high - 1)
        return f"{fastapi} is {100 * (c.ratio - 1):.0f} % faster than {flask} (95 % CI {gain})."
    if c.verdict == "flask-faster":
        loss = percent_range(1 - high, 1 - low)
        return f"{fastapi} is {100 * (1 - c.ratio):.0f} % slower than {flask} (95 % CI {loss})."
    if c.verdict == "no-difference":
        band = 100 * results.thresholds.no_difference
        return f"No difference detectable between {fastapi} and {flask} ({interval}: within ±{band:.0f} %)."
    if c.flags:
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
    topology = results.machine.topology
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
