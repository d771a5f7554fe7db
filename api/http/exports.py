"""Files for finance and HR under ``/exports/``, with the same bearer token
and scope as GraphQL.

A payroll run (an HR token needs the run to be inside its scope; 403 otherwise):

| path | file |
|---|---|
| ``/exports/payroll-runs/{id}.csv`` | payslips CSV of interfaces.md §1 (streamed) |
| ``/exports/payroll-runs/{id}.xlsx`` | 工资表: Chinese headings, subtotals by community and street, total |
| ``/exports/payroll-runs/{id}/payslips.xlsx`` | 工资条: a block per worker to print and cut |
| ``/exports/payroll-runs/{id}/bank.csv`` | 代发工资: 序号,工号,户名,开户银行,账号,实发金额 (streamed) |
| ``/exports/payroll-runs/{id}/bank.xlsx`` | the same as a spreadsheet, accounts as text |
| ``/exports/payroll-runs/{id}/contributions.csv`` | social insurance and housing fund by item and community |
| ``/exports/payroll-runs/{id}/contributions.xlsx`` | the same with a sheet by item |

Reports (an HR token sees its own communities; a street or community outside
its scope is 403):

| path | file |
|---|---|
| ``/exports/conversion.xlsx?period=2026-11[&streetId=…\\|&communityId=…]`` | 工资套改 |
| ``/exports/budget.xlsx?year=2027[&baseIncomeGrowth=0.05][&streetId=…]`` | budget, chart of cost by street |
| ``/exports/staffing.xlsx?date=2026-11-01[&streetId=…]`` | staffing, chart of gaps by community |
| ``/exports/workers.xlsx[?streetId=…\\|&communityId=…]`` | 工作者名册: the workers import's columns and 版本 |
| ``/exports/workers.csv[?streetId=…\\|&communityId=…]`` | the same as CSV (streamed) |

CSV files stream (:func:`stream_from_thread`): a worker thread reads the run
a block of rows at a time on one connection (:mod:`api.reads.run_files`)
while another encodes the previous block (:mod:`api.files.run_files`); on
PostgreSQL the database writes the payslips CSV itself (``COPY … TO
STDOUT``).  An approved or paid run's files print the names and bank details
frozen on its payslips at approval, so they are the same bytes at every
download.  Spreadsheets are
written row by row in a worker thread into a temporary file
(:mod:`api.files.xlsx`; openpyxl for the two with charts), sent,
and deleted.  The bank file shows
account numbers to roles that see personal data; a VIEWER token gets them
masked (``6228***********1234``, file name ending ``-masked``), like every
other personal field it reads.  Every file needs the READ permission: a
WORKER token (电子工资条) gets 403.  Errors are JSON like GraphQL's:
``{"errors": [{"message": …, "extensions": {"code": …}}]}`` with status 400,
401, 403 or 404; 413 ``LIMIT_EXCEEDED`` for a sheet above Excel's row limit;
503 ``DATABASE_BUSY`` (or ``LIMIT_EXCEEDED``, a statement stopped at its
timeout) when the database could not answer in time — nothing was written.
Exports are long work by nature (:func:`api.db.threads.run_long_db`): their
statements are not limited by ``PAYROLL_STATEMENT_TIMEOUT_MS``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import re
import tempfile
from typing import Any, AsyncIterator, Awaitable, Callable

import anyio
import anyio.from_thread
import anyio.to_thread
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from payroll.budget import parse_base_income_growth
from payroll.money import MoneyFormatError
from payroll.periods import Period, PeriodFormatError

from api.access.authentication import Anonymous, principal_of
from api.access.masking import sees_personal_data
from api.access.permissions import Permission, allowed, refusal
from api.access.principal import Principal
from api.db.database import is_postgres
from api.db.threads import run_long_db
from api.errors import BadRequest, DatabaseBusy, Forbidden, LimitExceeded, NotFound, UserErrors
from api.files import run_files
from api.files.payroll_sheets import XLSX_MEDIA_TYPE
from api.files.xlsx import SheetFull
from api.graphql.core.ids import parse_number
from api.reads import run_files as run_reads
from api.reads.reports import report_scope
from api.reads.run_files import AuthorisedRun
from api.settings import Settings

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
#: A year in a query parameter: four ASCII digits (``str.isdigit`` also takes ``²``).
YEAR = re.compile(r"[0-9]{4}")


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"errors": [{"message": message, "extensions": {"code": code}}]}, status_code=status)


class ExportError(Exception):
    """A request that cannot be answered with a file: its status and code."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.response = _error(status, code, message)


