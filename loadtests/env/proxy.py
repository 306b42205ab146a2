"""nginx in front of a run's servers, as production deploys them: a private prefix, config and
certificate in a folder of the run's (its logs stay), the master started as a child and stopped by its pid.

    with reverse_proxy([upstream_url], workdir, tls=True) as proxy:
        httpx.get(f"{proxy.base_url}/health", verify=proxy.verify())

The config follows nginx's own advice for proxying to an application server (and gunicorn's for
sync workers): HTTP/1.1 keep-alive to the upstream, request and response buffering on, so a slow
client holds an nginx connection rather than an application worker. `reload` swaps the upstream
servers with a graceful reload (SIGHUP): old workers finish their requests, new ones take the new
list. The binary is Debian's package at a pinned version (devtools/install-nginx.sh).
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import pwd
import signal
import socket
import ssl
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from devtools.servers import free_port

REPO = Path(__file__).resolve().parents[2]
TOOLS = REPO / "var" / "tools"  # devtools/install-nginx.sh unpacks the pinned package here
LOCALHOST = "127.0.0.1"
START_TIMEOUT_SECONDS = 10.0
STOP_TIMEOUT_SECONDS = 10.0
RELOAD_TIMEOUT_SECONDS = 70.0  # nginx's proxy_read_timeout (60 s) bounds an old worker's last request
UPSTREAM_KEEPALIVE = 32  # idle connections nginx keeps to the upstream servers
MAX_BODY = "1m"  # nginx's own cap, over the app's MAX_BODY_BYTES: the app's 413 comes first
CONFIG = """\
{user}worker_processes {workers};
daemon off;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 4096; }}
http {{
{access_log}
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    keepalive_requests 100000;
    # The app checks bodies (MAX_BODY_BYTES, 64 KiB) and URLs itself and answers in the contract's
    # format; nginx's own limits sit above the app's, and its own errors speak the contract too.
    client_max_body_size {max_body};
    large_client_header_buffers 4 64k;
    upstream app {{
{servers}
        keepalive {keepalive};
    }}
    server {{
        listen {listen};
{tls}
        location / {{
            proxy_pass http://app;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_buffering on;
            proxy_request_buffering on;
        }}
        error_page 413 @payload_too_large;
        error_page 502 503 504 =503 @unavailable;
        location @payload_too_large {{
            default_type application/json;
            return 413 '{{"error": "payload_too_large", "message": "Request body is too large"}}';
        }}
        location @unavailable {{
            default_type application/json;
            return 503 '{{"error": "service_unavailable", "message": "Service unavailable"}}';
        }}
        location = /nginx_status {{
            stub_status;
            allow 127.0.0.1;
            deny all;
        }}
    }}
}}
"""


class ProxyUnavailable(Exception):
    """nginx cannot run here; str() says why and what installs it."""


@dataclass(frozen=True)
class Certificate:
    """A self-signed certificate for 127.0.0.1, its key, and the file a client trusts."""

    cert_path: Path
    key_path: Path

    @property
    def ca_path(self) -> Path:
        return self.cert_path  # self-signed: the certificate is its own authority


def trust(certificate: Certificate | None) -> ssl.SSLContext | bool:
    """What an httpx client passes as `verify` to trust `certificate` (and only it)."""
    return ssl.create_default_context(cafile=certificate.ca_path) if certificate else True


def self_signed(folder: Path, host: str = LOCALHOST) -> Certificate:
    """A P-256 key and a one-day certificate for `host` (an IP address in its SAN)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    now = datetime.datetime.now(datetime.UTC)
    san = x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(host))])
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(san, critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    key_path.chmod(0o600)
    return Certificate(cert_path, key_path)


def nginx_binary() -> Path | None:
    """The binary devtools/install-nginx.sh unpacked, or None."""
    found = sorted(TOOLS.glob("nginx-*/usr/sbin/nginx"))
    return found[-1] if found else None


def nginx_version() -> str:
    """What the unpacked binary reports, e.g. "nginx/1.22.1"."""
    binary = nginx_binary()
    if binary is None:
        raise ProxyUnavailable(unavailable_reason())
    reported = subprocess.run([str(binary), "-v"], capture_output=True, text=True, check=True).stderr
    return reported.strip().removeprefix("nginx version: ")


def unavailable_reason() -> str | None:
    """Why nginx cannot run here, or None."""
    if nginx_binary() is None:
        return f"no nginx under {TOOLS}: run devtools/install-nginx.sh"
    return None


def upstream_address(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.hostname}:{parts.port}"


@dataclass
class Proxy:
    """A running nginx: where to send requests, its master's pid, and its certificate (TLS)."""

    base_url: str
    pid: int
    prefix: Path
    listen: str
    certificate: Certificate | None
    workers: int
    binary: Path
    cpus: list[int] | None = None
    upstreams: list[str] = field(default_factory=list)  # where nginx sends requests, as last written
    upstream_log: bool = False  # log which server answered each request, with its status

    @property
    def upstream_log_path(self) -> Path:
        return self.prefix / "upstream.log"

    def answers_of(self, url: str) -> list[int]:
        """The statuses of the answers the server at `url` gave through nginx so far (from the
        upstream log: a request nginx passed on to a second server lists both)."""
        if not self.upstream_log_path.exists():
            return []
        wanted, statuses = upstream_address(url), []
        for line in self.upstream_log_path.read_text().splitlines():
            addresses, _, codes = line.partition("|")
            for address, code in zip(addresses.split(","), codes.split(","), strict=False):
                if address.strip() == wanted and code.strip().isdigit():
                    statuses.append(int(code))
        return statuses

    def verify(self) -> ssl.SSLContext | bool:
        """What an httpx client passes as `verify`: trust in this proxy's certificate over TLS."""
        return trust(self.certificate)

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.pid}/task/{self.pid}/children")
        return [int(pid) for pid in children.read_text().split()] if children.exists() else []

    def write_config(self, upstreams: Sequence[str]) -> Path:
        if not upstreams:
            raise ValueError("nginx needs at least one upstream server")
        tls = ""
        if self.certificate:
            tls = (
                f"        ssl_certificate {self.certificate.cert_path};\n"
                f"        ssl_certificate_key {self.certificate.key_path};\n"
                "        ssl_protocols TLSv1.2 TLSv1.3;\n"
                "        ssl_session_cache shared:tls:1m;"
            )
        user = f"user {pwd.getpwuid(0).pw_name};\n" if os.geteuid() == 0 else ""
        self.upstreams = list(upstreams)
        path = self.prefix / "nginx.conf"
        # A line per request: "<servers>|<statuses>", each a list (", ") when nginx tried several.
        access_log = (
            f"    log_format upstreams '$upstream_addr|$upstream_status';\n"
            f"    access_log {self.upstream_log_path} upstreams;"
            if self.upstream_log
            else "    access_log off;"
        )
        path.write_text(
            CONFIG.format(
                user=user,
                access_log=access_log,
                workers=self.workers,
                prefix=self.prefix,
                servers="\n".join(f"        server {upstream_address(u)};" for u in upstreams),
                keepalive=UPSTREAM_KEEPALIVE,
                max_body=MAX_BODY,
                listen=f"{self.listen} ssl" if self.certificate else self.listen,
                tls=tls,
            )
        )
        check = subprocess.run([*self.command(path), "-t", "-q"], capture_output=True, text=True)
        if check.returncode:
            raise RuntimeError(f"nginx rejected its config: {check.stderr.strip()}")
        return path

    def command(self, config: Path) -> list[str]:
        """nginx on `config`, its prefix and error log private (not the package's /etc, /var),
        pinned to `cpus` when given."""
        prefix = str(self.prefix)
        nginx = [str(self.binary), "-p", prefix, "-e", f"{prefix}/error.log", "-c", str(config)]
        return ["taskset", "-c", ",".join(map(str, self.cpus)), *nginx] if self.cpus else nginx

    def reload(self, upstreams: Sequence[str]) -> None:
        """Point nginx at `upstreams` with a graceful reload: requests in flight finish on the
        old workers, new connections go to the new list."""
        old = set(self.worker_pids())
        self.write_config(upstreams)
        os.kill(self.pid, signal.SIGHUP)
        # Done when the old workers have finished their requests and exited: every request
        # from then on goes to the new list.
        deadline = time.monotonic() + RELOAD_TIMEOUT_SECONDS
        while old & set(self.worker_pids()) or len(self.worker_pids()) < self.workers:
            if time.monotonic() > deadline:
                raise RuntimeError(f"nginx's old workers still ran {RELOAD_TIMEOUT_SECONDS} s after a reload")
            time.sleep(0.01)


