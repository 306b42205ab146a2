"""PostgreSQL on a simulated remote host, a chosen round-trip time (RTT) away.

The "host" is a network namespace joined to this one by a veth pair on a private /30 in 10.231.0.0/16; a
private cluster runs inside it. The delay comes from netem where the kernel has it; this machine's kernel
lacks it (CONFIG_NET_SCH_NETEM is not set), so there `loadtests.env.delay_relay` runs inside the namespace in
front of the cluster and holds back each direction by half the RTT.

    with remote_postgres(rtt_ms=5, workdir=Path("var/bench")) as remote:
        psycopg.connect(remote.admin_url)

Needs root, iproute2, and PostgreSQL's initdb and pg_ctl; `NetworkUnavailable` says which is missing.
"""

from __future__ import annotations

import ipaddress
import itertools
import os
import pwd
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[2]
NETWORK = IPv4Network("10.231.0.0/16")
SUBNETS = NETWORK.num_addresses // 4  # /30s: network, host side, namespace side, broadcast
POSTGRES_PORT = 5432  # the namespace has a network stack of its own: no clash with a PostgreSQL on the host
RELAY_PORT = 6432
COMMAND_TIMEOUT = 120.0
RELAY_START_TIMEOUT = 10.0

_contexts = itertools.count()


class NetworkUnavailable(Exception):
    """This machine cannot simulate the network; str() is the reason."""


@dataclass(frozen=True)
class RemoteDatabase:
    admin_url: str
    rtt_ms: float
    method: str  # "relay" or "netem"
    relay_pid: int | None  # None with netem

    def relay_cpu_seconds(self) -> float:
        """User + system CPU the relay has used so far (while the context is open); 0.0 with netem."""
        if self.relay_pid is None:
            return 0.0
        times = psutil.Process(self.relay_pid).cpu_times()
        return float(times.user + times.system)


@dataclass(frozen=True)
class Link:
    """A test host: a namespace and the veth pair to it."""

    namespace: str
    host_device: str
    namespace_device: str
    subnet: IPv4Network

    @property
    def host_address(self) -> IPv4Address:
        return self.subnet[1]

    @property
    def namespace_address(self) -> IPv4Address:
        return self.subnet[2]


@contextmanager
def remote_postgres(rtt_ms: float, workdir: Path) -> Iterator[RemoteDatabase]:
    """A fresh PostgreSQL cluster `rtt_ms` away, through a relay (or netem); all of it is removed on exit."""
    if rtt_ms < 0:
        raise ValueError(f"a round-trip time cannot be negative: {rtt_ms}")
    bindir = _check_prerequisites()
    with ExitStack() as stack:
        link = stack.enter_context(test_host())
        root = stack.enter_context(_cluster(bindir, link, workdir))
        if _add_netem(link, rtt_ms):
            yield RemoteDatabase(_url(link.namespace_address, POSTGRES_PORT), rtt_ms, "netem", None)
            return
        # The relay runs at every RTT, 0 included, so that its own CPU cost is the same in every run.
        relay_pid = stack.enter_context(_relay(link, rtt_ms / 2, root / "relay.log"))
        yield RemoteDatabase(_url(link.namespace_address, RELAY_PORT), rtt_ms, "relay", relay_pid)


def _url(address: IPv4Address, port: int) -> str:
    return f"postgresql://postgres@{address}:{port}/postgres"


def _check_prerequisites() -> Path:
    """The directory holding initdb and pg_ctl, once everything else is known to be there."""
    if os.geteuid() != 0:
        raise NetworkUnavailable("not root")
    for tool in ("ip", "runuser"):
        if shutil.which(tool) is None:
            raise NetworkUnavailable(f"{tool} not found")
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        raise NetworkUnavailable("no postgres OS user to run the cluster as") from None
    on_path = shutil.which("pg_ctl")
    versioned = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda bindir: int(bindir.parent.name) if bindir.parent.name.isdigit() else 0,
        reverse=True,
    )
    candidates = [*([Path(on_path).parent] if on_path else []), Path("/usr/local/bin"), *versioned]
    for bindir in candidates:
        if all(os.access(bindir / tool, os.X_OK) for tool in ("initdb", "pg_ctl")):
            return bindir
    raise NetworkUnavailable("initdb and pg_ctl not found (PATH, /usr/local/bin, /usr/lib/postgresql/*/bin)")


