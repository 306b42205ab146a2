"""Run a `RunPlan`: verify every server, then measure it launch by launch.

A launch starts the servers it needs (and their floor apps) afresh, each on its own copy of the
seeded database, in a random order, on every CPU (start-up is the harness's time, not a
measurement), then pins them to the server CPUs and warms them up; only the one under load is
busy. Per scenario each is measured once: the servers of a comparison in one trial, taking turns
(load/throughput.Rotation), the trials and the turns in a random order. The first `launches`
launches measure every cell; the first look (loadtests/stats/analysis.py) then leaves open the
like-for-like comparisons it could not decide, and further launches measure only their cells,
while the budget allows a launch of the length the earlier ones took.
"""

from __future__ import annotations

import math
import random
import statistics
import subprocess
import time
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from importlib import metadata
from typing import Literal

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from devtools.servers import REPO_ROOT
from loadtests.config.matrix import Profile, ServerConfig, Target
from loadtests.config.plan import RunPlan
from loadtests.config.scenarios import FLOOR_SCENARIOS
from loadtests.env.sampling import machine
from loadtests.load.generator import Generator
from loadtests.load.trial import Turns, run_rotation, run_trial
from loadtests.results.bench import Cell, Design, GeneratorInfo, Results, ServerRecord, Trial
from loadtests.session.session import Key, Running, Session
from loadtests.stats.analysis import analyse, compared, open_cells, targeted, variants
from loadtests.stats.intervals import ALPHA, FINAL_LOOK_ALPHA, FIRST_LOOK_ALPHA

PACKAGES = [
    "flask", "werkzeug", "gunicorn", "fastapi", "starlette", "anyio", "uvicorn", "uvicorn-worker", "uvloop",
    "httptools", "granian", "pydantic", "sqlalchemy", "psycopg", "pyjwt", "argon2-cffi", "locust",
]  # fmt: skip
CEILING_SCENARIO = "floor_hello"
WARM_UP: dict[Target, str] = {"implementation": "mixed", "floor": "floor_product_by_id"}
PROGRESS_COLUMNS = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
ORDER_SEED = 20261207  # the launches' random orders are the same from run to run
CellKey = tuple[str, Target, str]  # (server name, target, scenario played)
# A scenario's first guard, long enough for a login's half-second responses (a slot shorter than
# the responses would count nothing true); its first trial then sizes the turns (turns_for).
FIRST_GUARD_SECONDS = 0.25


def turns_for(trials: list[Trial], profile: Profile) -> Turns:
    """Turns that fit what `trials` measured: each side counts `min_responses` at the slowest
    side's rate; the guard is 1.5 times the slowest side's p90 response time (the requests in
    flight at a switch end within about one, and a saturated server runs at its rate before the
    last user has joined), at least 50 ms."""
    guard = max(0.05, math.ceil(1.5 * max(t.latency.p90_ms for t in trials) / 50) * 0.05)
    return Turns(side_seconds=profile.window(min(t.rps for t in trials)), guard_seconds=round(guard, 2))


@dataclass
class RunState:
    """What a run has measured so far, and what its launches took."""

    started_at: datetime
    generator: GeneratorInfo
    refusals: dict[Key, list[str]] = field(default_factory=dict)
    trials: dict[CellKey, list[Trial]] = field(default_factory=dict)
    startups: dict[Key, list[float]] = field(default_factory=dict)
    commands: dict[Key, list[str]] = field(default_factory=dict)
    orders: list[list[str]] = field(default_factory=list)
    turns: dict[str, Turns] = field(default_factory=dict)  # per scenario
    start_seconds: list[float] = field(default_factory=list)  # per launch: starting, warming up
    trial_seconds: dict[str, list[float]] = field(default_factory=dict)  # per scenario: a trial
    ended: Literal["all-decided", "budget-spent", "launch-limit"] = "all-decided"
    first_look: bool = False  # taken after the profile's `launches` (Runner.run)

    def expected_seconds(self, cells: list[CellKey]) -> float:
        """How long a launch of `cells` will take: the longest start and warm-up of the servers so
        far, and each cell's trial as long as that scenario's median one."""
        return max(self.start_seconds) + sum(statistics.median(self.trial_seconds[p]) for *_, p in cells)


