"""Synthetic but realistic workforces, for benchmarks and the demo city.

:func:`synthetic_arrays` draws a whole workforce with numpy (a million workers
in well under a second); :func:`synthetic_population` turns it into an engine
:class:`~payroll.workers.Population` directly, and :func:`synthetic_worker_rows`
into the text fields of the workers CSV.  The mix of posts, education,
certificates, assessments, leavers and new hires follows what HR offices
report; the figures are illustrative, not statistics.
"""

from __future__ import annotations

import datetime as dt
from typing import Sequence

import numpy as np

from . import codes
from .money import format_fen
from .periods import NO_END_DAY, date_of, day_number
from .workers import Population

POST_SHARES = {"CHIEF": 0.08, "DEPUTY": 0.14, "STAFF": 0.78}
EDUCATION_SHARES = (0.12, 0.40, 0.40, 0.07, 0.01)
CERTIFICATE_SHARES = (0.50, 0.30, 0.17, 0.03)
ASSESSMENT_SHARES = (0.15, 0.76, 0.07, 0.02)


def synthetic_arrays(n: int, post_keys: Sequence[str], year: int, seed: int = 0) -> dict[str, np.ndarray]:
    """Field arrays for ``n`` workers in service during ``year`` (dates as day numbers)."""
    rng = np.random.default_rng(seed)
    known = [k for k in POST_SHARES if k in post_keys] or list(post_keys)
    shares = np.array([POST_SHARES.get(k, 1.0) for k in known], dtype=float)
    post_choice = rng.choice(len(known), size=n, p=shares / shares.sum())
    post = np.array([list(post_keys).index(k) for k in known], dtype=np.int64)[post_choice]

    jan1, dec31 = day_number(dt.date(year, 1, 1)), day_number(dt.date(year, 12, 31))
    earliest = day_number(dt.date(year - 30, 1, 1))
    # Most started years ago; about 6% are hired during the year.
    start = rng.integers(earliest, jan1, size=n)
    hired = rng.random(n) < 0.06
    start[hired] = rng.integers(jan1, dec31 + 1, size=int(hired.sum()))
    # About one in five starts on the first of a month, as HR records often do.
    first_of_month = rng.random(n) < 0.2
    start_dates = start.astype("datetime64[D]")
    month_starts = start_dates.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    start = np.where(first_of_month, month_starts, start)
    # About 4% leave during the year.
    leaving = rng.random(n) < 0.04
    end = np.full(n, NO_END_DAY, dtype=np.int64)
    end[leaving] = np.maximum(start[leaving], rng.integers(jan1, dec31 + 1, size=int(leaving.sum())))

    education = rng.choice(5, size=n, p=EDUCATION_SHARES).astype(np.int64)
    certificate = rng.choice(4, size=n, p=CERTIFICATE_SHARES).astype(np.int64)
    certificate_day = np.where(
        certificate > 0, rng.integers(day_number(dt.date(2008, 1, 1)), dec31 + 1, size=n), NO_END_DAY
    )
    assessment = rng.choice(4, size=n, p=ASSESSMENT_SHARES).astype(np.int64)
    assessment[rng.random(n) < 0.1] = codes.DEFAULT_ASSESSMENT
    prior = np.where(rng.random(n) < 0.15, rng.integers(1, 6, size=n), 0)
    incompetent = np.where(rng.random(n) < 0.03, 1, 0)
    special = np.where(rng.random(n) < 0.5, rng.choice([100_000, 150_000, 200_000, 300_000], size=n), 0)
    previous = np.where(rng.random(n) < 0.3, rng.integers(300_000, 900_000, size=n), 0)
    return {
        "post": post,
        "start_day": start.astype(np.int64),
        "end_day": end,
        "prior": prior.astype(np.int64),
        "incompetent": incompetent.astype(np.int64),
        "education": education,
        "certificate": certificate,
        "certificate_day": certificate_day.astype(np.int64),
        "assessment": assessment,
        "special_deduction": special.astype(np.int64),
        "previous_pay": previous.astype(np.int64),
    }


def synthetic_population(n: int, post_keys: Sequence[str], year: int, seed: int = 0) -> Population:
    """An engine population of ``n`` synthetic workers, built without Python loops."""
    a = synthetic_arrays(n, post_keys, year, seed)
    ids = np.array([f"S{i:07d}" for i in range(n)], dtype=object)
    return Population.from_arrays(ids, post_keys, **a)


def synthetic_worker_rows(
    n: int, post_keys: Sequence[str], year: int, seed: int = 0, community_ids: Sequence[str] = ("C01",)
) -> list[dict[str, str]]:
    """The same workforce as text fields of the workers CSV."""
    a = synthetic_arrays(n, post_keys, year, seed)
    rng = np.random.default_rng(seed + 1)
    community = rng.integers(0, len(community_ids), size=n)
    rows = []
    for i in range(n):
        cert = codes.CERTIFICATE[a["certificate"][i]]
        assessment = int(a["assessment"][i])
        rows.append(
            {
                "worker_id": f"S{i:07d}",
                "community_id": community_ids[community[i]],
                "name": "",
                "post": post_keys[a["post"][i]],
                "service_start": date_of(a["start_day"][i]).isoformat(),
                "service_end": "" if a["end_day"][i] == NO_END_DAY else date_of(a["end_day"][i]).isoformat(),
                "prior_service_years": str(a["prior"][i]),
                "education": codes.EDUCATION[a["education"][i]],
                "certificate": cert,
                "certificate_date": "" if cert == "NONE" else date_of(a["certificate_day"][i]).isoformat(),
                "incompetent_years": str(a["incompetent"][i]),
                "assessment": "" if assessment < 0 else codes.ASSESSMENT[assessment],
                "special_deduction_monthly": format_fen(a["special_deduction"][i]),
                "previous_monthly_pay": "" if a["previous_pay"][i] == 0 else format_fen(a["previous_pay"][i]),
            }
        )
    return rows