def _run(args: Sequence[str], error: type[Exception] = RuntimeError) -> str:
    result = subprocess.run(args, capture_output=True, text=True, timeout=COMMAND_TIMEOUT, check=False)
    if result.returncode != 0:
        detail = result.stderr.strip() or result.stdout.strip() or f"exit status {result.returncode}"
        raise error(f"{shlex.join(args)} failed: {detail}")
    return result.stdout


def _free_subnet(start: int) -> int:
    """The first /30 index from `start` on that no address on this host is in."""
    used = set()
    for line in _run(["ip", "-o", "-4", "addr", "show"], NetworkUnavailable).splitlines():
        words = line.split()
        if "inet" in words:
            used.add(ipaddress.ip_interface(words[words.index("inet") + 1]).network)
    for index in (i % SUBNETS for i in range(start, start + SUBNETS)):
        taken = any(_subnet(index).overlaps(network) for network in used)
        if not taken and not Path(f"/sys/class/net/sdb{index}h").exists():
            return index
    raise NetworkUnavailable(f"every /30 in {NETWORK} is in use")


def _subnet(index: int) -> IPv4Network:
    return IPv4Network((int(NETWORK.network_address) + 4 * index, 30))


@contextmanager
def test_host() -> Iterator[Link]:
    """A network namespace joined to this one by a veth pair on a private /30; removed on exit."""
    n = next(_contexts)
    # Starting from the pid keeps parallel runs apart; the scan skips a /30 some other run already has.
    index = _free_subnet(os.getpid() * 16 + n)
    link = Link(
        namespace=f"shopdb-{os.getpid()}-{n}",
        host_device=f"sdb{index}h",
        namespace_device=f"sdb{index}n",
        subnet=_subnet(index),
    )
    netns = ["ip", "-n", link.namespace]
    with ExitStack() as stack:
        _run(["ip", "netns", "add", link.namespace], NetworkUnavailable)
        stack.callback(_delete_namespace, link.namespace)
        veth = ["ip", "link", "add", link.host_device, "type", "veth"]
        _run([*veth, "peer", "name", link.namespace_device, "netns", link.namespace], NetworkUnavailable)
        stack.callback(_run, ["ip", "link", "del", link.host_device])
        prefix = f"/{link.subnet.prefixlen}"
        for command in (
            ["ip", "addr", "add", f"{link.host_address}{prefix}", "dev", link.host_device],
            ["ip", "link", "set", link.host_device, "up"],
            [*netns, "addr", "add", f"{link.namespace_address}{prefix}", "dev", link.namespace_device],
            [*netns, "link", "set", link.namespace_device, "up"],
            [*netns, "link", "set", "lo", "up"],
        ):
            _run(command, NetworkUnavailable)
        yield link


def _delete_namespace(namespace: str) -> None:
    # Normally empty by now (the relay and the cluster are stopped first); anything left would keep a
    # nameless namespace alive, so it is ended by pid: only this module starts processes in there.
    for pid in _run(["ip", "netns", "pids", namespace]).split():
        with suppress(psutil.NoSuchProcess):
            psutil.Process(int(pid)).kill()
    _run(["ip", "netns", "del", namespace])


