"""Export throughput: a month of payroll streamed as CSV by the running service.

    python bench/export.py [--workers 20000] [--payslips 1000000] [--database URL] [--xlsx]

1. Builds a city in a fresh database (a temporary SQLite file unless
   ``--database`` names another, e.g. an empty PostgreSQL database): the demo
   city with ``--workers`` workers and a payroll run for January 2026 computed
   by the service (``createPayrollRun``'s code path).  With ``--payslips`` the
   run is then filled up to that many payslips in bulk, by copying its
   payslips into further (synthetic) months from 2040-01 with one ``INSERT … SELECT`` each,
   so that a large file can be measured without computing a province.
2. Starts ``uvicorn api.asgi:app`` on a free port of 127.0.0.1, with a FINANCE
   token, and warms it up with a small run's export.
3. Streams ``GET /exports/payroll-runs/1.csv`` over HTTP and prints the rows
   per second (goal: ≥ 50,000 for a 20,000-worker month; ≥ 100,000 for a
   million payslips) and the server's peak resident memory (VmHWM) before and
   after: a flat line means the month never sat in memory.
4. With ``--xlsx``, also times the payroll sheet (工资表) of the same run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from payroll.periods import Period  # noqa: E402

from api.access.principal import SYSTEM, Role  # noqa: E402
from api.db.database import configure, connection, database  # noqa: E402
from api.db.migrate import migrate  # noqa: E402
from api.db.models import Community, PayrollRun, Payslip  # noqa: E402
from api.services import demo  # noqa: E402
from api.services.payroll import PAYSLIP_COLUMNS, approve_run, create_run  # noqa: E402
from api.services.tokens import create_token  # noqa: E402

TODAY = dt.date(2026, 11, 21)


def machine() -> str:
    return f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"


def build(url: str, workers: int, payslips: int) -> tuple[int, int, str]:
    """The city, its January run (id 1) filled to ``payslips``, a small warm-up run, and a token."""
    configure(url)
    migrate()
    with connection():
        start = time.perf_counter()
        demo.load_demo(workers=workers, runs=False, today=TODAY)
        run = create_run(SYSTEM, Period(2026, 1), None, None)
        size = run.payslip_count
        print(f"built       {workers:,} workers and run 1 ({size:,} payslips for 2026-01) in "
              f"{time.perf_counter() - start:.1f} s", file=sys.stderr)
        if payslips > size:
            start = time.perf_counter()
            size = fill_run(run.id, payslips)
            print(f"filled      run 1 to {size:,} payslips in {time.perf_counter() - start:.1f} s", file=sys.stderr)
        approve_run(SYSTEM, run.id)
        # Fresh statistics, as the database would have them some time after a run is made.
        database.execute_sql("ANALYZE")
        # A small run to warm the server up with (the first community, February).
        community = Community.select(Community.id).order_by(Community.code).first()
        warm = create_run(SYSTEM, Period(2026, 2), None, community.id)
        token = create_token("bench-export", Role.FINANCE).token
    return size, warm.id, token


def fill_run(run_id: int, target: int) -> int:
    """Copy the run's January payslips into further months until it has ``target`` payslips."""
    columns = [c for c in PAYSLIP_COLUMNS if c != "period"]
    quoted = ", ".join(f'"{c}"' for c in columns)
    placeholder = database.param
    base = Payslip.select().where(Payslip.run == run_id).count()
    copies = -(-target // base) - 1
    month = Period(2039, 12)  # synthetic months far from the real ones
    with database.atomic():
        for _ in range(copies):
            month = Period(month.year + (month.month == 12), month.month % 12 + 1)
            database.execute_sql(
                f'INSERT INTO "payslip" ({quoted}, "period") SELECT {quoted}, {placeholder} FROM "payslip" '
                f'WHERE "run_id" = {placeholder} AND "period" = {placeholder}',
                (str(month), run_id, "2026-01"),
            )
        PayrollRun.update(payslip_count=base * (copies + 1)).where(PayrollRun.id == run_id).execute()
    return base * (copies + 1)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def memory_kb(pid: int) -> dict[str, int]:
    """VmHWM (peak resident) and VmRSS of a process, in kB (Linux)."""
    values = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, rest = line.partition(":")
            if key in ("VmHWM", "VmRSS"):
                values[key] = int(rest.split()[0])
    except OSError:
        pass
    return values


def fetch(port: int, path: str, token: str, pid: int | None = None, expected_lines: int = 0) -> tuple[int, int, float, list]:
    """GET ``path``: bytes, lines, seconds from the request to the last byte, and
    (with ``pid``) the server's peak RSS each time another tenth of the rows arrived."""
    start = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    conn.request("GET", path, headers={"Authorization": f"Bearer {token}"})
    response = conn.getresponse()
    if response.status != 200:
        raise SystemExit(f"GET {path}: {response.status} {response.read()[:300]!r}")
    size = lines = 0
    samples = []
    step = max(expected_lines // 10, 1)
    while chunk := response.read(1 << 20):
        size += len(chunk)
        lines += chunk.count(b"\n")
        if pid is not None and lines >= step * (len(samples) + 1):
            samples.append((lines, memory_kb(pid).get("VmHWM", 0)))
    conn.close()
    return size, lines, time.perf_counter() - start, samples


def wait_ready(port: int, process: subprocess.Popen) -> None:
    for _ in range(300):
        if process.poll() is not None:
            raise SystemExit("the server stopped; see its output above")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("the server did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=20_000)
    parser.add_argument("--payslips", type=int, default=0, help="fill the run up to this many payslips (e.g. 1000000)")
    parser.add_argument("--database", help="an empty database URL (default: a temporary SQLite file)")
    parser.add_argument("--xlsx", action="store_true", help="also time the payroll sheet (工资表)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-export-") as directory:
        url = args.database or f"sqlite:///{directory}/bench.db"
        rows, warm_run, token = build(url, args.workers, args.payslips)
        port = free_port()
        env = dict(os.environ, DATABASE_URL=url, PYTHONPATH=str(ROOT))
        env.pop("PAYROLL_DEV_ADMIN", None)
        server = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "api.http.asgi:app", "--host", "127.0.0.1", "--port", str(port),
             "--log-level", "warning"],
            env=env,
        )
        try:
            wait_ready(port, server)
            fetch(port, f"/exports/payroll-runs/{warm_run}.csv", token)
            before = memory_kb(server.pid)
            size, lines, seconds, samples = fetch(port, "/exports/payroll-runs/1.csv", token, server.pid, rows + 1)
            after = memory_kb(server.pid)
            if lines - 1 != rows:
                raise SystemExit(f"expected {rows:,} rows, got {lines - 1:,}")
            rate = rows / seconds
            goal = 100_000 if rows >= 1_000_000 else 50_000
            print(f"machine     {machine()}; database {url.split(':')[0]}")
            print(f"csv export  {rows:>9,} rows, {size / 1e6:7.1f} MB in {seconds:6.2f} s = {rate:>9,.0f} rows/s "
                  f"({size / 1e6 / seconds:5.1f} MB/s; goal ≥ {goal:,} rows/s: {'met' if rate >= goal else 'NOT met'})")
            if before and after:
                print(f"server peak RSS (VmHWM) before {before['VmHWM'] / 1024:6.1f} MB, after {after['VmHWM'] / 1024:6.1f} MB "
                      f"(+{(after['VmHWM'] - before['VmHWM']) / 1024:.1f} MB); RSS after {after['VmRSS'] / 1024:.1f} MB")
                print("server peak RSS as the rows arrived: " + ", ".join(
                    f"{n / rows:.0%} {kb / 1024:.0f} MB" for n, kb in samples))
            if args.xlsx:
                size, _, seconds, _ = fetch(port, "/exports/payroll-runs/1.xlsx", token)
                peak = memory_kb(server.pid)
                print(f"xlsx 工资表  {rows:>9,} rows, {size / 1e6:7.1f} MB in {seconds:6.2f} s = {rows / seconds:>9,.0f} "
                      f"rows/s" + (f"; server peak RSS now {peak['VmHWM'] / 1024:.1f} MB" if peak else ""))
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
