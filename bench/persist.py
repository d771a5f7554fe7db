"""A monthly payroll run persisted: the bulk path against the straightforward one.

    python bench/persist.py --workers 100000                     # SQLite (goal ≤ 10 s)
    python bench/persist.py --workers 1000000 --database-url postgresql://postgres@127.0.0.1:5432/bench
                                                                 # PostgreSQL (goal ≥ 20,000 payslips/s, < 4 GB)

Fills a fresh database with a synthetic city (``load_demo``, no runs; the
PostgreSQL database is emptied first), then in a child process creates the
city-wide run for January 2026 exactly as ``createPayrollRun`` does — load the
workers, their assessments and year-to-date totals in bulk, compute the month
with the engine, insert the payslips with COPY (PostgreSQL) or executemany
(SQLite), all in one transaction — and prints its time, payslips per second
and the child's peak memory.  In the same run it times the straightforward
way on a sample (``--sample``): a loop that loads each worker through the
ORM, computes its payslip one at a time (the scalar Decimal reference) and
saves it with ``Payslip.create``, in one transaction (rolled back), and
prints the ratio (goal ≥ 50×).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PERIOD = (2026, 1)


def prepare(url: str, workers: int) -> float:
    from api.db.database import configure, connection, is_postgres
    from api.db.migrate import migrate, reset_for_tests
    from api.services.demo import load_demo

    configure(url)
    if is_postgres():
        reset_for_tests()
    migrate()
    start = time.perf_counter()
    with connection():
        load_demo(workers=workers, streets=max(1, workers // 10_000), communities=max(1, workers // 125),
                  today=dt.date(2026, 2, 10), runs=False)
    return time.perf_counter() - start


def child_run(url: str) -> None:
    """Create the run in this (fresh) process and report time and peak memory as JSON."""
    from payroll.periods import Period

    from api.access.principal import SYSTEM
    from api.db.database import configure, connection
    from api.services.payroll import create_run

    configure(url)
    with connection():
        start = time.perf_counter()
        run = create_run(SYSTEM, Period(*PERIOD), None, None)
        seconds = time.perf_counter() - start
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"seconds": seconds, "payslips": run.payslip_count, "peak_mb": peak_kb / 1024}))


def straightforward(url: str, sample: int) -> tuple[float, int]:
    """One worker at a time through the ORM, the way general HR suites do."""
    from decimal import Decimal

    from api.db.database import configure, connection, database
    from api.db.models import Assessment, PayrollRun, Payslip, Worker
    from api.services.policies import require_active_policy
    from api.services.quotes import _worker_input
    from tests import reference

    configure(url)
    saved = 0
    with connection():
        record, policy = require_active_policy()
        ids = [w.id for w in Worker.select(Worker.id).order_by(Worker.id).limit(sample)]
        start = time.perf_counter()
        with database.atomic() as transaction:
            run = PayrollRun.create(period="2026-01", scope_type="CITY", scope_key="BASELINE", policy=record,
                                    policy_effective_from=dt.date(2026, 1, 1), created_by="bench")
            for worker_id in ids:
                worker = Worker.get_by_id(worker_id)
                community = worker.community  # one query, as an ORM page would
                list(Assessment.select().where(Assessment.worker == worker))
                Payslip.select().where((Payslip.worker == worker) & (Payslip.period < "2026-01")).first()
                worker_input = _worker_input(worker, PERIOD[0])
                state = reference.year_start_state(worker_input, PERIOD[0])
                row = reference.payslip(policy, worker_input, *PERIOD, state)
                if row is None:
                    continue
                fen = {k: int(v * 100) for k, v in row.items() if isinstance(v, Decimal)}
                Payslip.create(
                    run=run, worker=worker, community=community, street=community.street_id, period="2026-01",
                    post=row["post"], grade=row["grade"], counted_years=row["counted_years"], days=row["days"], **fen,
                    service_start=worker.service_start, service_end=worker.service_end,
                    prior_service_years=worker.prior_service_years, incompetent_years=worker_input.incompetent_years,
                    education=worker.education, certificate=worker.certificate,
                    certificate_date=worker.certificate_date, assessment=worker_input.assessment,
                    special_deduction_monthly=worker.special_deduction_monthly,
                    previous_monthly_pay=worker.previous_monthly_pay,
                    prior_tax_months=0, prior_income=0, prior_deductions=0, prior_tax=0, prior_reserve=0,
                    ytd_tax_months=state["n"], ytd_income=int(state["income"] * 100),
                    ytd_deductions=int(state["deductions"] * 100), ytd_tax=int(state["tax"] * 100),
                    ytd_reserve=int(state["reserve"] * 100),
                )
                saved += 1
            seconds = time.perf_counter() - start
            transaction.rollback()
    return seconds, saved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=100_000)
    parser.add_argument("--database-url", help="default: a fresh SQLite file in a temporary directory")
    parser.add_argument("--sample", type=int, default=1000, help="workers for the straightforward loop")
    parser.add_argument("--child-run", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_run:
        child_run(args.child_run)
        return
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/bench.db"
        print(f"machine     {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
        print(f"command     python bench/persist.py --workers {args.workers} --sample {args.sample}"
              + (f" --database-url {args.database_url}" if args.database_url else ""))
        backend = "PostgreSQL" if url.startswith("postgres") else "SQLite"
        load_seconds = prepare(url, args.workers)
        print(f"data        {args.workers:,} workers loaded into {backend} in {load_seconds:.1f} s (not timed below)")
        baseline_seconds, baseline_count = straightforward(url, args.sample)
        baseline_rate = baseline_count / baseline_seconds
        child = subprocess.run([sys.executable, __file__, "--child-run", url], capture_output=True, text=True, check=True)
        result = json.loads(child.stdout.strip().splitlines()[-1])
        rate = result["payslips"] / result["seconds"]
        print(f"bulk run    {result['payslips']:,} payslips computed and persisted in {result['seconds']:.2f} s = "
              f"{rate:,.0f} payslips/s, peak memory {result['peak_mb']:,.0f} MB")
        print(f"one by one  {baseline_count:,} payslips in {baseline_seconds:.2f} s = {baseline_rate:,.0f} payslips/s "
              f"(ORM loop, scalar computation, one transaction)")
        print(f"ratio       {rate / baseline_rate:,.0f}× faster (goal ≥ 50×)")


if __name__ == "__main__":
    main()
