"""What the machine did while a trial ran: CPU time of the server and of the generator, steal
time of their CPUs, memory of every server process, and the machine's CPU topology.

CPU is sampled as cumulative CPU seconds (psutil cpu_times) with wall-clock timestamps, so the
mean over any window — the trial's measured window — is a difference of two interpolated
readings, not a peak of short samples.
"""

from __future__ import annotations

import platform
import threading
import time
from bisect import bisect_left
from pathlib import Path

import psutil

from loadtests.results.machine import CpuTopology, Machine, ProcessMemory

SAMPLE_SECONDS = 0.05


class Readings:
    """(timestamp, cumulative value) pairs, read at any time by linear interpolation."""

    def __init__(self) -> None:
        self.points: list[tuple[float, float]] = []

    def add(self, at: float, value: float) -> None:
        self.points.append((at, value))

    def at(self, moment: float) -> float:
        times = [t for t, _ in self.points]
        index = bisect_left(times, moment)
        if index == 0 or index == len(times):
            raise ValueError(f"no readings around {moment} (have {times[:1]}…{times[-1:]})")
        (t0, v0), (t1, v1) = self.points[index - 1], self.points[index]
        return v0 + (v1 - v0) * (moment - t0) / (t1 - t0)

    def rate(self, start: float, end: float) -> float:
        """Mean increase per second over [start, end]."""
        return (self.at(end) - self.at(start)) / (end - start)


def tree(pids: list[int]) -> list[psutil.Process]:
    """The processes with these ids and all their descendants."""
    found = []
    for pid in pids:
        try:
            root = psutil.Process(pid)
            found += [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            continue
    return found


def cpu_seconds(processes: list[psutil.Process]) -> float:
    total = 0.0
    for process in processes:
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


class Sampler:
    """Samples the CPU seconds of process trees and the steal seconds of some CPUs."""

    def __init__(self, trees: dict[str, list[int]], cpus: list[int]) -> None:
        # Servers and generators fork their workers at start-up, so the trees are read once.
        self._processes = {name: tree(pids) for name, pids in trees.items()}
        self._cpus = cpus
        self.cpu = {name: Readings() for name in trees}
        self.steal = Readings()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> None:
        now = time.time()
        for name, processes in self._processes.items():
            self.cpu[name].add(now, cpu_seconds(processes))
        per_cpu = psutil.cpu_times(percpu=True)
        self.steal.add(now, sum(getattr(per_cpu[cpu], "steal", 0.0) for cpu in self._cpus))

    def _run(self) -> None:
        self._sample()
        while not self._stop.wait(SAMPLE_SECONDS):
            self._sample()
        self._sample()

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def memory_of(root_pid: int) -> list[ProcessMemory]:
    """USS (memory only this process holds) and PSS (its share of what it shares) of a server's
    processes: summing RSS over forked workers would count shared pages once per worker."""
    readings = []
    for process in tree([root_pid]):
        try:
            info = process.memory_full_info()
            readings.append(
                ProcessMemory(
                    pid=process.pid,
                    name=" ".join(process.cmdline()[:2])[-60:] or process.name(),
                    uss_mib=round(info.uss / 2**20, 1),
                    pss_mib=round(getattr(info, "pss", info.uss) / 2**20, 1),
                    rss_mib=round(info.rss / 2**20, 1),
                )
            )
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return readings


def wait_idle(pids: list[int], idle_percent: float = 10.0, timeout: float = 30.0) -> None:
    """Let a server finish the requests a stopped generator abandoned (slow logins would
    otherwise spill into the next trial)."""
    processes = tree(pids)
    deadline = time.monotonic() + timeout
    before, at = cpu_seconds(processes), time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.1)
        now_cpu, now = cpu_seconds(processes), time.monotonic()
        if 100 * (now_cpu - before) / (now - at) < idle_percent:
            return
        before, at = now_cpu, now


def siblings(cpu: int) -> set[int]:
    path = Path(f"/sys/devices/system/cpu/cpu{cpu}/topology/thread_siblings_list")
    if not path.exists():
        return {cpu}
    found: set[int] = set()
    for part in path.read_text().strip().split(","):
        low, _, high = part.partition("-")
        found.update(range(int(low), int(high or low) + 1))
    return found


def topology(server_cpus: list[int], generator_cpus: list[int]) -> CpuTopology:
    return CpuTopology(
        server_cpus=server_cpus,
        generator_cpus=generator_cpus,
        shared_cores=[[s, g] for s in server_cpus for g in generator_cpus if s != g and g in siblings(s)],
        overlapping=sorted(set(server_cpus) & set(generator_cpus)),
    )


def machine(server_cpus: list[int], generator_cpus: list[int]) -> Machine:
    cpu_model = platform.processor()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    return Machine(
        cpu_model=cpu_model,
        logical_cpus=psutil.cpu_count() or 0,
        memory_gib=round(psutil.virtual_memory().total / 2**30, 1),
        python=platform.python_version(),
        platform=platform.platform(),
        topology=topology(server_cpus, generator_cpus),
    )
