"""Security battery (OWASP API4), resource consumption, on a server of our own whose processes'
peak memory the test reads.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from contract_tests.helpers import CLOSE, JSON, assert_error, megabytes
from contract_tests.own_server.server import OwnServer


def peak_memory_kib(process_group: int) -> dict[int, int]:
    """Peak resident memory (VmHWM) of each process in a process group, read from /proc."""
    peaks: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[2]) != process_group:
                continue
            status = (stat.parent / "status").read_text()
        except (OSError, IndexError, ValueError):
            continue  # the process ended meanwhile
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                peaks[int(stat.parent.name)] = int(line.split()[1])
    return peaks


@pytest.mark.parametrize("framing", ["content-length", "chunked"])
def test_body_over_the_limit_is_refused_without_being_buffered(
    own_server: OwnServer, own_client: httpx.Client, framing: str
) -> None:
    """A 64 MiB body must not be held in a server process's memory on its way to a 413."""
    if not Path("/proc/self/status").is_file():
        pytest.skip("reads peak memory from /proc (Linux only)")
    size = 64
    length = {"Content-Length": str(size << 20)} if framing == "content-length" else {}
    before = peak_memory_kib(own_server.process_group)
    response = own_client.post(
        "/v1/auth/register", content=megabytes(size), headers={**JSON, **CLOSE, **length}
    )
    assert_error(response, 413, "payload_too_large")
    after = peak_memory_kib(own_server.process_group)
    growth_kib = max(after[pid] - before[pid] for pid in before.keys() & after.keys())
    assert growth_kib < 32 << 10, f"a server process grew by {growth_kib >> 10} MiB"