async def _in_thread(fn: Callable[..., Any], *args: Any) -> Any:
    """Database work in a worker thread (an export: no statement limit), its
    refusals turned into :class:`ExportError`."""
    try:
        return await run_long_db(fn, *args)
    except Forbidden as exc:
        raise ExportError(403, "FORBIDDEN", exc.message) from None
    except NotFound as exc:
        raise ExportError(404, "NOT_FOUND", exc.message) from None
    except BadRequest as exc:
        raise ExportError(400, "BAD_USER_INPUT", exc.message) from None
    except UserErrors as exc:
        raise ExportError(400, "BAD_USER_INPUT", str(exc)) from None
    except SheetFull as exc:
        raise ExportError(413, "LIMIT_EXCEEDED", str(exc)) from None
    except (DatabaseBusy, LimitExceeded) as exc:
        raise ExportError(503, exc.code, exc.message) from None


async def _principal(request: Request, settings: Settings) -> Principal:
    """The caller, who must have READ: files are whole runs and reports (a
    WORKER token reads its own payslips through GraphQL only)."""
    principal = principal_of(request)
    if principal is None:
        raise ExportError(401, "UNAUTHENTICATED", Anonymous.problem)
    if not allowed(principal, Permission.READ):
        raise ExportError(403, "FORBIDDEN", refusal(principal, Permission.READ))
    return principal


async def _authorised_run(request: Request, settings: Settings) -> tuple[Principal, AuthorisedRun]:
    """The run of the path, if the caller may see it: NOT_FOUND otherwise,
    the same for a run outside its scope and one that does not exist."""
    principal = await _principal(request, settings)
    text = request.path_params["run_id"]
    run_id = parse_number(text)
    found = await _in_thread(run_reads.authorised_run, principal, run_id) if run_id else None
    if found is None:
        shown = text if len(text) <= 30 else text[:30] + "…"
        raise ExportError(404, "NOT_FOUND", f"发放批次 {shown} 不存在 / payroll run {shown} does not exist")
    return principal, found


def _attachment(filename: str) -> dict[str, str]:
    return {"content-disposition": f'attachment; filename="{filename}"'}


_END = object()


async def stream_from_thread(
    header: bytes, produce: Callable[[Callable[[Any], bool]], None], encode: Callable[[Any], bytes] | None = None
) -> AsyncIterator[bytes]:
    """``header``, then what ``produce(emit)`` emits, encoded as it comes.

    ``produce`` runs in one worker thread on one database connection (held
    while the file streams, so one connection's page cache serves the whole
    file) and hands over each item through a one-item buffer; ``emit`` blocks
    while the buffer is full and returns False once the client has gone.
    ``encode`` runs in another thread meanwhile, so the database (in C, mostly
    without the GIL) and numpy overlap; at most three items are in memory.  A
    read that fails ends the response with an error (the client sees a
    truncated transfer), never with a silently short file.
    """
    send, receive = anyio.create_memory_object_stream[object](max_buffer_size=1)
    gone = False

    def emit(item: Any) -> bool:
        nonlocal gone
        if not gone:
            try:
                anyio.from_thread.run(send.send, item)
            except anyio.BrokenResourceError:
                gone = True
        return not gone

    def run() -> None:
        try:
            produce(emit)
            emit(_END)
        except Exception as exc:  # noqa: BLE001 - handed to the response, which fails with it
            emit(exc)
        finally:
            anyio.from_thread.run_sync(send.close)

    failure: list[BaseException] = []

    def finished(task: asyncio.Future) -> None:
        if not task.cancelled() and task.exception() is not None:  # e.g. no connection to be had
            failure.append(task.exception())
            send.close()

    producer = asyncio.ensure_future(run_long_db(run))
    producer.add_done_callback(finished)
    try:
        yield header
        while True:
            try:
                item = await receive.receive()
            except anyio.EndOfStream:
                raise RuntimeError("the export stopped early") from (failure[0] if failure else None)
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise item
            yield item if encode is None else await anyio.to_thread.run_sync(encode, item)
    finally:
        receive.close()


