"""Streamed files for finance: a payroll run as CSV or XLSX.

``GET /exports/payroll-runs/{id}.csv`` streams the payslips CSV of
interfaces.md §1 (the same columns as ``community-payroll quote``), a block of
rows at a time, so a whole city's month never sits in memory.  ``.xlsx`` is
the payroll sheet (工资表) with Chinese headings.  Both use the same bearer
token as GraphQL and respect its scope.
"""

from __future__ import annotations

from typing import AsyncIterator, Callable

import numpy as np
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from payroll.csvfast import IntColumn, MoneyColumn, TextColumn, encode_rows
from payroll.csvio import PAYSLIP_CSV_COLUMNS

from .app import authenticate
from .auth import Principal
from .core.db import run_db
from .core.errors import Forbidden
from .db.models import PAYSLIP_MONEY, PayrollRun, Payslip, Worker
from .services.payroll import check_run_scope
from .settings import Settings

#: Rows fetched and encoded together.
BLOCK = 5000

_SELECT = [Payslip.id, Worker.code, Payslip.period, Payslip.post, Payslip.grade, Payslip.counted_years, Payslip.days,
           *(getattr(Payslip, name) for name in PAYSLIP_MONEY)]


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"errors": [{"message": message, "extensions": {"code": code}}]}, status_code=status)


async def _authorised_run(request: Request, settings: Settings) -> tuple[Principal, PayrollRun] | Response:
    principal, problem = await authenticate(request, settings)
    if principal is None:
        return _error(401, "UNAUTHENTICATED", problem or "no token")
    run_id = request.path_params["run_id"]

    def load() -> PayrollRun | None:
        run = PayrollRun.get_or_none(PayrollRun.id == run_id)
        if run is not None:
            check_run_scope(principal, run, "exporting a payroll run")
        return run

    try:
        run = await run_db(load)
    except Forbidden as exc:
        return _error(403, "FORBIDDEN", exc.message)
    if run is None:
        return _error(404, "NOT_FOUND", f"payroll run {run_id} does not exist")
    return principal, run


def fetch_block(run_id: int, after_id: int, size: int = BLOCK) -> list[tuple]:
    """The next block of a run's payslips, ordered by worker code then id."""
    return list(
        Payslip.select(*_SELECT)
        .join(Worker, on=(Payslip.worker == Worker.id))
        .where((Payslip.run == run_id) & (Payslip.id > after_id))
        .order_by(Payslip.id)
        .limit(size)
        .tuples()
    )


def encode_block(rows: list[tuple]) -> bytes:
    """Payslip rows (as selected by :data:`_SELECT`) as CSV lines."""
    columns = list(zip(*rows))
    codes = list(columns[1])
    periods = sorted(set(columns[2]))
    posts = sorted(set(columns[3]))
    period_index = {p: i for i, p in enumerate(periods)}
    post_index = {p: i for i, p in enumerate(posts)}
    encoded = [
        TextColumn(codes, np.arange(len(codes), dtype=np.int64)),
        TextColumn(periods, np.array([period_index[p] for p in columns[2]], dtype=np.int64)),
        TextColumn(posts, np.array([post_index[p] for p in columns[3]], dtype=np.int64)),
        *(IntColumn(np.array(columns[i], dtype=np.int64)) for i in (4, 5, 6)),
        *(MoneyColumn(np.array(columns[i], dtype=np.int64)) for i in range(7, 7 + len(PAYSLIP_MONEY))),
    ]
    return encode_rows(encoded)


async def stream_run_csv(run_id: int, fetch: Callable[[int, int], list[tuple]] = fetch_block) -> AsyncIterator[bytes]:
    yield (",".join(PAYSLIP_CSV_COLUMNS) + "\n").encode()
    after = 0
    while True:
        rows = await run_db(fetch, run_id, after)
        if not rows:
            return
        after = rows[-1][0]
        yield await run_db(encode_block, rows)


def export_routes(settings: Settings) -> list[Route]:
    async def run_csv(request: Request) -> Response:
        found = await _authorised_run(request, settings)
        if isinstance(found, Response):
            return found
        _, run = found
        filename = f"payroll-{run.period}-run{run.id}.csv"
        return StreamingResponse(
            stream_run_csv(run.id),
            media_type="text/csv; charset=utf-8",
            headers={"content-disposition": f'attachment; filename="{filename}"'},
        )

    async def run_xlsx(request: Request) -> Response:
        from .spreadsheets import payroll_sheet_xlsx

        found = await _authorised_run(request, settings)
        if isinstance(found, Response):
            return found
        principal, run = found
        data = await run_db(payroll_sheet_xlsx, run.id, principal)
        filename = f"payroll-{run.period}-run{run.id}.xlsx"
        return Response(
            data,
            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"content-disposition": f'attachment; filename="{filename}"'},
        )

    return [
        Route("/exports/payroll-runs/{run_id:int}.csv", run_csv, methods=["GET"]),
        Route("/exports/payroll-runs/{run_id:int}.xlsx", run_xlsx, methods=["GET"]),
    ]
