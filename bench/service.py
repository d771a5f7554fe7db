"""Shared pieces of the service benchmarks (bench/api.py, bench/load.py).

- :class:`DemoService` loads the demo city into a fresh SQLite file (or an
  empty database given by URL), creates an ADMIN token with
  ``community-payroll token create`` and starts ``community-payroll serve`` on
  a free loopback port in a subprocess — the way an operator would, without
  development mode.
- :class:`HttpClient` is a deliberately small HTTP/1.1 keep-alive client on
  asyncio streams.  Benchmark clients share the machine with the server, so
  every microsecond the client spends is taken from the server.  Measured
  here against a trivial endpoint: about 0.13 ms of client CPU per request,
  against 0.9 ms for ``httpx2.AsyncClient``.
- :func:`percentile`, :func:`machine`, :func:`print_header`,
  :func:`process_cpu_seconds` (the CPU a server process tree used, from
  ``/proc``) and :func:`require_loopback`.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import json
import math
import os
import platform
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any, Sequence
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
_EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Exit|Interrupt)\b.*")


# --------------------------------------------------------------------------- printing


def machine() -> str:
    """CPU, CPU count and Python, plus the versions of the serving stack."""
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    versions = []
    for name in ("strawberry-graphql", "starlette", "uvicorn", "peewee"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions.append(f"{name} {metadata.version(name)}")
    loop = "uvloop" if _installed("uvloop") else "asyncio"
    http = "httptools" if _installed("httptools") else "h11"
    return (f"{cpu}, {os.cpu_count()} CPUs, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}; {', '.join(versions)} (uvicorn on {loop} + {http})")


def _installed(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def print_header(title: str) -> None:
    print(title)
    print(f"machine: {machine()}")
    print(f"command: {shlex.join([Path(sys.executable).name, *sys.argv])}")
    print(f"started: {time.strftime('%Y-%m-%d %H:%M:%S %Z')}; {load_average()} (other work on the machine skews the figures)")
    sys.stdout.flush()


def load_average() -> str:
    try:
        one, five, _ = os.getloadavg()
    except OSError:
        return "load average unknown"
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min)"


def goal(met: bool) -> str:
    return "met" if met else "NOT MET"


def percentile(values: Sequence[float], p: float) -> float:
    """The ``p``-th percentile (0–100) by the nearest-rank method; NaN when empty."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def ms(seconds: float) -> str:
    return "-" if math.isnan(seconds) else f"{seconds * 1000:.1f}"


# --------------------------------------------------------------------------- processes


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def community_payroll() -> list[str]:
    """The ``community-payroll`` command of this Python environment."""
    script = Path(sys.executable).parent / "community-payroll"
    if script.exists():
        return [str(script)]
    found = shutil.which("community-payroll")
    if found:
        return [found]
    return [sys.executable, "-c", "import sys; from api.cli import main; sys.exit(main())"]


def _clock_ticks() -> int:
    return os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _tree(pid: int) -> list[int]:
    """``pid`` and its descendants (uvicorn's worker processes), from /proc."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, IndexError, ValueError):
            stat = (entry / "stat").read_text()
            ppid = int(stat[stat.rindex(")") + 2:].split()[1])
            parents.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        current = todo.pop()
        out.append(current)
        todo.extend(parents.get(current, []))
    return out


def process_cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds used so far by ``pid`` and its live descendants
    (Linux only; None elsewhere)."""
    if not Path("/proc/self/stat").exists():
        return None
    total = 0
    for member in _tree(pid):
        with contextlib.suppress(OSError, IndexError, ValueError):
            stat = Path(f"/proc/{member}/stat").read_text()
            fields = stat[stat.rindex(")") + 2:].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / _clock_ticks()