def wait_listening(address: str, alive: subprocess.Popen[bytes], timeout: float) -> None:
    host, port = address.rsplit(":", 1)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if alive.poll() is not None:
            raise RuntimeError(f"nginx exited with {alive.returncode} before it listened on {address}")
        try:
            with socket.create_connection((host, int(port)), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nginx did not listen on {address} within {timeout} s")


@contextmanager
def reverse_proxy(
    upstreams: Sequence[str],
    workdir: Path,
    *,
    tls: bool = False,
    workers: int = 1,
    cpus: list[int] | None = None,
    upstream_log: bool = False,
) -> Iterator[Proxy]:
    """nginx on a free port of 127.0.0.1 in front of `upstreams` (base URLs), over HTTPS with
    `tls`, on `cpus` (default: anywhere); with `upstream_log`, logging which server answered each
    request and how (`Proxy.answers_of`). Stopped gracefully (SIGQUIT) at the end, killed if it
    does not stop in time."""
    binary = nginx_binary()
    if binary is None:
        raise ProxyUnavailable(unavailable_reason())
    workdir.mkdir(parents=True, exist_ok=True)
    prefix = Path(tempfile.mkdtemp(prefix="nginx-", dir=workdir)).resolve()  # nginx reads paths from it
    listen = f"{LOCALHOST}:{free_port()}"
    certificate = self_signed(prefix) if tls else None
    proxy = Proxy(
        base_url=f"{'https' if tls else 'http'}://{listen}",
        pid=0,
        prefix=prefix,
        listen=listen,
        certificate=certificate,
        workers=workers,
        binary=binary,
        cpus=cpus,
        upstream_log=upstream_log,
    )
    config = proxy.write_config(upstreams)
    with open(prefix / "stderr.log", "wb") as log:
        master = subprocess.Popen(proxy.command(config), stdout=log, stderr=subprocess.STDOUT)
    proxy.pid = master.pid
    try:
        wait_listening(listen, master, START_TIMEOUT_SECONDS)
        yield proxy
    finally:
        if master.poll() is None:
            master.send_signal(signal.SIGQUIT)
            try:
                master.wait(timeout=STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                master.kill()
                master.wait()
