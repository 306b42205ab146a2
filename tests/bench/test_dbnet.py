"""PostgreSQL a chosen round trip away (loadtests.env.dbnet), and the delay relay it stands on where netem is
missing (loadtests.env.delay_relay). Needs root: CI runs these as root, so a skip says why."""

from __future__ import annotations

import os
import socket
import socketserver
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from loadtests.env.dbnet import NetworkUnavailable, remote_postgres

REPO = Path(__file__).resolve().parents[2]
RELAY_DELAY_MS = 10.0


@pytest.fixture
def workdir() -> Iterator[Path]:
    # Not tmp_path: pytest's directories are private to root, and the cluster runs as the postgres user.
    with tempfile.TemporaryDirectory(prefix="test-dbnet-") as name:
        path = Path(name)
        path.chmod(0o755)
        yield path


def our_namespaces() -> list[str]:
    listing = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=True).stdout
    return [line.split()[0] for line in listing.splitlines() if line.startswith(f"shopdb-{os.getpid()}-")]


@pytest.mark.parametrize(("rtt_ms", "low_ms", "high_ms"), [(0.0, 0.0, 2.0), (5.0, 5.0, 8.0)])
def test_select_1_takes_the_round_trip_time(
    rtt_ms: float, low_ms: float, high_ms: float, workdir: Path
) -> None:
    try:
        with remote_postgres(rtt_ms, workdir) as remote:
            inside = our_namespaces()
            with psycopg.connect(remote.admin_url, autocommit=True) as connection:
                connection.execute("SELECT 1")  # the first query after connecting is not timed
                times = []
                for _ in range(20):
                    start = time.perf_counter()
                    connection.execute("SELECT 1").fetchone()
                    times.append((time.perf_counter() - start) * 1000)
            relay_cpu = remote.relay_cpu_seconds()
    except NetworkUnavailable as error:
        pytest.skip(f"no simulated network on this machine: {error}")
    median = statistics.median(times)
    print(f"rtt {rtt_ms} ms ({remote.method}): SELECT 1 median {median:.3f} ms, relay CPU {relay_cpu:.3f} s")

    assert low_ms <= median < high_ms
    assert len(inside) == 1
    assert our_namespaces() == []
    assert list(workdir.iterdir()) == []


class Echo(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        while data := self.request.recv(65536):
            self.request.sendall(data)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def relayed_echo() -> Iterator[tuple[str, int]]:
    """An echo server on 127.0.0.1 behind the relay, RELAY_DELAY_MS each way; yields the relay's address."""
    with socketserver.ThreadingTCPServer(("127.0.0.1", 0), Echo) as echo:
        echo.daemon_threads = True
        threading.Thread(target=echo.serve_forever, daemon=True).start()
        listen = ("127.0.0.1", free_port())
        arguments = [
            "--listen",
            f"{listen[0]}:{listen[1]}",
            "--target",
            f"127.0.0.1:{echo.server_address[1]}",
        ]
        relay = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "loadtests.env.delay_relay",
                *arguments,
                "--delay-ms",
                str(RELAY_DELAY_MS),
            ],
            cwd=REPO,
        )
        try:
            deadline = time.monotonic() + 10
            while True:
                try:
                    socket.create_connection(listen, timeout=1).close()
                    break
                except OSError:
                    assert relay.poll() is None and time.monotonic() < deadline, "the relay did not start"
                    time.sleep(0.05)
            yield listen
        finally:
            relay.terminate()
            assert relay.wait(timeout=10) == 0
            echo.shutdown()


def connect(address: tuple[str, int]) -> socket.socket:
    client = socket.create_connection(address, timeout=5)
    client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return client


def receive(client: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size and (chunk := client.recv(size - len(data))):
        data += chunk
    return data


def test_the_relay_delays_each_direction_and_passes_on_end_of_file(relayed_echo: tuple[str, int]) -> None:
    with connect(relayed_echo) as client:
        start = time.perf_counter()
        client.sendall(b"ping")
        assert receive(client, 4) == b"ping"
        elapsed = time.perf_counter() - start
        client.shutdown(socket.SHUT_WR)
        assert client.recv(1) == b""  # the echo server saw the half-close, and closed in turn

    assert elapsed >= 2 * RELAY_DELAY_MS / 1000


def test_the_relay_pipelines_its_delays(relayed_echo: tuple[str, int]) -> None:
    messages = [f"message {n:03}\n".encode() for n in range(100)]
    with connect(relayed_echo) as client:
        start = time.perf_counter()
        for message in messages:
            client.sendall(message)
            time.sleep(0.001)  # so that the relay reads each message as a chunk of its own
        echoed = receive(client, sum(map(len, messages)))
        elapsed = time.perf_counter() - start

    assert echoed == b"".join(messages)
    # Holding back one chunk at a time would take 100 × the delay in one direction alone: 1 s.
    assert elapsed < 100 * RELAY_DELAY_MS / 1000 / 2
