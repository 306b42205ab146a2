"""Synthetic trials, cells and results with known answers."""

from __future__ import annotations

from datetime import UTC, datetime

from loadtests.config.matrix import Matrix, Profile, ServerConfig, Target
from loadtests.env.sampling import machine
from loadtests.results.bench import Cell, GeneratorInfo, Latency, Results, ServerRecord, Trial

MATRIX = Matrix.load()


def trial(
    rps: float,
    *,
    server_cpu: float = 99.0,
    generator_cpu: float = 50.0,
    failures: int = 0,
    steal: float = 0.0,
) -> Trial:
    return Trial(
        index=0,
        started_at=1_700_000_000.0,
        window_seconds=1.0,
        successes=round(rps),
        failures=failures,
        rps=rps,
        latency=Latency(p50_ms=5, p90_ms=8, p99_ms=12, max_ms=20),
        server_cpu_percent=server_cpu,
        cpu_ms_per_request=1000 / rps,
        generator_cpu_percent=generator_cpu,
        steal_percent=steal,
        memory=[],
        timeline=[],
        errors={},
    )


def cell(
    server: str,
    scenario: str,
    rps: list[float],
    *,
    target: Target = "implementation",
    server_cpu: float = 99.0,
    generator_cpu: float = 50.0,
    failures: int = 0,
    steal: float = 0.0,
) -> Cell:
    return Cell(
        server=server,
        front_end=MATRIX.servers[server].front_end,
        scenario=scenario,
        target=target,
        trials=[
            trial(r, server_cpu=server_cpu, generator_cpu=generator_cpu, failures=failures, steal=steal)
            for r in rps
        ],
    )


def results(
    cells: list[Cell], ceiling: float | None = 10_000.0, configs: dict[str, ServerConfig] | None = None
) -> Results:
    """`configs`: servers that are not the matrix's (a proxy run's variants)."""
    servers = sorted({c.server for c in cells})
    profile = Profile(
        servers=servers,
        scenarios=sorted({c.scenario for c in cells}),
        floor=True,
        users=32,
        warmup_seconds=0.5,
        settle_seconds=0.3,
        window_seconds=1.0,
        trials=3,
    )
    return Results(
        started_at=datetime(2026, 11, 30, tzinfo=UTC),
        finished_at=datetime(2026, 11, 30, 0, 5, tzinfo=UTC),
        profile_name="test",
        profile=profile,
        database="sqlite",
        seed={"users": 10, "products": 100, "orders": 10, "seed": 42},
        machine=machine([0], [1]),
        packages={"fastapi": "x", "flask": "y"},
        generator=GeneratorInfo(
            processes=1, users=32, ceiling_rps=ceiling, ceiling_generator_cpu_percent=99.0
        ),
        servers={
            name: ServerRecord(config=(configs or MATRIX.servers)[name], db_pool_size=10, threadpool_limit=8)
            for name in servers
        },
        cells=cells,
    )
