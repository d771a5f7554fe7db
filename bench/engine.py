"""Engine throughput: the vectorized engine against the scalar reference.

    python bench/engine.py [--workers 1000000] [--sample 2000] [--quote-workers 20000]

Prints, on this machine and in one run:
1. the engine's worker-months per second over ``--workers`` workers × 12
   months, in memory, after the population is built (goal ≥ 5 million/s),
   with the example policy and with the fixed-amounts policy of revision 2
   (amounts, post pay, probation, a fixed reserve, flat allowances, January
   counting, contribution parts, yuan rounding and bases held from July);
2. the scalar Decimal reference (tests/reference.py) on a ``--sample`` of the
   same workers, and the ratio (goal ≥ 100×);
3. ``community-payroll quote`` end to end on ``--quote-workers`` workers × 12
   months (CSV in, CSV out, a fresh process) against a plain per-worker
   Decimal implementation doing the same (csv module in, reference, csv module
   out), and the ratio (goal ≥ 10×);
4. ``quote --from 2026-04 --paid PAID.csv`` (§13: January–March paid under the
   policy as it stood in March, read back and corrected) against the same
   ``quote --from 2026-04`` without it, in the same run (goal ≤ 2×).
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

from payroll.engine import CHUNK_SIZE
from payroll.months import compute_periods  # noqa: E402
from payroll.periods import Period  # noqa: E402
from payroll.policy import example_policy, load_policy  # noqa: E402
from payroll.synthetic import synthetic_population, synthetic_worker_rows  # noqa: E402
from payroll.workers import WORKER_FIELDS, worker_from_fields  # noqa: E402

from tests import reference  # noqa: E402

YEAR = 2026
EXAMPLES = ROOT / "tests" / "data" / "examples"
FIXED_AMOUNTS_POLICY = EXAMPLES / "policy-fixed-amounts.yaml"
POLICY_AS_OF_MARCH = EXAMPLES / "corrections" / "policy-as-of-march.yaml"


def machine() -> str:
    return (f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
            f"numpy {np.__version__}")


def bench_engine(policy, n: int, label: str = "engine") -> float:
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
    print(f"{label:<11} {n:>9,} workers × 12 months in {seconds:6.2f} s = {rate / 1e6:6.2f} million worker-months/s "
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


def _quote_command() -> list[str]:
    script = Path(sys.executable).with_name("community-payroll")
    return [str(script)] if script.exists() else [sys.executable, "-m", "api.cli"]


def _timed(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True)
    return time.perf_counter() - start


def bench_quote_paid(n: int, repeat: int = 3) -> None:
    """§13 end to end: what a paid file costs a quote of April–December."""
    compileall.compile_dir(str(ROOT / "payroll"), quiet=1)
    policy = example_policy()
    with tempfile.TemporaryDirectory() as tmp:
        workers_csv, paid_csv = Path(tmp) / "workers.csv", Path(tmp) / "paid.csv"
        with workers_csv.open("w", encoding="utf-8", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=WORKER_FIELDS[:14])
            writer.writeheader()
            writer.writerows(synthetic_worker_rows(n, policy.post_keys, YEAR, seed=2))
        quote = [*_quote_command(), "quote", "--workers", str(workers_csv), "--to", f"{YEAR}-12"]
        subprocess.run([*quote[:-2], "--policy", str(POLICY_AS_OF_MARCH), "--from", f"{YEAR}-01", "--to", f"{YEAR}-03",
                        "--output", str(paid_csv)], check=True)
        paid_rows = sum(1 for _ in paid_csv.open(encoding="utf-8")) - 1
        plain_args = [*quote, "--from", f"{YEAR}-04", "--output", str(Path(tmp) / "plain.csv")]
        paid_args = [*plain_args[:-1], str(Path(tmp) / "corrected.csv"), "--paid", str(paid_csv)]
        plain = min(_timed(plain_args) for _ in range(repeat))
        corrected = min(_timed(paid_args) for _ in range(repeat))
    print(f"quote --paid {n:>8,} workers, {paid_rows:,} paid payslips (2026-01…03), April–December: "
          f"{corrected:6.2f} s; without --paid {plain:6.2f} s (best of {repeat})")
    print(f"ratio       {corrected / plain:6.2f}× plain quote (goal ≤ 2×)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=2_000)
    parser.add_argument("--quote-workers", type=int, default=20_000)
    args = parser.parse_args()
    policy = example_policy()
    print(f"machine     {machine()}")
    engine_rate = bench_engine(policy, args.workers)
    fixed_rate = bench_engine(load_policy(FIXED_AMOUNTS_POLICY), args.workers, "fixed/rev2")
    reference_rate = bench_reference(policy, args.sample)
    print(f"ratio       {engine_rate / reference_rate:6.0f}× the scalar reference (goal ≥ 100×); "
          f"engine goal ≥ 5 million/s: {'met' if min(engine_rate, fixed_rate) >= 5e6 else 'NOT met'}")
    bench_quote(policy, args.quote_workers)
    bench_quote_paid(args.quote_workers)


if __name__ == "__main__":
    main()