@dataclass
class Server:
    """A server subprocess on a loopback port, in its own process group."""

    process: subprocess.Popen
    url: str
    log: Path

    def wait_ready(self, path: str = "/healthz", timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited with {self.process.returncode}:\n{self.log.read_text()[-3000:]}")
            with contextlib.suppress(OSError):
                with urllib.request.urlopen(self.url + path, timeout=2) as response:
                    if response.status == 200:
                        return
            time.sleep(0.1)
        raise RuntimeError(f"the server did not answer {path} within {timeout:.0f} s:\n{self.log.read_text()[-3000:]}")

    def exceptions(self) -> Counter:
        """The exceptions the server logged (the last line of each traceback), by message."""
        found: Counter = Counter()
        with contextlib.suppress(OSError):
            lines = self.log.read_text(errors="replace").splitlines()
            for i, line in enumerate(lines):
                # The final line of a traceback ("module.Error: message"), not the cause of a chained one.
                after = " ".join(lines[i + 1:i + 3])
                if _EXCEPTION_LINE.match(line) and not after.startswith(" ") and "During handling" not in after \
                        and "The above exception" not in after:
                    found[line.strip()[:200]] += 1
        return found

    def stop(self) -> None:
        if self.process.poll() is None:
            # The group holds uvicorn's supervisor and its worker processes, all started by us.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def start_server(command: list[str], env: dict[str, str], port: int, log: Path, ready_path: str = "/healthz") -> Server:
    handle = log.open("wb")
    process = subprocess.Popen(command, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True, cwd=ROOT)
    handle.close()
    server = Server(process, f"http://127.0.0.1:{port}", log)
    try:
        server.wait_ready(ready_path)
    except BaseException:
        server.stop()
        raise
    return server


def _service_env(database_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env["DATABASE_URL"] = database_url
    env.pop("PAYROLL_DEV_ADMIN", None)  # measured as deployed: tokens, no development mode
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


@dataclass
class DemoService:
    """The demo city served by ``community-payroll serve`` with an ADMIN token.

    ``database_url`` None: a fresh SQLite file in a temporary directory.
    Otherwise the database must be empty; the demo is loaded into it (and the
    benchmark tokens are revoked at the end).
    """

    database_url: str | None = None
    workers: int = 1
    demo_workers: int = 800
    #: Jurisdictions of the demo (``community-payroll demo --jurisdictions``).
    jurisdictions: int = 1
    tmp: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="payroll-bench-")))
    url: str = ""
    token: str = ""
    server: Server | None = None
    load_seconds: float = 0.0
    _token_ids: list[str] = field(default_factory=list)

    def start(self) -> DemoService:
        if self.database_url is None:
            self.database_url = f"sqlite:///{self.tmp / 'demo.db'}"
        env = _service_env(self.database_url)
        started = time.perf_counter()
        demo = subprocess.run([*community_payroll(), "demo", "--workers", str(self.demo_workers),
                               "--jurisdictions", str(self.jurisdictions)], env=env,
                              capture_output=True, text=True, cwd=ROOT)
        if demo.returncode != 0:
            raise SystemExit(f"community-payroll demo failed (the database must be empty):\n{demo.stderr.strip()}")
        self.load_seconds = time.perf_counter() - started
        self.token = self.create_token("ADMIN", "bench")
        port = free_port()
        command = [*community_payroll(), "serve", "--host", "127.0.0.1", "--port", str(port),
                   "--workers", str(self.workers), "--log-level", "warning"]
        self.server = start_server(command, env, port, self.tmp / "serve.log")
        self.url = self.server.url
        return self

    def create_token(self, role: str, name: str, jurisdictions: Sequence[str] = ()) -> str:
        """A new token of ``role`` (limited to the jurisdictions of these codes), revoked by :meth:`stop`."""
        scope = [arg for code in jurisdictions for arg in ("--jurisdiction", code)]
        token = subprocess.run([*community_payroll(), "token", "create", "--role", role, "--name", name, *scope],
                               env=self.env(), capture_output=True, text=True, cwd=ROOT)
        if token.returncode != 0:
            raise SystemExit(f"community-payroll token create failed:\n{token.stderr.strip()}")
        with contextlib.suppress(ValueError, IndexError):
            self._token_ids.append(token.stderr.split("(id ", 1)[1].split(",", 1)[0].strip())
        return token.stdout.strip().splitlines()[-1]

    def env(self) -> dict[str, str]:
        assert self.database_url is not None
        return _service_env(self.database_url)

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None
        if self.database_url and not self.database_url.startswith("sqlite"):
            for token_id in self._token_ids:
                subprocess.run([*community_payroll(), "token", "revoke", token_id], env=self.env(),
                               capture_output=True, cwd=ROOT)
        if os.environ.get("BENCH_KEEP_TMP"):
            print(f"(kept {self.tmp})", file=sys.stderr)
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def __enter__(self) -> DemoService:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def describe_database(url: str) -> str:
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        return "SQLite (WAL), fresh demo file"
    return f"PostgreSQL {parsed.hostname}:{parsed.port or 5432}/{parsed.path.lstrip('/')}"


def require_loopback(url: str) -> None:
    """Refuse any URL whose host is not a loopback address."""
    host = urlparse(url).hostname or ""
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except socket.gaierror as exc:
        raise SystemExit(f"{url}: cannot resolve {host!r}: {exc}") from None
    if not addresses or not all(ipaddress.ip_address(a.split("%")[0]).is_loopback for a in addresses):
        raise SystemExit(f"{url}: refusing a non-loopback address ({', '.join(sorted(addresses))}); "
                         "the load test only runs against this machine")


