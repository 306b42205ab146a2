"""Schemathesis against each live front end (gunicorn, uvicorn), on its own fresh SQLite database,
driven by the server's own /openapi.json: every check, all phases (coverage, fuzzing, stateful),
as an admin. A failure shows Schemathesis's report, with a curl command per failing case.

    pytest fuzz                          # the CI run (FUZZ_MAX_EXAMPLES=50 cases per operation)
    FUZZ_MAX_EXAMPLES=500 pytest fuzz    # the long run (`make fuzz`)
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from contract_tests.helpers import bearer, token_for
from contract_tests.targets import ADMIN_EMAIL, ADMIN_PASSWORD, server_env
from devtools.databases import fresh_database
from devtools.servers import FRONT_ENDS, REPO_ROOT, ServerProcess, free_port, server_command

CONFIG = Path(__file__).with_name("schemathesis.toml")
MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "50"))


@pytest.mark.live
@pytest.mark.parametrize("front_end", FRONT_ENDS)
def test_schemathesis_finds_no_failure(front_end: str, tmp_path: Path) -> None:
    with fresh_database("sqlite", tmp_path, front_end) as database_url:
        # A token that outlives any run length FUZZ_MAX_EXAMPLES may ask for.
        env = {**server_env(database_url), "JWT_TTL_SECONDS": "86400"}
        port = free_port()
        server = ServerProcess(server_command(front_end, port), env, log_path=tmp_path / "server.log")
        try:
            base_url = f"http://127.0.0.1:{port}"
            server.wait_healthy(base_url)
            result = _schemathesis(base_url, tmp_path)
        finally:
            server.stop()
    if result.returncode != 0:
        pytest.fail(f"{result.stdout}\n{result.stderr}", pytrace=False)
    print(result.stdout)  # `pytest -rP` shows it: cases per phase, links covered, warnings


def _schemathesis(base_url: str, workdir: Path) -> subprocess.CompletedProcess[str]:
    with httpx.Client(base_url=base_url, timeout=30.0) as http:
        token = token_for(http, ADMIN_EMAIL, ADMIN_PASSWORD)
        admin_id = http.get("/v1/users/me", headers=bearer(token)).json()["id"]
    command = [
        sys.executable, "-m", "schemathesis.cli", "--config-file", str(CONFIG),
        "run", f"{base_url}/openapi.json", "--max-examples", str(MAX_EXAMPLES), "--no-color",
    ]  # fmt: skip
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO_ROOT),  # for `hooks = "fuzz.hooks"`
        "FUZZ_TOKEN": token,
        "FUZZ_ADMIN_ID": str(admin_id),
    }
    # Run from the test's temporary directory, so nothing Schemathesis writes lands in the repo.
    return subprocess.run(command, cwd=workdir, env=env, capture_output=True, text=True, check=False)