@contextmanager
def _cluster(bindir: Path, link: Link | None, workdir: Path, port: int = POSTGRES_PORT) -> Iterator[Path]:
    """A new cluster, started inside the namespace (without `link`: on this host's 127.0.0.1 at
    `port`, for loadtests/faults); yields its temporary directory (removed afterwards)."""
    workdir.mkdir(parents=True, exist_ok=True)
    root = Path(tempfile.mkdtemp(prefix="remote-postgres-", dir=workdir))
    try:
        postgres = pwd.getpwnam("postgres")
        os.chown(root, postgres.pw_uid, postgres.pw_gid)
        as_postgres = ["runuser", "-u", "postgres", "--"]
        reachable = subprocess.run(
            [*as_postgres, "test", "-w", str(root)], timeout=COMMAND_TIMEOUT, check=False
        )
        if reachable.returncode != 0:
            raise RuntimeError(f"the postgres OS user cannot reach {root}: the directories above it need o+x")
        data, log = root / "data", root / "postgres.log"
        initdb = [*as_postgres, str(bindir / "initdb"), "-D", str(data), "-U", "postgres"]
        _run([*initdb, "-E", "UTF8", "--no-locale"])
        with (data / "postgresql.conf").open("a") as conf:
            conf.write(
                f"listen_addresses = '{f'{link.namespace_address},' if link else ''}127.0.0.1'\n"
                f"port = {port}\n"
                # Sockets in the filesystem are not separated by network namespace: none, so that no
                # cluster on the host is disturbed (pg_ctl -w watches postmaster.pid, not a socket).
                "unix_socket_directories = ''\n"
                "max_connections = 200\n"
            )
        (data / "pg_hba.conf").write_text(
            "local all all trust\n"
            "host all all 127.0.0.1/32 trust\n"  # the relay, inside the namespace
            + (f"host all all {link.subnet} trust\n" if link else "")
        )
        pg_ctl = [*as_postgres, str(bindir / "pg_ctl"), "-D", str(data), "-w", "-t", "60"]
        try:
            inside = ["ip", "netns", "exec", link.namespace] if link else []
            _run([*inside, *pg_ctl, "-l", str(log), "start"])
        except RuntimeError as error:
            raise RuntimeError(f"{error}\n{log.read_text() if log.exists() else ''}") from None
        try:
            yield root
        finally:
            _run([*pg_ctl, "-m", "fast", "stop"])
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _add_netem(link: Link, rtt_ms: float) -> bool:
    """Half the RTT on each end of the veth pair, if the kernel has netem (False if not)."""
    if shutil.which("tc") is None:
        return False
    # A generous queue: netem's default of 1000 packets would drop under load at a few milliseconds.
    delay = ["root", "netem", "delay", f"{rtt_ms / 2}ms", "limit", "100000"]
    probe = subprocess.run(
        ["tc", "qdisc", "add", "dev", link.host_device, *delay],
        capture_output=True,
        timeout=COMMAND_TIMEOUT,
        check=False,
    )
    if probe.returncode != 0:
        return False  # "Specified qdisc kind is unknown." without CONFIG_NET_SCH_NETEM
    _run(["tc", "-n", link.namespace, "qdisc", "add", "dev", link.namespace_device, *delay])
    return True


@contextmanager
def _relay(link: Link, delay_ms: float, log_path: Path) -> Iterator[int]:
    """The delay relay inside the namespace, from its address to the cluster; yields the relay's pid."""
    relay = [sys.executable, "-m", "loadtests.env.delay_relay"]
    relay += ["--listen", f"{link.namespace_address}:{RELAY_PORT}", "--target", f"127.0.0.1:{POSTGRES_PORT}"]
    relay += ["--delay-ms", str(delay_ms)]
    with log_path.open("wb") as log:
        # `ip netns exec` execs its command, so the pid is the relay's. A session of its own keeps a Ctrl-C
        # meant for the caller from stopping it before the cleanup below does.
        process = subprocess.Popen(
            ["ip", "netns", "exec", link.namespace, *relay],
            cwd=REPO,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_for_listener(link.namespace_address, process, log_path)
        yield process.pid
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_for_listener(address: IPv4Address, process: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + RELAY_START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the delay relay exited ({process.returncode}): {log_path.read_text()}")
        try:
            socket.create_connection((str(address), RELAY_PORT), timeout=1).close()
        except OSError:
            time.sleep(0.05)
        else:
            return
    raise RuntimeError(f"the delay relay did not listen on {address}:{RELAY_PORT} in {RELAY_START_TIMEOUT} s")