def block_producer(run: AuthorisedRun, fetch: Callable[[AuthorisedRun, int], list[tuple]]
                   ) -> Callable[[Callable[[Any], bool]], None]:
    """Emit a run's rows a block at a time (keyset on the payslip id) until none are left or the client goes."""

    def produce(emit: Callable[[Any], bool]) -> None:
        after = 0
        while rows := fetch(run, after):
            if not emit(rows):
                return
            after = rows[-1][0]

    return produce


def stream_run_csv(run: AuthorisedRun) -> AsyncIterator[bytes]:
    """The payslips CSV of a run (interfaces.md §1): written by PostgreSQL itself
    (``COPY … TO STDOUT``), or fetched and encoded block by block."""
    if is_postgres():
        # If the client goes, emit drops the rest and the COPY runs to its end,
        # which leaves the connection ready for its next user.
        return stream_from_thread(run_files.PAYSLIP_CSV_HEADER,
                                  lambda emit: run_files.copy_payslip_csv(run, emit))
    return stream_from_thread(run_files.PAYSLIP_CSV_HEADER, block_producer(run, run_reads.payslip_block),
                              run_files.encode_payslip_block)


def stream_bank_csv(run: AuthorisedRun, masked: bool) -> AsyncIterator[bytes]:
    numbered = 0

    def encode(rows: list[tuple]) -> bytes:
        nonlocal numbered
        data = run_files.encode_bank_block(rows, numbered + 1, masked)
        numbered += len(rows)
        return data

    return stream_from_thread(run_files.BANK_HEADER, block_producer(run, run_reads.bank_block), encode)


async def xlsx_response(write: Callable[[str], None], filename: str) -> Response:
    """Write a spreadsheet to a temporary file in a worker thread, send it, delete it."""
    handle, path = tempfile.mkstemp(prefix="community-payroll-", suffix=".xlsx")
    os.close(handle)
    try:
        await _in_thread(write, path)
    except BaseException:
        os.unlink(path)
        raise
    return FileResponse(path, media_type=XLSX_MEDIA_TYPE, filename=filename, background=BackgroundTask(os.unlink, path))


# --- query parameters -------------------------------------------------------------------------


def _id_param(request: Request, name: str, type_name: str) -> int | None:
    """``streetId=Street:3`` (the GraphQL id) or ``streetId=3``, checked like every id."""
    value = request.query_params.get(name)
    if value is None or value == "":
        return None
    prefix, _, number = value.rpartition(":")
    pk = parse_number(number) if prefix in ("", type_name) else None
    if pk is None:
        shown = value if len(value) <= 60 else value[:60] + "…"
        raise ExportError(400, "BAD_USER_INPUT", f"{name}：{shown!r} 不是{type_name}的编号 / {name}: {shown!r} is not "
                                                 f"the id of a {type_name}")
    return pk


def _required(request: Request, name: str, example: str) -> str:
    value = request.query_params.get(name)
    if not value:
        raise ExportError(400, "BAD_USER_INPUT", f"缺少查询参数 {name}，如 ?{name}={example} / the query parameter {name} "
                                                 f"is required, e.g. ?{name}={example}")
    return value


def _year(request: Request) -> int:
    text = _required(request, "year", "2027")
    if not YEAR.fullmatch(text) or not 1990 <= int(text) <= 2100:
        raise ExportError(400, "BAD_USER_INPUT", f"year：{text!r} 不是 1990 至 2100 之间的年份 / year: {text!r} is not a "
                                                 "year from 1990 to 2100")
    return int(text)


# --- routes -----------------------------------------------------------------------------------


# Each endpoint takes the request and the settings; export_routes binds the settings.


