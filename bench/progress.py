"""What the progress bar costs: ``community-payroll quote`` with and without it.

    python bench/progress.py [--workers 200000] [--runs 3]

Issue 13: a quote of 200,000 workers ran 16 s in silence.  ``quote``,
``budget`` and ``export`` now show a rich progress bar on standard error when
it is a terminal; the engine tells it the workers computed once per block of
workers (``compute_periods(..., progress=…)``), never per worker.  This runs
the same quote (a fresh process each time, CSV in, CSV out) with the bar
forced on (``TTY_COMPATIBLE=1``, as rich reads it) and off, alternately, and
prints each run and the range of both (goal: the bar costs under 2 %, which
on a shared machine is inside the noise).  It also times the engine alone,
in memory, with and without a progress callback.
"""

from __future__ import annotations

import argparse
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
from payroll.workers import WORKER_FIELDS  # noqa: E402

YEAR = 2026


def quote_seconds(workers_csv: Path, output: Path, bar: bool) -> tuple[float, bool]:
    """One quote in a fresh process; (seconds, whether a bar was drawn)."""
    script = Path(sys.executable).with_name("community-payroll")
    env = {**os.environ, "TTY_COMPATIBLE": "1" if bar else "0"}
    env.pop("FORCE_COLOR", None)
    start = time.perf_counter()
    run = subprocess.run([str(script), "quote", "--workers", str(workers_csv), "--from", f"{YEAR}-01",
                          "--to", f"{YEAR}-12", "-o", str(output)], env=env, capture_output=True, check=True)
    return time.perf_counter() - start, b"\x1b[" in run.stderr


def engine_seconds(n: int, progress: bool) -> float:
    policy = example_policy()
    population = synthetic_population(n, policy.post_keys, YEAR, seed=1)
    calls: list[tuple[int, int]] = []
    start = time.perf_counter()
    for _ in compute_periods(policy, population, Period(YEAR, 1), Period(YEAR, 12), chunk_size=CHUNK_SIZE,
                             progress=(lambda done, total: calls.append((done, total))) if progress else None):
        pass
    seconds = time.perf_counter() - start
    assert not progress or calls[-1] == (n, n)
    return seconds


def spread(values: list[float]) -> str:
    return f"{min(values):.2f}–{max(values):.2f} s (median {float(np.median(values)):.2f} s)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    policy = example_policy()
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"numpy {np.__version__}")
    print(f"python bench/progress.py --workers {args.workers} --runs {args.runs}")
    with tempfile.TemporaryDirectory() as tmp:
        workers_csv = Path(tmp) / "workers.csv"
        with workers_csv.open("w", encoding="utf-8", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=WORKER_FIELDS[:14])
            writer.writeheader()
            writer.writerows(synthetic_worker_rows(args.workers, policy.post_keys, YEAR, seed=2))
        timings: dict[bool, list[float]] = {False: [], True: []}
        for run in range(args.runs):
            for bar in (False, True):
                seconds, drawn = quote_seconds(workers_csv, Path(tmp) / "payslips.csv", bar)
                assert drawn == bar
                timings[bar].append(seconds)
                print(f"run {run + 1}: quote {args.workers:,} workers × 12 months, bar {'on ' if bar else 'off'}: "
                      f"{seconds:6.2f} s")
    print(f"quote without the bar: {spread(timings[False])}")
    print(f"quote with the bar:    {spread(timings[True])}")
    engine = {flag: [engine_seconds(args.workers, flag) for _ in range(args.runs)] for flag in (False, True)}
    print(f"engine alone, no callback:   {spread(engine[False])}")
    print(f"engine alone, with callback: {spread(engine[True])}")


if __name__ == "__main__":
    main()
