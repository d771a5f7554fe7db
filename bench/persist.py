"""A monthly payroll run persisted: the bulk path against the straightforward one.

    python bench/persist.py --workers 100000                     # SQLite (goal ≤ 10 s)
    python bench/persist.py --workers 1000000 --jurisdictions 100 \
        --database-url postgresql://postgres@127.0.0.1:5432/bench_scale
                                    # a province on PostgreSQL (goal ≥ 60,000 payslips/s, < 4 GB)

Fills a fresh database with a synthetic city or province (``load_demo``, no
runs; the PostgreSQL database is emptied first; with ``--reuse`` a database
this script filled before keeps its data and only its runs are deleted), then
creates January 2026's runs exactly as ``createPayrollRun`` does — load the
workers, their assessments and year-to-date totals in bulk, compute the month
with the engine, insert the payslips with COPY (PostgreSQL) or executemany
(SQLite), one transaction per run — and prints the time, payslips per second
and peak memory:

- "province month": every jurisdiction's run (one per jurisdiction with a
  policy, a single city-wide run with one jurisdiction), back to back in one
  fresh process;
- "in parallel" (``--processes P`` > 1; with several jurisdictions P is the
  number of cores unless given): the runs are deleted and created again from
  P processes at once, each taking every P-th jurisdiction; then
  each jurisdiction must have exactly one run and the payslips must be
  exactly the workers in service in the month.

In the same run it times the straightforward way on a sample (``--sample``):
a loop that loads each worker through the ORM, computes its payslip one at a
time (the scalar Decimal reference) and saves it with ``Payslip.create``, in
one transaction (rolled back), and prints the ratio (goal ≥ 50×).
"""

from __future__ import annotations

import argparse
import contextlib
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


def prepare(url: str, workers: int, jurisdictions: int, reuse: bool) -> float | None:
    """Fill the database (None: ``reuse`` found it filled; its runs are deleted)."""
    from api.db.database import configure, connection, is_postgres
    from api.db.migrate import migrate, reset_for_tests
    from api.db.models import Worker
    from api.services.demo import load_demo

    configure(url)
    if reuse and is_postgres():
        migrate()
        with connection():
            if Worker.select().count() == workers:
                delete_runs()
                return None
    if is_postgres():
        reset_for_tests()
    migrate()
    start = time.perf_counter()
    with connection():
        load_demo(workers=workers, streets=max(jurisdictions, workers // 10_000), communities=max(1, workers // 125),
                  today=dt.date(2026, 2, 10), runs=False, jurisdictions=jurisdictions)
    return time.perf_counter() - start


def delete_runs() -> None:
    """Every run of the database, with its payslips (drafts only: the bench never approves)."""
    from api.db.database import database, is_postgres

    with database.atomic():
        if is_postgres():
            database.execute_sql('TRUNCATE "payslip", "payroll_run_place", "payroll_run"')
        else:
            for table in ("payslip", "payroll_run_place", "payroll_run"):
                database.execute_sql(f'DELETE FROM "{table}"')


def run_homes() -> list[int | None]:
    """The jurisdictions to run (each with a policy of its own); [None] for a one-city installation."""
    from api.db.jurisdictions import JurisdictionTree

    homes = JurisdictionTree.load().homes()
    return [None] if len(homes) == 1 else sorted(homes)


def child_run(url: str, share: int, shares: int) -> None:
    """Create this share's runs in this (fresh) process; report time and peak memory as JSON."""
    from payroll.periods import Period

    from api.access.principal import SYSTEM
    from api.db.database import configure, connection
    from api.services.payroll import create_run

    configure(url)
    payslips = 0
    with connection():
        homes = run_homes()[share::shares]
        start = time.perf_counter()
        for home in homes:
            payslips += create_run(SYSTEM, Period(*PERIOD), None, None, home).payslip_count
        seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "payslips": payslips, "runs": len(homes), "peak_mb": peak_kb() / 1024}))