# --------------------------------------------------------------------------- HTTP client


class HttpError(Exception):
    pass


class HttpClient:
    """One keep-alive HTTP/1.1 connection: requests one after another.

    Just enough HTTP for benchmarking our own servers (Content-Length or
    chunked bodies, reconnect on ``Connection: close`` or a dropped socket).
    """

    def __init__(self, base_url: str, token: str | None = None):
        parsed = urlparse(base_url)
        if parsed.scheme != "http":
            raise ValueError(f"{base_url}: only http:// is supported")
        self.host = parsed.hostname or "127.0.0.1"
        self.port = parsed.port or 80
        self.prefix = parsed.path.rstrip("/")
        fixed = f"Host: {self.host}:{self.port}\r\nUser-Agent: payroll-bench\r\n"
        if token:
            fixed += f"Authorization: Bearer {token}\r\n"
        self._fixed = fixed
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def _connect(self) -> None:
        self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        sock = self._writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(Exception):
                await self._writer.wait_closed()
        self._reader = self._writer = None

    async def request(self, method: str, path: str, body: bytes = b"", content_type: str = "application/json") -> tuple[int, bytes]:
        for attempt in (1, 2):
            if self._writer is None:
                await self._connect()
            try:
                return await self._exchange(method, path, body, content_type)
            except (ConnectionError, asyncio.IncompleteReadError) as exc:
                await self.close()
                if attempt == 2:
                    raise HttpError(f"{method} {path}: connection lost: {exc!r}") from exc
        raise AssertionError("unreachable")

    async def _exchange(self, method: str, path: str, body: bytes, content_type: str) -> tuple[int, bytes]:
        assert self._reader is not None and self._writer is not None
        head = f"{method} {self.prefix}{path} HTTP/1.1\r\n{self._fixed}"
        if body or method == "POST":
            head += f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n"
        self._writer.write(head.encode("latin-1") + b"\r\n" + body)
        reader = self._reader
        raw = await reader.readuntil(b"\r\n\r\n")
        lines = raw.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers: dict[str, str] = {}
        for line in lines[1:]:
            if line:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
        if "content-length" in headers:
            payload = await reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            parts = []
            while True:
                size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
                if size == 0:
                    await reader.readuntil(b"\r\n")
                    break
                parts.append(await reader.readexactly(size))
                await reader.readexactly(2)
            payload = b"".join(parts)
        else:
            payload = await reader.read()
            await self.close()
            return status, payload
        if headers.get("connection", "").lower() == "close":
            await self.close()
        return status, payload


class GraphQLClient(HttpClient):
    async def execute(self, query: str, variables: dict[str, Any] | None = None) -> tuple[int, dict[str, Any] | None, bytes]:
        """POST a query; (HTTP status, the decoded response or None, the raw body)."""
        body = json.dumps({"query": query, "variables": variables or {}}, separators=(",", ":")).encode()
        status, payload = await self.request("POST", "/graphql", body)
        try:
            decoded = json.loads(payload)
        except ValueError:
            decoded = None
        return status, decoded, payload


async def graphql_data(client: GraphQLClient, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    """The ``data`` of a query that must succeed (for setting a benchmark up)."""
    status, decoded, raw = await client.execute(query, variables)
    if status != 200 or not decoded or decoded.get("errors") or decoded.get("data") is None:
        raise SystemExit(f"setup query failed (HTTP {status}): {raw[:600].decode('utf-8', 'replace')}")
    return decoded["data"]


# --------------------------------------------------------------------------- timing


@dataclass
class CpuMeter:
    """CPU used by this (client) process and by a server process tree over an interval."""

    server_pid: int | None
    wall: float = 0.0
    client: float = 0.0
    server: float | None = None

    def __enter__(self) -> CpuMeter:
        self._wall = time.perf_counter()
        self._client = time.process_time()
        self._server = process_cpu_seconds(self.server_pid) if self.server_pid else None
        return self

    def __exit__(self, *exc: Any) -> None:
        self.wall = time.perf_counter() - self._wall
        self.client = time.process_time() - self._client
        if self._server is not None and self.server_pid:
            after = process_cpu_seconds(self.server_pid)
            self.server = None if after is None else after - self._server


def stop_after(seconds: float | None, requests: int | None) -> tuple[float, int]:
    """A deadline (monotonic) and a request budget from ``--seconds``/``--requests``."""
    deadline = time.monotonic() + seconds if seconds else math.inf
    return deadline, requests or sys.maxsize
