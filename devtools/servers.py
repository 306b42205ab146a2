"""The production command line of each front end, and a process wrapper to run it."""

from __future__ import annotations

import os
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path

import httpx

from core.metrics import MULTIPROCESS_DIR_ENV

REPO_ROOT = Path(__file__).resolve().parent.parent
FRONT_ENDS = ("flask", "fastapi", "fastapi-async")
# The ASGI app factory of each FastAPI front end.
ASGI_FACTORIES = {
    "fastapi": "fastapi_impl.app:create_app",
    "fastapi-async": "fastapi_async_impl.app:create_app",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def server_command(front_end: str, port: int, workers: int = 2, threads: int = 4) -> list[str]:
    """gunicorn (gthread) for Flask, uvicorn (uvloop + httptools) for both FastAPI front ends."""
    bind_host = "127.0.0.1"
    if front_end == "flask":
        return [
            sys.executable, "-m", "gunicorn", "--bind", f"{bind_host}:{port}",
            "--workers", str(workers), "--worker-class", "gthread", "--threads", str(threads),
            # No request-line limit, as uvicorn: a long URL gets the app's answer in the contract's
            # format, not gunicorn's HTML 414 (docs/decisions/0005). Cap URLs at the proxy instead.
            "--limit-request-line", "0",
            "--no-control-socket",
            "flask_impl.app:create_app()",
        ]  # fmt: skip
    if front_end in ASGI_FACTORIES:
        return [
            sys.executable, "-m", "uvicorn", ASGI_FACTORIES[front_end], "--factory",
            "--host", bind_host, "--port", str(port), "--workers", str(workers),
            "--loop", "uvloop", "--http", "httptools", "--no-access-log",
        ]  # fmt: skip
    raise ValueError(f"unknown front end {front_end!r}")


def wait_healthy(
    base_url: str,
    timeout: float = 30.0,
    alive: Callable[[], bool] = lambda: True,
    path: str = "/health",
    verify: ssl.SSLContext | bool = True,
) -> bool:
    """Poll GET `path` until it answers 200; False on timeout or when `alive()` turns false.
    `verify`: what an HTTPS server's certificate is checked against (httpx's)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and alive():
        try:
            if httpx.get(f"{base_url}{path}", timeout=1.0, verify=verify).status_code == 200:
                return True
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    return False


class ServerProcess:
    """A front end in its own process group, stopped with SIGTERM (then SIGKILL). Its workers
    share a fresh metrics directory (core/metrics.py: multiprocess mode), removed at the stop."""

    def __init__(
        self,
        command: list[str],
        env: Mapping[str, str],
        log_path: Path | None = None,
        pipe_output: bool = False,
    ) -> None:
        """Output goes to `log_path`, or to `self.process.stdout` with `pipe_output`, else nowhere."""
        self.command = command
        self._log = open(log_path, "wb") if log_path else None  # noqa: SIM115 (closed in stop)
        self._metrics_dir = tempfile.mkdtemp(prefix="shop-metrics-")
        self.process = subprocess.Popen(
            command,
            cwd=REPO_ROOT,
            env={**os.environ, "PYTHONPATH": str(REPO_ROOT), MULTIPROCESS_DIR_ENV: self._metrics_dir, **env},
            stdout=self._log or (subprocess.PIPE if pipe_output else subprocess.DEVNULL),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def is_running(self) -> bool:
        return self.process.poll() is None

    def wait_healthy(
        self,
        base_url: str,
        timeout: float = 30.0,
        path: str = "/health",
        verify: ssl.SSLContext | bool = True,
    ) -> None:
        if not wait_healthy(base_url, timeout, self.is_running, path, verify):
            raise RuntimeError(f"server did not become healthy ({' '.join(self.command)})")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, 15)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, 9)
                self.process.wait()
        if self._log:
            self._log.close()
        shutil.rmtree(self._metrics_dir, ignore_errors=True)
