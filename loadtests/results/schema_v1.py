"""Read a schema 1 results.json (before windowed throughput) into the schema 2 model.

What version 1 did not record (windows, CPU per request, memory per process, topology, steal)
is left empty or zero; its req/s was computed over the whole run and `notes` says so.
"""

from __future__ import annotations

from typing import Any

from loadtests.config.matrix import Matrix, Profile, ServerConfig
from loadtests.results.bench import Cell, GeneratorInfo, Latency, Results, ServerRecord, Trial
from loadtests.results.machine import CpuTopology, Machine


def server_config(name: str, old: dict[str, Any], known: dict[str, ServerConfig]) -> ServerConfig:
    if name in known:
        return known[name].model_copy(update={"workers": old["workers"], "threads": old["threads"]})
    return ServerConfig(
        name=name,
        front_end=old["front_end"],
        label=name,
        server=name,
        manager=name,
        workers=old["workers"],
        threads=old["threads"],
        notes="(not in the current servers.toml)",
        command=old["command"],
    )


def trial(index: int, old: dict[str, Any], window: float) -> Trial:
    return Trial(
        index=index,
        started_at=0.0,
        window_seconds=window,
        successes=old["requests"] - old["failures"],
        failures=old["failures"],
        rps=old["rps"],
        latency=Latency(
            p50_ms=old["p50_ms"], p90_ms=old["p90_ms"], p99_ms=old["p99_ms"], max_ms=old["p99_ms"]
        ),
        server_cpu_percent=old["server_cpu_mean"],
        cpu_ms_per_request=0.0,
        generator_cpu_percent=old["generator_cpu_mean"],
        steal_percent=0.0,
        memory=[],
        timeline=[],
        errors={},
    )


def convert(raw: dict[str, Any]) -> Results:
    known = Matrix.load().servers
    old_profile = raw["profile"]
    profile = Profile(
        servers=old_profile["servers"],
        scenarios=old_profile["scenarios"],
        floor=old_profile["floor"],
        users=old_profile["users"],
        warmup_seconds=old_profile["warmup_seconds"],
        settle_seconds=0.0,
        window_seconds=old_profile["trial_seconds"],
        trials=old_profile["trials"],
    )
    servers = {
        name: ServerRecord(
            config=(config := server_config(name, old, known)),
            command={"implementation": old["command"]},
            db_pool_size=config.db_pool_size,
            threadpool_limit=old["threads"],
            refused=old.get("refused"),
        )
        for name, old in raw["servers"].items()
    }
    return Results(
        converted_from_schema=1,
        started_at=raw["started_at"],
        finished_at=raw["finished_at"],
        profile_name=old_profile["name"],
        profile=profile,
        database=raw["database"],
        seed=raw["seed"],
        machine=old_machine(raw["machine"]),
        packages=raw["packages"],
        generator=GeneratorInfo(
            processes=raw["locust_workers"], users=old_profile["users"], ceiling_rps=None
        ),
        servers=servers,
        cells=[
            Cell(
                server=cell["server"],
                front_end=cell["front_end"],
                scenario=cell["scenario"],
                target=cell["kind"],
                trials=[trial(i, t, old_profile["trial_seconds"]) for i, t in enumerate(cell["trials"])],
            )
            for cell in raw["cells"]
        ],
    )


def old_machine(machine: dict[str, Any]) -> Machine:
    """Schema 1 kept the CPU lists on the machine and knew nothing of hyperthread siblings."""
    return Machine(
        cpu_model=machine["cpu_model"],
        logical_cpus=machine["logical_cpus"],
        memory_gib=machine["memory_gib"],
        python=machine["python"],
        platform=machine["platform"],
        topology=CpuTopology(
            server_cpus=machine["server_cpus"],
            generator_cpus=machine["generator_cpus"],
            shared_cores=[],
            overlapping=sorted(set(machine["server_cpus"]) & set(machine["generator_cpus"])),
        ),
    )
