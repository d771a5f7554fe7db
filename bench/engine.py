"""Engine throughput: the vectorized engine against the scalar reference.

    python bench/engine.py [--workers 1000000] [--sample 2000] [--quote-workers 20000]

Prints, on this machine and in one run:
1. the engine's worker-months per second over ``--workers`` workers × 12
   months, in memory, after the population is built (goal ≥ 5 million/s);
2. the scalar Decimal reference (tests/reference.py) on a ``--sample`` of the
   same workers, and the ratio (goal ≥ 100×);
3. ``community-payroll quote`` end to end on ``--quote-workers`` workers × 12
   months (CSV in, CSV out, a fresh process) against a plain per-worker
   Decimal implementation doing the same (csv module in, reference, csv module
   out), and the ratio (goal ≥ 10×).
"""

from __future__ import annotations

import argparse
import compileall
import csv
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from payroll.engine import CHUNK_SIZE, compute_periods  # noqa: E402
from payroll.periods import Period  # noqa: E402
from payroll.policy import example_policy  # noqa: E402
from payroll.synthetic import synthetic_population, synthetic_worker_rows  # noqa: E402
from payroll.workers import WORKER_FIELDS, worker_from_fields  # noqa: E402

from tests import reference  # noqa: E402

YEAR = 2026


def machine() -> str:
    return (f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
            f"numpy {np.__version__}")


def bench_engine(policy, n: int) -> float:
    population = synthetic_population(n, policy.post_keys, YEAR, seed=1)
    # Warm up the version tables and numpy.
    for _ in compute_periods(policy, population.take(np.arange(1000)), Period(YEAR, 1), Period(YEAR, 12)):
        pass
    start = time.perf_counter()
    net = 0
    payslips = 0
    for month in compute_periods(policy, population, Period(YEAR, 1), Period(YEAR, 12), chunk_size=CHUNK_SIZE):
        net += int(month.net.sum())
        payslips += int(month.paid.sum())
    seconds = time.perf_counter() - start
    rate = n * 12 / seconds
    print(f"engine      {n:>9,} workers × 12 months in {seconds:6.2f} s = {rate / 1e6:6.2f} million worker-months/s "
          f"({payslips:,} payslips, total net {net / 100:,.2f} yuan)")
    return rate


def bench_reference(policy, n: int) -> float:
    rows = synthetic_worker_rows(n, policy.post_keys, YEAR, seed=1)
    workers = [worker_from_fields(r, post_keys=policy.post_keys) for r in rows]
    start = time.perf_counter()
    reference.quote(policy, workers, (YEAR, 1), (YEAR, 12))
    seconds = time.perf_counter() - start
    rate = n * 12 / seconds
    print(f"reference   {n:>9,} workers × 12 months in {seconds:6.2f} s = {rate / 1e6:6.4f} million worker-months/s")
    return rate


def plain_decimal_quote(policy, workers_csv: Path, output: Path) -> None:
    """The baseline: csv module in, one worker at a time in Decimal, csv module out."""
    with workers_csv.open(encoding="utf-8-sig", newline="") as f:
        workers = [worker_from_fields(row, post_keys=policy.post_keys) for row in csv.DictReader(f)]
    rows = reference.quote(policy, workers, (YEAR, 1), (YEAR, 12))
    with output.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(rows[0].keys())
        for row in rows:
            writer.writerow(reference.as_csv_row(row))


def bench_quote(policy, n: int) -> None:
    # Byte-compile the package first, as an installed package is (this machine
    # sets PYTHONDONTWRITEBYTECODE, which would otherwise recompile every run).
    compileall.compile_dir(str(ROOT / "payroll"), quiet=1)
    with tempfile.TemporaryDirectory() as tmp:
        workers_csv = Path(tmp) / "workers.csv"
        with workers_csv.open("w", encoding="utf-8", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=WORKER_FIELDS[:14])
            writer.writeheader()
            writer.writerows(synthetic_worker_rows(n, policy.post_keys, YEAR, seed=2))
        ours, baseline = Path(tmp) / "ours.csv", Path(tmp) / "baseline.csv"
        script = Path(sys.executable).with_name("community-payroll")
        command = [str(script)] if script.exists() else [sys.executable, "-m", "api.cli"]
        start = time.perf_counter()
        subprocess.run([*command, "quote", "--workers", str(workers_csv), "--from", f"{YEAR}-01", "--to", f"{YEAR}-12",
                        "--output", str(ours)], check=True)
        ours_seconds = time.perf_counter() - start
        start = time.perf_counter()
        plain_decimal_quote(policy, workers_csv, baseline)
        baseline_seconds = time.perf_counter() - start
        same = ours.read_bytes() == baseline.read_bytes()
        rows = sum(1 for _ in ours.open(encoding="utf-8")) - 1
    print(f"quote CLI   {n:>9,} workers × 12 months ({rows:,} payslips) in {ours_seconds:6.2f} s, end to end")
    print(f"plain Decimal implementation, same input  in {baseline_seconds:6.2f} s")
    print(f"ratio       {baseline_seconds / ours_seconds:6.1f}× faster (goal ≥ 10×); outputs identical: {same}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=2_000)
    parser.add_argument("--quote-workers", type=int, default=20_000)
    args = parser.parse_args()
    policy = example_policy()
    print(f"machine     {machine()}")
    engine_rate = bench_engine(policy, args.workers)
    reference_rate = bench_reference(policy, args.sample)
    print(f"ratio       {engine_rate / reference_rate:6.0f}× the scalar reference (goal ≥ 100×); "
          f"engine goal ≥ 5 million/s: {'met' if engine_rate >= 5e6 else 'NOT met'}")
    bench_quote(policy, args.quote_workers)


if __name__ == "__main__":
    main()