def peak_kb() -> int:
    """This process's peak resident memory.  Linux keeps ``ru_maxrss`` across
    ``exec``, so a child started by the parent that loaded the data reported
    the parent's peak (1,851 MB for runs of 100 MB); VmHWM is this program's own."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def run_children(url: str, processes: int) -> tuple[float, list[dict]]:
    """Start ``processes`` children at once, each with its share of the runs;
    the wall-clock time from the first start to the last finish, and their reports."""
    start = time.perf_counter()
    children = [subprocess.Popen([sys.executable, __file__, "--child-run", url, "--share", str(i),
                                  "--processes", str(processes)], stdout=subprocess.PIPE, text=True)
                for i in range(processes)]
    outputs = [child.communicate()[0] for child in children]
    seconds = time.perf_counter() - start
    for child in children:
        if child.returncode:
            raise SystemExit(f"a child process failed (exit {child.returncode})")
    return seconds, [json.loads(out.strip().splitlines()[-1]) for out in outputs]


def check_runs(url: str) -> str:
    """Every jurisdiction to run has exactly one run for the month, and the
    payslips are exactly the workers in service then (each once)."""
    from payroll.periods import Period

    from api.db.database import configure, connection
    from api.db.models import PayrollRun, Payslip, Worker
    from api.reads.population import in_service

    configure(url)
    period = Period(*PERIOD)
    with connection():
        homes = run_homes()
        runs = list(PayrollRun.select(PayrollRun.jurisdiction, PayrollRun.payslip_count)
                    .where(PayrollRun.period == str(period)).tuples())
        in_service_count = Worker.select().where(in_service(period)).count()
        payslips = Payslip.select().where(Payslip.period == str(period)).count()
        distinct = Payslip.select(Payslip.worker).where(Payslip.period == str(period)).distinct().count()
    expected = len(homes)
    per_home = {}
    for jurisdiction, _ in runs:
        per_home[jurisdiction] = per_home.get(jurisdiction, 0) + 1
    problems = []
    if len(runs) != expected or any(count != 1 for count in per_home.values()):
        problems.append(f"{len(runs)} runs for {expected} jurisdictions")
    if not payslips == distinct == in_service_count == sum(count for _, count in runs):
        problems.append(f"{payslips:,} payslips ({distinct:,} workers, runs say {sum(c for _, c in runs):,}) "
                        f"for {in_service_count:,} workers in service")
    if problems:
        raise SystemExit("conflicts: " + "; ".join(problems))
    return (f"{len(runs)} runs, one per jurisdiction; {payslips:,} payslips = the {in_service_count:,} workers in "
            "service, each once")


def straightforward(url: str, sample: int) -> tuple[float, int]:
    """One worker at a time through the ORM, the way general HR suites do
    (the first jurisdiction's workers, under its policy)."""
    from decimal import Decimal

    from api.db.database import configure, connection, database
    from api.db.models import Assessment, Community, PayrollRun, Payslip, Street, Worker
    from api.reads.policies import require_active_policy
    from api.reads.quotes import worker_input
    from tests import reference

    configure(url)
    saved = 0
    with connection():
        home = run_homes()[0]
        record, policy = require_active_policy(home)
        ids = [w.id for w in Worker.select(Worker.id).join(Community).join(Street)
               .where(Street.jurisdiction == record.jurisdiction_id).order_by(Worker.id).limit(sample)]
        start = time.perf_counter()
        with database.atomic() as transaction:
            run = PayrollRun.create(period="2026-01", scope_type="CITY", scope_key="BASELINE", policy=record,
                                    jurisdiction=record.jurisdiction_id,
                                    policy_effective_from=dt.date(2026, 1, 1), created_by="bench")
            for worker_id in ids:
                worker = Worker.get_by_id(worker_id)
                community = worker.community  # one query, as an ORM page would
                list(Assessment.select().where(Assessment.worker == worker))
                Payslip.select().where((Payslip.worker == worker) & (Payslip.period < "2026-01")).first()
                inputs = worker_input(worker, PERIOD[0])
                state = reference.year_start_state(inputs, PERIOD[0])
                row = reference.payslip(policy, inputs, *PERIOD, state)
                if row is None:
                    continue
                fen = {k: int(v * 100) for k, v in row.items() if isinstance(v, Decimal)}
                Payslip.create(
                    run=run, worker=worker, community=community, street=community.street_id, period="2026-01",
                    post=row["post"], grade=row["grade"], counted_years=row["counted_years"], days=row["days"], **fen,
                    service_start=worker.service_start, service_end=worker.service_end,
                    prior_service_years=worker.prior_service_years, incompetent_years=inputs.incompetent_years,
                    education=worker.education, certificate=worker.certificate,
                    certificate_date=worker.certificate_date, assessment=inputs.assessment,
                    special_deduction_monthly=worker.special_deduction_monthly,
                    previous_monthly_pay=worker.previous_monthly_pay,
                    prior_tax_months=0, prior_income=0, prior_deductions=0, prior_tax=0, prior_reserve=0,
                    ytd_tax_months=state["n"], ytd_income=int(state["income"] * 100),
                    ytd_deductions=int(state["deductions"] * 100), ytd_tax=int(state["tax"] * 100),
                    ytd_reserve=int(state["reserve"] * 100), worker_code=worker.code, worker_name=worker.name,
                    bank_name=worker.bank_name or "", bank_account=worker.bank_account or "",
                )
                saved += 1
            seconds = time.perf_counter() - start
            transaction.rollback()
    return seconds, saved


#: Issue 14: a province's month on PostgreSQL, its jurisdictions' runs from one process per core.
PROVINCE_GOAL = 60_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=100_000)
    parser.add_argument("--jurisdictions", type=int, default=1,
                        help="1–3: the demo's named ones (许昌市, 三门峡市, 禹州市); more: numbered cities")
    parser.add_argument("--processes", type=int,
                        help="also run the month from this many processes at once (default: one per core with several "
                             "jurisdictions, as a province runs its jurisdictions' months; 1 otherwise)")
    parser.add_argument("--database-url", help="default: a fresh SQLite file in a temporary directory")
    parser.add_argument("--reuse", action="store_true",
                        help="PostgreSQL: keep a database this script filled with as many workers; delete its runs")
    parser.add_argument("--sample", type=int, default=1000, help="workers for the straightforward loop (0: skip it)")
    parser.add_argument("--child-run", help=argparse.SUPPRESS)
    parser.add_argument("--share", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_run:
        child_run(args.child_run, args.share, args.processes)
        return
    if args.processes is None:
        args.processes = (os.cpu_count() or 1) if args.jurisdictions > 1 else 1
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/bench.db"
        print(f"machine     {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
        print(f"command     python bench/persist.py --workers {args.workers} --jurisdictions {args.jurisdictions} "
              f"--processes {args.processes} --sample {args.sample}"
              + (f" --database-url {args.database_url}" if args.database_url else "") + (" --reuse" if args.reuse else ""))
        backend = "PostgreSQL" if url.startswith("postgres") else "SQLite"
        load_seconds = prepare(url, args.workers, args.jurisdictions, args.reuse)
        loaded = "reused (runs deleted)" if load_seconds is None else f"loaded in {load_seconds:.1f} s"
        print(f"data        {args.workers:,} workers in {args.jurisdictions} jurisdiction(s), {backend}, {loaded} "
              "(not timed below)")
        if args.sample:
            baseline_seconds, baseline_count = straightforward(url, args.sample)
        seconds, (result,) = run_children(url, 1)
        rate = result["payslips"] / result["seconds"]
        print(f"province    {result['payslips']:,} payslips in {result['runs']} run(s), one process, computed and "
              f"persisted in {result['seconds']:.2f} s = {rate:,.0f} payslips/s, peak memory {result['peak_mb']:,.0f} MB")
        print(f"check       {check_runs(url)}")
        if args.processes > 1:
            delete_runs_at(url)
            seconds, results = run_children(url, args.processes)
            payslips = sum(r["payslips"] for r in results)
            rate_parallel = payslips / seconds
            print(f"in parallel {payslips:,} payslips in {sum(r['runs'] for r in results)} runs from {args.processes} "
                  f"processes in {seconds:.2f} s (wall clock, processes started) = {rate_parallel:,.0f} "
                  f"payslips/s, peak memory {max(r['peak_mb'] for r in results):,.0f} MB per process")
            print(f"check       {check_runs(url)}")
            if backend == "PostgreSQL" and args.jurisdictions > 1:
                met = "met" if rate_parallel >= PROVINCE_GOAL else "not met"
                print(f"goal        the province's month from {args.processes} processes at {rate_parallel:,.0f} "
                      f"payslips/s, goal ≥ {PROVINCE_GOAL:,}: {met} (one process: {rate:,.0f})")
        if args.sample:
            baseline_rate = baseline_count / baseline_seconds
            print(f"one by one  {baseline_count:,} payslips in {baseline_seconds:.2f} s = {baseline_rate:,.0f} "
                  "payslips/s (ORM loop, scalar computation, one transaction)")
            print(f"ratio       {rate / baseline_rate:,.0f}× faster (goal ≥ 50×)")


def delete_runs_at(url: str) -> None:
    from api.db.database import configure, connection

    configure(url)
    with connection():
        delete_runs()


if __name__ == "__main__":
    main()
