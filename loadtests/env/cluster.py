"""A private PostgreSQL cluster on 127.0.0.1 at a free port, which the outage fault stops and
starts (loadtests/env/dbnet.py creates it; the machine's shared cluster is never touched)."""

from __future__ import annotations

import pwd
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from devtools.servers import free_port
from loadtests.env import dbnet


@dataclass(frozen=True)
class PrivateCluster:
    admin_url: str
    port: int
    bindir: Path
    root: Path

    def _pg_ctl(self, *args: str) -> None:
        pg_ctl = [
            "runuser",
            "-u",
            "postgres",
            "--",
            str(self.bindir / "pg_ctl"),
            "-D",
            str(self.root / "data"),
        ]
        dbnet._run([*pg_ctl, "-w", "-t", "60", *args])

    def stop(self, mode: str = "fast") -> None:
        """`pg_ctl stop -m fast`: every session is ended, the port closed."""
        self._pg_ctl("-m", mode, "stop")

    def start(self) -> None:
        self._pg_ctl("-l", str(self.root / "postgres.log"), "start")


def unavailable_reason() -> str | None:
    """None if a private cluster can be made here, else why not."""
    try:
        dbnet._check_prerequisites()
        pwd.getpwnam("postgres")
    except (dbnet.NetworkUnavailable, KeyError) as error:
        return f"no private PostgreSQL cluster: {error}"
    return None


@contextmanager
def private_cluster(workdir: Path) -> Iterator[PrivateCluster]:
    """A fresh cluster, removed on exit (started again first if a fault left it stopped)."""
    bindir = dbnet._check_prerequisites()
    port = free_port()
    with dbnet._cluster(bindir, None, workdir, port) as root:
        cluster = PrivateCluster(f"postgresql://postgres@127.0.0.1:{port}/postgres", port, bindir, root)
        try:
            yield cluster
        finally:
            if not (root / "data" / "postmaster.pid").exists():
                cluster.start()  # so that dbnet's cleanup can stop it as usual