async def run_csv(request: Request, settings: Settings) -> Response:
    _, run = await _authorised_run(request, settings)
    return StreamingResponse(stream_run_csv(run), media_type=CSV_MEDIA_TYPE,
                             headers=_attachment(f"payroll-{run.period}-run{run.id}.csv"))


async def run_xlsx(request: Request, settings: Settings) -> Response:
    from api.files.payroll_sheets import write_payroll_sheet

    _, run = await _authorised_run(request, settings)
    return await xlsx_response(lambda path: write_payroll_sheet(run, path), f"payroll-{run.period}-run{run.id}.xlsx")


async def payslips_xlsx(request: Request, settings: Settings) -> Response:
    from api.files.payroll_sheets import write_payslips

    _, run = await _authorised_run(request, settings)
    return await xlsx_response(lambda path: write_payslips(run, path), f"payslips-{run.period}-run{run.id}.xlsx")


def _bank_filename(run: AuthorisedRun, masked: bool, extension: str) -> str:
    return f"bank-{run.period}-run{run.id}{'-masked' if masked else ''}.{extension}"


async def bank_csv(request: Request, settings: Settings) -> Response:
    principal, run = await _authorised_run(request, settings)
    masked = not sees_personal_data(principal)
    return StreamingResponse(stream_bank_csv(run, masked), media_type=CSV_MEDIA_TYPE,
                             headers=_attachment(_bank_filename(run, masked, "csv")))


async def bank_xlsx(request: Request, settings: Settings) -> Response:
    from api.files.payroll_sheets import write_bank_file

    principal, run = await _authorised_run(request, settings)
    masked = not sees_personal_data(principal)
    return await xlsx_response(lambda path: write_bank_file(run, path, masked), _bank_filename(run, masked, "xlsx"))


async def contributions_csv(request: Request, settings: Settings) -> Response:
    _, run = await _authorised_run(request, settings)
    data = await _in_thread(run_files.contributions_csv, run)
    return Response(data, media_type=CSV_MEDIA_TYPE, headers=_attachment(f"contributions-{run.period}-run{run.id}.csv"))


async def contributions_xlsx(request: Request, settings: Settings) -> Response:
    from api.files.payroll_sheets import write_contributions

    _, run = await _authorised_run(request, settings)
    return await xlsx_response(lambda path: write_contributions(run, path),
                               f"contributions-{run.period}-run{run.id}.xlsx")


class _Place:
    """The optional ``streetId``, ``communityId`` and ``jurisdictionId`` of a
    report or worker file: the caller's scope narrowed to them, and their label."""

    def __init__(self, request: Request, principal: Principal) -> None:
        self.principal = principal
        self.street = _id_param(request, "streetId", "Street")
        self.community = _id_param(request, "communityId", "Community")
        self.jurisdiction = _id_param(request, "jurisdictionId", "Jurisdiction")

    def scope(self):
        """The report scope (NotFound for a place outside the caller's scope); reads the database."""
        return report_scope(self.principal, self.street, self.community, jurisdiction_id=self.jurisdiction)

    def label(self) -> str:
        from api.files.report_sheets import scope_label

        return scope_label(self.street, self.community, self.jurisdiction)


async def conversion_xlsx(request: Request, settings: Settings) -> Response:
    from api.files.report_sheets import write_conversion
    from api.reads.conversion import conversion

    principal = await _principal(request, settings)
    text = _required(request, "period", "2026-11")
    try:
        period = Period.parse(text)
    except PeriodFormatError as exc:
        raise ExportError(400, "BAD_USER_INPUT", str(exc.text.about("period"))) from None
    place = _Place(request, principal)

    def write(path: str) -> None:
        result = conversion(principal, place.scope(), period)
        titles = {key: post.title for key, post in result.version.posts.items()}
        write_conversion(result, path, place.label(), titles)

    return await xlsx_response(write, f"conversion-{period}.xlsx")