def package_versions() -> dict[str, str]:
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def revision() -> str | None:
    """The commit of the code being measured, `-dirty` when it has uncommitted changes."""
    try:
        described = subprocess.run(
            ["git", "describe", "--always", "--dirty"],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return None
    return described.stdout.strip() or None


class Runner:
    """The benchmark's loop: launches, the first look, and the results; the servers come from a
    `Session` it opens for the run."""

    session: Session

    def __init__(self, plan: RunPlan, console: Console | None = None) -> None:
        self.plan = plan
        self.console = console or Console()

    def run(self) -> Results:
        plan, profile = self.plan, self.plan.profile
        deadline = time.monotonic() + profile.budget_seconds
        state = RunState(
            started_at=datetime.now(UTC),
            generator=GeneratorInfo(
                processes=plan.generator_processes, users=profile.users, ceiling_rps=None
            ),
        )
        with Session.open(plan, self.console, memory=True) as session:
            self.session, stack = session, session.stack
            keys = [(config, target) for config in plan.servers for target in session.targets()]
            state.refusals = session.verify_all(keys)
            accepted = [
                c.name
                for c in plan.servers
                if not any(state.refusals[(c.name, t)] for t in session.targets())
            ]
            cells = self.cells(accepted)
            generator = stack.enter_context(
                Generator(
                    plan.generator_cpus,
                    plan.generator_processes,
                    session.fixture_path,
                    plan.out / "logs" / "locust.log",
                )
            )
            progress = stack.enter_context(Progress(*PROGRESS_COLUMNS, console=self.console))
            bar = progress.add_task("benchmark", total=profile.launches)
            rng = random.Random(ORDER_SEED)
            while cells:
                launch = len(state.orders)
                if launch >= profile.max_launches:
                    state.ended = "launch-limit"
                    break
                # Two launches at least, for an interval; beyond them, none that would overrun.
                if launch >= 2 and time.monotonic() + state.expected_seconds(cells) > deadline:
                    state.ended = "budget-spent"
                    break
                if launch >= profile.launches:
                    progress.update(bar, total=launch + 1)
                self.launch(launch, cells, rng, generator, state, progress, bar)
                progress.advance(bar)
                # The first look spends part of the error rate; it is taken only when a launch of
                # every cell could still follow it, else the run ends in one look at all of it.
                follows = time.monotonic() + state.expected_seconds(cells) <= deadline
                if launch + 1 == profile.launches and follows:
                    state.first_look = True
                    first = self.results(state)
                    still_open = open_cells(first)
                    cells = [c for c in cells if c[1] == "implementation" and (c[0], c[2]) in still_open]
                    decided = sum(c.look == 1 for c in first.comparisons)
                    progress.console.print(
                        f"First look after {launch + 1} launches: {decided} of {len(first.comparisons)} "
                        f"comparisons decided; {len(cells)} cells go on while the budget allows"
                    )
        return self.results(state)

    def cells(self, servers: list[str]) -> list[CellKey]:
        """(server, target, scenario played) of every cell: a floor plays its own scenario."""
        return [
            (name, target, scenario if target == "implementation" else FLOOR_SCENARIOS[scenario])
            for scenario in self.plan.profile.scenarios
            for name in servers
            for target in self.session.targets()
            if target == "implementation" or scenario in FLOOR_SCENARIOS
        ]

    def launch(
        self,
        launch: int,
        cells: list[CellKey],
        rng: random.Random,
        generator: Generator,
        state: RunState,
        progress: Progress,
        bar: TaskID,
    ) -> None:
        """Start the servers of `cells` in a random order, warm each up, measure each cell once per
        scenario (the sides of a comparison taking turns in one trial, in a random order), and
        stop them.
        Random, so that no effect of a start's or a trial's position favours one side."""
        keys = list(dict.fromkeys((name, target) for name, target, _ in cells))
        rng.shuffle(keys)
        with ExitStack() as launched:
            progress.update(bar, description=f"launch {launch + 1}: starting {len(keys)} servers")
            begun = time.monotonic()
            servers = self.session.start(launched, keys)
            for key, running in servers.items():
                state.startups.setdefault(key, []).append(running.startup_seconds)
                state.commands.setdefault(key, running.command)
            if launch == 0:
                state.generator = self.ceiling(generator, servers, state.generator)
            for key in keys:
                progress.update(bar, description=f"launch {launch + 1}: warming {key[0]} up")
                self.warm_up(generator, servers[key])
            state.start_seconds.append(time.monotonic() - begun)
            for scenario in dict.fromkeys(played for _, _, played in cells):
                here = [(n, t) for n, t, played in cells if played == scenario]
                for group in self.measuring_order(here, rng):
                    names = " / ".join(name for name, _ in group)
                    progress.update(bar, description=f"launch {launch + 1}: {scenario} on {names}")
                    begun = time.monotonic()
                    measured = [state.trials.setdefault((*key, scenario), []) for key in group]
                    trials = self.trial(generator, [servers[k] for k in group], scenario, launch, state)
                    for cell, trial in zip(measured, trials, strict=True):
                        cell.append(trial.model_copy(update={"launch": launch}))
                    per_cell = (time.monotonic() - begun) / len(group)
                    state.trial_seconds.setdefault(scenario, []).append(per_cell)
        state.orders.append([f"{name}/{target}" for name, target in keys])

    def measuring_order(self, keys: list[Key], rng: random.Random) -> list[list[Key]]:
        """`keys` in groups measured together, taking turns in one trial (throughput.Rotation):
        the sides of every like-for-like comparison, and each variant behind nginx with the
        server it is a share of, so that the machine's slow spells fall on all of them. The
        groups, and the sides' turns within each, in a random order."""
        configs = {c.name: c for c in self.plan.servers}
        group_of = {key: [key] for key in keys}
        pairs = [(a, b) for a, b in compared(configs) if targeted(configs[a], configs[b])]
        for one, other in [*pairs, *variants(configs)]:
            for target in self.session.targets():
                a, b = group_of.get((one, target)), group_of.get((other, target))
                if a is not None and b is not None and a is not b:
                    a.extend(b)
                    group_of.update(dict.fromkeys(b, a))
        groups = list({id(group): group for group in group_of.values()}.values())
        for group in groups:
            rng.shuffle(group)
        rng.shuffle(groups)
        return groups

    def warm_up(self, generator: Generator, running: Running) -> None:
        """A fresh server's first seconds are slower (FastAPI's by up to a third): load it before
        it is measured, with every route the scenarios take but login (implementation) or its
        own route (floor)."""
        profile = self.plan.profile
        if profile.warmup_seconds:
            scenario = WARM_UP[running.target]
            run_trial(
                generator,
                running.endpoint,
                scenario,
                profile,
                -1,
                self.plan.server_cpus,
                profile.warmup_seconds,
            )

    def trial(
        self, generator: Generator, group: list[Running], scenario: str, index: int, state: RunState
    ) -> list[Trial]:
        """One trial of every server of `group`, taking turns. Turns that prove too short — a guard
        shorter than the slowest side's mean response time, or a side that counted fewer than
        `min_responses` — are measured again with the turns the trial asks for (the guard at most
        twice, then the counted time), and the scenario keeps them."""
        profile = self.plan.profile
        fresh = scenario not in state.turns
        turns = state.turns.get(scenario, Turns(profile.window_seconds, FIRST_GUARD_SECONDS))
        guards_resized = 0
        for _ in range(4):
            trials = self.rotation(generator, group, scenario, index, turns)
            needed = turns_for(trials, profile)
            short = min(t.successes for t in trials) < profile.min_responses
            off = not turns.guard_seconds / 2 <= needed.guard_seconds <= 2 * turns.guard_seconds
            resize = off and (fresh or needed.guard_seconds > turns.guard_seconds)
            if len(group) > 1 and resize and guards_resized < 2:
                # Counts taken with a guard far from the one needed cannot size the time: the
                # next trial's will. A scenario's first turns may shrink, later ones only grow.
                # Twice at most: a login's p90 swings with the guard it was measured under, and
                # three resizes once left the counted time unsized (40 responses, a flagged cell).
                guards_resized += 1
                turns = replace(turns, guard_seconds=needed.guard_seconds)
            elif needed.side_seconds > turns.side_seconds and (fresh or short):
                turns = turns.longer(needed.side_seconds)
            else:
                break
        state.turns[scenario] = turns
        return trials

    def rotation(
        self, generator: Generator, group: list[Running], scenario: str, index: int, turns: Turns
    ) -> list[Trial]:
        endpoints = [running.endpoint for running in group]
        return run_rotation(
            generator, endpoints, scenario, self.plan.profile, index, self.plan.server_cpus, turns
        )

    def results(self, state: RunState) -> Results:
        plan = self.plan
        configs = {c.name: c for c in plan.servers}
        design = Design(
            aa=plan.aa,
            first_look_launches=plan.profile.launches if state.first_look else 0,
            first_look_alpha=FIRST_LOOK_ALPHA if state.first_look else 0.0,
            final_look_alpha=FINAL_LOOK_ALPHA if state.first_look else ALPHA,
            launches=len(state.orders),
            budget_seconds=plan.profile.budget_seconds,
            ended=state.ended,
            windows={scenario: t.side_seconds for scenario, t in state.turns.items()},
            slots={scenario: [t.slot_seconds, t.guard_seconds] for scenario, t in state.turns.items()},
            orders=state.orders,
        )
        return analyse(
            Results(
                started_at=state.started_at,
                finished_at=datetime.now(UTC),
                profile_name=plan.profile_name,
                profile=plan.profile,
                database=plan.database,
                seed=plan.seed,
                machine=machine(plan.server_cpus, plan.generator_cpus),
                packages={**package_versions(), "python": machine([], []).python},
                revision=revision(),
                generator=state.generator,
                schedule=state.orders[0] if state.orders else [],
                servers={config.name: self.record(config, state) for config in plan.servers},
                design=design,
                cells=[
                    Cell(
                        server=name,
                        front_end=configs[name].front_end,
                        scenario=played,
                        target=target,
                        trials=measured,
                    )
                    for (name, target, played), measured in state.trials.items()
                ],
            )
        )

    def record(self, config: ServerConfig, state: RunState) -> ServerRecord:
        """What the server was, its refusals and its median start-up time."""
        targets = [t for t in self.session.targets() if (config.name, t) in state.refusals]
        refused = [f"{t}: {failure}" for t in targets for failure in state.refusals[(config.name, t)]]
        return ServerRecord(
            config=config,
            command={
                t: state.commands[(config.name, t)] for t in targets if (config.name, t) in state.commands
            },
            startup_seconds={
                t: round(statistics.median(state.startups[(config.name, t)]), 2)
                for t in targets
                if (config.name, t) in state.startups
            },
            db_pool_size=config.db_pool_size,
            threadpool_limit=config.threads,
            refused=refused or None,
        )

    def ceiling(
        self, generator: Generator, servers: dict[Key, Running], info: GeneratorInfo
    ) -> GeneratorInfo:
        """Locust's own limit on this machine: its rate against the cheapest route there is."""
        floor = next((r for (_, target), r in servers.items() if target == "floor"), None)
        if floor is None:
            return info
        run_trial(
            generator, floor.endpoint, CEILING_SCENARIO, self.plan.profile, -1, self.plan.server_cpus, 0.5
        )
        trial = run_trial(
            generator, floor.endpoint, CEILING_SCENARIO, self.plan.profile, -1, self.plan.server_cpus
        )
        return info.model_copy(
            update={
                "ceiling_rps": round(trial.rps),
                "ceiling_generator_cpu_percent": trial.generator_cpu_percent,
                "ceiling_server": floor.config.name,
            }
        )
