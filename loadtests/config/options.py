"""The options every study shares, declared once: where the servers and the load generator run,
where the outputs go, and which database the servers use."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from devtools.databases import DEFAULT_PG_ADMIN_URL
from devtools.servers import REPO_ROOT

Shared = Literal["cpus", "out", "database"]


def cpu_list(text: str) -> list[int]:
    """A taskset CPU list ("0", "0,2", "0-3") as the CPUs it names."""
    cpus: list[int] = []
    try:
        for part in text.split(","):
            low, _, high = part.partition("-")
            cpus.extend(range(int(low), int(high or low) + 1))
    except ValueError:
        raise argparse.ArgumentTypeError(f"a CPU list like 0 or 0,1 or 2-3 expected, not {text!r}") from None
    return cpus


def add_shared(parser: argparse.ArgumentParser, shared: tuple[Shared, ...]) -> None:
    if "cpus" in shared:
        parser.add_argument(
            "--server-cpus", type=cpu_list, default=[0], help="CPUs the servers are pinned to (default 0)"
        )
        parser.add_argument(
            "--generator-cpus",
            type=cpu_list,
            default=[1],
            help="CPUs the load generator and the harness are pinned to (default 1)",
        )
    if "out" in shared:
        parser.add_argument("--out", type=Path, help="output folder (default results/<study>-<UTC time>)")
    if "database" in shared:
        parser.add_argument(
            "--postgres",
            metavar="ADMIN_URL",
            nargs="?",
            const=DEFAULT_PG_ADMIN_URL,
            help="serve from PostgreSQL instead of SQLite: the URL of a server whose user may create "
            f"databases (default {DEFAULT_PG_ADMIN_URL})",
        )


def add_proxy_arguments(parser: argparse.ArgumentParser) -> None:
    """The proxy axis (config/plan.with_variants): each server also behind nginx, measured
    taking turns with itself."""
    parser.add_argument(
        "--proxy",
        choices=["nginx"],
        help="each server also behind a private nginx on the server CPUs: its share of req/s and p99 kept",
    )
    parser.add_argument(
        "--tls",
        nargs="?",
        const="nginx",
        choices=["nginx", "server"],
        help="also over HTTPS: terminated by nginx (with --proxy; the default), or by each server itself",
    )
    parser.add_argument(
        "--instances",
        type=cpu_list,
        default=[],
        metavar="N,N,...",
        help="with --proxy: also as N processes behind nginx, e.g. 2,4 (scale-out: a share of one instance)",
    )


def replicates(text: str) -> int:
    """A number of rounds or trials that an interval is taken over: two at least."""
    count = int(text)
    if count < 2:
        raise argparse.ArgumentTypeError(f"an interval needs two or more, not {count}")
    return count


def out_folder(args: argparse.Namespace) -> Path:
    """The output folder: --out, or results/<study>-<UTC time>."""
    out: Path | None = args.out
    return out or REPO_ROOT / "results" / f"{args.study}-{datetime.now(UTC):%Y%m%dT%H%M%SZ}"