async def budget_xlsx(request: Request, settings: Settings) -> Response:
    from api.files.report_sheets import write_budget
    from api.reads import reports

    principal = await _principal(request, settings)
    year = _year(request)
    growth_text = request.query_params.get("baseIncomeGrowth") or "0"
    try:
        growth = parse_base_income_growth(growth_text)
    except MoneyFormatError as exc:
        raise ExportError(400, "BAD_USER_INPUT", str(exc.text.about("baseIncomeGrowth"))) from None
    place = _Place(request, principal)

    def write(path: str) -> None:
        communities, rows = reports.budget(principal, place.scope(), year, growth)
        write_budget(communities, rows, path, year, growth, place.label())

    return await xlsx_response(write, f"budget-{year}.xlsx")


async def staffing_xlsx(request: Request, settings: Settings) -> Response:
    from api.files.report_sheets import write_staffing
    from api.reads import reports

    principal = await _principal(request, settings)
    text = _required(request, "date", "2026-11-01")
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise ExportError(400, "BAD_USER_INPUT", f"date：{text!r} 不是 YYYY-MM-DD 格式的日期 / date: {text!r} is "
                                                 "not a date YYYY-MM-DD") from None
    place = _Place(request, principal)

    def write(path: str) -> None:
        communities, rows, versions = reports.staffing(principal, place.scope(), day)
        write_staffing(communities, rows, path, day, reports.effective_from(versions), place.label())

    return await xlsx_response(write, f"staffing-{day.isoformat()}.xlsx")


def _workers_filename(place: _Place, masked: bool, extension: str) -> str:
    part = f"-street{place.street}" if place.street else f"-community{place.community}" if place.community else ""
    return f"workers{part}{'-masked' if masked else ''}.{extension}"


async def workers_xlsx(request: Request, settings: Settings) -> Response:
    from api.files.worker_file import write_workers_xlsx
    from api.reads.worker_file import worker_rows

    principal = await _principal(request, settings)
    place = _Place(request, principal)
    masked = not sees_personal_data(principal)
    return await xlsx_response(lambda path: write_workers_xlsx(worker_rows(principal, place.scope()), path),
                               _workers_filename(place, masked, "xlsx"))


async def workers_csv(request: Request, settings: Settings) -> Response:
    from api.files.worker_file import workers_csv_blocks
    from api.reads.worker_file import worker_rows

    principal = await _principal(request, settings)
    place = _Place(request, principal)
    checked = await _in_thread(place.scope)  # a street or community outside the scope: 404 before streaming
    masked = not sees_personal_data(principal)
    blocks = iter(workers_csv_blocks(worker_rows(principal, checked)))
    header = next(blocks)
    stream = stream_from_thread(header, lambda emit: all(emit(block) for block in blocks))
    return StreamingResponse(stream, media_type=CSV_MEDIA_TYPE,
                             headers=_attachment(_workers_filename(place, masked, "csv")))


# {run_id} is any text: checked by parse_number (Starlette's int convertor takes 5,000 digits).
_RUN = "/exports/payroll-runs/{run_id}"
_ENDPOINTS: tuple[tuple[str, Callable[[Request, Settings], Awaitable[Response]]], ...] = (
    (f"{_RUN}.csv", run_csv),
    (f"{_RUN}.xlsx", run_xlsx),
    (f"{_RUN}/payslips.xlsx", payslips_xlsx),
    (f"{_RUN}/bank.csv", bank_csv),
    (f"{_RUN}/bank.xlsx", bank_xlsx),
    (f"{_RUN}/contributions.csv", contributions_csv),
    (f"{_RUN}/contributions.xlsx", contributions_xlsx),
    ("/exports/conversion.xlsx", conversion_xlsx),
    ("/exports/budget.xlsx", budget_xlsx),
    ("/exports/staffing.xlsx", staffing_xlsx),
    ("/exports/workers.xlsx", workers_xlsx),
    ("/exports/workers.csv", workers_csv),
)


def export_routes(settings: Settings) -> list[Route]:
    def bound(build: Callable[[Request, Settings], Awaitable[Response]]) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            try:
                return await build(request, settings)
            except ExportError as exc:
                return exc.response

        return endpoint

    return [Route(path, bound(build), methods=["GET"]) for path, build in _ENDPOINTS]
