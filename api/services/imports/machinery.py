"""The machinery every import shares: headings, the report, the error policy,
one transaction, and the audit entries.

An import reads a file (:mod:`api.services.imports.sheets`), finds the heading row
and maps each heading — Chinese or English — to a field, then hands the rows
to an :class:`Importer` (communities, workers, assessments in
:mod:`api.services.imports`).  The importer *plans* every row first, a batch
of rows at a time as the file is read, reading what a batch needs in a few
bulk queries and validating with the same rules as the API; the plan says for
each row whether it would be created, updated, left unchanged or refused, and
why.  Only then is anything written: all the accepted rows in one
transaction, or nothing at all when the error policy is ``REJECT_ALL`` and a
row was refused, or when it is a dry run.

Memory stays bounded whatever the file: rows are read one at a time within
the limits of :mod:`api.services.imports.bounds`, the plans of rows to write
wait in a temporary file (:class:`_Spool`) rather than in memory, and the
report keeps a few small facts per row.  The import polls whether its client
is still there and stops, writing nothing, when it is not.

Audit: one summary entry for the import (``record_type`` ``Import``; the
file's name, SHA-256 and counts) plus one entry per record created or
changed, with the record before and after, exactly like the entries of the
mutations — so a worker's history shows the import that changed its bank
account.  All of them carry the same ``request_id`` (the HTTP request's, or
``import-…`` from the command line), which is also the summary's
``record_id``.  Unchanged rows write nothing, so re-importing a file leaves
the database, audit log included, as it was.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import io
import itertools
import json
import pickle
import re
import tempfile
import uuid
from dataclasses import dataclass, field
from typing import IO, Any, Callable, Iterable, Iterator, Protocol, Sequence, TypedDict

import peewee as pw

from payroll.texts import Text, split_message

from api.access.principal import Principal
from api.db.database import database, is_postgres
from api.db.models import AuditEntry, utcnow
from api.files.headings import Column
from api.services import audit
from api.services.imports.bounds import Cancelled, FileFormatError, ImportCancelled, Watch
from api.services.imports.sheets import Progress, Sheet, read_sheet
from api.settings import ImportLimits


class ErrorPolicy(enum.Enum):
    #: Any refused row rejects the whole file: nothing is written.
    REJECT_ALL = "REJECT_ALL"
    #: Refused rows are left out; the other rows are written.
    REJECT_FAILED_ROWS = "REJECT_FAILED_ROWS"


class Action(enum.Enum):
    CREATED = "CREATED"
    UPDATED = "UPDATED"
    UNCHANGED = "UNCHANGED"
    REFUSED = "REFUSED"


@dataclass(frozen=True, slots=True)
class Problem:
    """A refused row's reason (or a file-level problem when ``row`` is None)."""

    row: int | None
    #: The column heading as written in the file (or the standard one).
    column: str | None
    code: str
    message: str


@dataclass(slots=True)
class RowResult:
    row: int
    #: The row's key: worker code, identity number or community code.
    key: str | None
    action: Action
    #: Headings of the columns that change (updates) — empty otherwise.
    changed: list[str] = field(default_factory=list)


@dataclass
class ImportReport:
    """What an import did (or, for a dry run, would do), row by row."""

    kind: str
    file_name: str
    dry_run: bool
    error_policy: ErrorPolicy
    format: str | None = None
    sheet: str | None = None
    encoding: str | None = None
    #: Row number of the heading row.
    heading_row: int | None = None
    #: Heading in the file → field it was read as.
    columns: dict[str, str] = field(default_factory=dict)
    rows: list[RowResult] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    written: bool = False
    import_id: str | None = None

    def count(self, action: Action) -> int:
        return sum(1 for r in self.rows if r.action is action)

    @property
    def created(self) -> int:
        return self.count(Action.CREATED)

    @property
    def updated(self) -> int:
        return self.count(Action.UPDATED)

    @property
    def unchanged(self) -> int:
        return self.count(Action.UNCHANGED)

    @property
    def refused(self) -> int:
        return self.count(Action.REFUSED)

    @property
    def file_problems(self) -> list[Problem]:
        return [p for p in self.problems if p.row is None]

    @property
    def rejected(self) -> bool:
        """Nothing is (or would be) written because of errors."""
        if self.file_problems:
            return True
        if not self.refused:
            return False
        return self.error_policy is ErrorPolicy.REJECT_ALL or self.refused == len(self.rows)

    def summary(self) -> str:
        """One line for people: what happened, in Chinese and English."""
        return str(self.summary_text())

    def summary_text(self) -> Text:
        """:meth:`summary` with its two halves apart."""
        zh = f"新增 {self.created}，更新 {self.updated}，未变 {self.unchanged}，拒绝 {self.refused}"
        en = (f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged, "
              f"{self.refused} refused")
        if self.file_problems:
            problem = split_message(self.file_problems[0].message)
            return Text(f"文件被拒绝，未写入任何数据：{problem.zh}", f"file rejected, nothing written: {problem.en}")
        if self.rejected:
            verb = "将被拒绝" if self.dry_run else "被拒绝"
            return Text(f"文件{verb}，未写入任何数据（{zh}）",
                        f"file {'would be ' if self.dry_run else ''}rejected, nothing written ({en})")
        if self.dry_run:
            return Text(f"试运行，未写入：{zh}", f"dry run, nothing written: {en}")
        return Text(zh, en)


class RowError(Exception):
    """Raised while planning a row: the row is refused for this reason."""

    def __init__(self, column: str | None, code: str, message: str):
        super().__init__(message)
        self.column = column
        self.code = code
        self.message = message


# --- headings --------------------------------------------------------------------------------

_BRACKETED_SUFFIX = re.compile(r"[（(][^（()）]*[）)]$")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_SEPARATORS = re.compile(r"[\s\u3000\-_/]+")


def normalise_heading(value: Any) -> str:
    """``"参加工作时间（年-月-日）"`` → ``"参加工作时间"``, ``"serviceStart"`` and
    ``"Service start"`` → ``"service_start"``; a leading ``*`` (required mark) goes."""
    text = str(value).strip().lstrip("*＊").strip()
    while True:
        stripped = _BRACKETED_SUFFIX.sub("", text).strip()
        if stripped == text or not stripped:
            break
        text = stripped
    text = _CAMEL.sub("_", text)
    return _SEPARATORS.sub("_", text).strip("_").lower()


#: Headings that are expected in HR sheets and carry nothing to import.
IGNORED_HEADINGS = frozenset({"序号", "no", "#", "行号"})


@dataclass
class Headings:
    """The heading row found in a file and what each column is."""

    row_index: int  # index into the first rows of the file
    #: Position in the row → column.
    positions: dict[int, Column]
    #: Field → the heading text as written in the file.
    written: dict[str, str]


#: Rows searched for the heading row (a title row or two may come first).
HEADING_SEARCH_ROWS = 10


def find_headings(head: Sequence[tuple[int, list[Any]]], columns: Sequence[Column], report: ImportReport
                  ) -> Headings | None:
    """Find the heading row among the first rows ``head`` (a title row may come first)."""
    index: dict[str, Column] = {}
    for column in columns:
        for name in (column.field, column.heading, column.api_field or column.field, *column.aliases):
            index[normalise_heading(name)] = column
    for row_index, (number, cells) in enumerate(head[:HEADING_SEARCH_ROWS]):
        known = [c for c in cells if c is not None and normalise_heading(c) in index]
        filled = [c for c in cells if c is not None and str(c).strip()]
        if len(known) >= 2 or (known and len(filled) == 1):
            break
    else:
        expected = "、".join(c.heading for c in columns[:6])
        report.problems.append(Problem(None, None, "INVALID",
                                       f"找不到表头行 / no heading row found in the first rows: expected headings such "
                                       f"as {expected} (or their English names)"))
        return None
    positions: dict[int, Column] = {}
    written: dict[str, str] = {}
    for position, cell in enumerate(cells):
        if cell is None or not str(cell).strip():
            continue
        heading = str(cell).strip()
        column = index.get(normalise_heading(heading))
        if column is None:
            if normalise_heading(heading) not in IGNORED_HEADINGS:
                report.warnings.append(Problem(number, heading, "IGNORED",
                                               f"未知的列，已忽略 / unknown column {heading!r} was ignored"))
            continue
        if column.field in written:
            report.problems.append(Problem(None, heading, "DUPLICATE",
                                           f"列“{written[column.field]}”和“{heading}”是同一项 / columns "
                                           f"{written[column.field]!r} and {heading!r} both give {column.field}"))
            continue
        positions[position] = column
        written[column.field] = heading
    report.heading_row = number
    report.columns = {heading: field_name for field_name, heading in written.items()}
    return Headings(row_index, positions, written)


@dataclass(slots=True)
class Row:
    """A data row: its number and the raw cell of each column present."""

    number: int
    cells: dict[str, Any]


def data_rows(rows: Iterator[tuple[int, list[Any]]], headings: Headings) -> Iterator[Row]:
    """The rows after the heading row, with the cells of the known columns only."""
    positions = list(headings.positions.items())
    for number, cells in rows:
        values = {column.field: cells[position] if position < len(cells) else None for position, column in positions}
        if any(v is not None and (not isinstance(v, str) or v.strip()) for v in values.values()):
            yield Row(number, values)


# --- planning and writing --------------------------------------------------------------------


@dataclass(slots=True)
class Plan:
    """What to do with one row."""

    row: int
    key: str | None
    action: Action
    changed: list[str] = field(default_factory=list)
    #: Importer-specific data needed to write the row (kept on disk between planning and writing).
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DuplicateRule:
    """Rows that name the same thing twice are all refused (which one is right is the user's call).

    ``group`` gives a plan's value (None: not checked); ``what`` names it in the
    message; ``label`` shows the value (default: the value itself);
    ``among_accepted``: only rows not refused by an earlier rule or their own errors count."""

    group: Callable[[Plan], Any]
    column: str
    what: str
    label: Callable[[Plan], Any] | None = None
    among_accepted: bool = False


class Importer(Protocol):
    kind: str
    operation: str
    columns: Sequence[Column]

    def check_headings(self, headings: Headings) -> list[str]:
        """File-level problems with the columns present (e.g. no key column)."""

    def begin(self, headings: Headings, report: ImportReport) -> None:
        """Read what any row may refer to (small tables), before the first batch."""

    def plan(self, rows: list[Row], report: ImportReport, progress: Progress | None) -> list[Plan]:
        """Plan a batch of rows (reads only); refused rows carry their problems in the report."""

    def duplicate_rules(self) -> Sequence[DuplicateRule]:
        """What no two rows may name, in the order the rules apply."""

    def finish(self, report: ImportReport) -> None:
        """After the last batch: notes about the whole file."""

    def write(self, plans: list[Plan], log: AuditLog, progress: Progress | None) -> None:
        """Write a batch of created and updated rows (inside the import's transaction)."""

    def options(self) -> dict[str, Any]:
        """Options worth keeping in the summary audit entry."""


class ConcurrentChange(Exception):
    """A record changed between planning and writing: the import is rolled back."""


class AuditLog:
    """Audit entries of one import, inserted a batch at a time."""

    def __init__(self, principal: Principal, import_id: str):
        self.principal = principal
        self.import_id = import_id
        self.entries: list[dict[str, Any]] = []

    def add(self, operation: str, record_type: str, record_id: Any, before: dict | None, after: dict | None) -> None:
        self.entries.append({
            "at": utcnow(),
            "actor": self.principal.name,
            "role": self.principal.role.value,
            "operation": operation,
            "record_type": record_type,
            "record_id": str(record_id),
            "before": None if before is None else json.dumps(before, ensure_ascii=False, sort_keys=True),
            "after": None if after is None else json.dumps(after, ensure_ascii=False, sort_keys=True),
            "request_id": self.import_id,
        })

    def flush(self) -> None:
        insert_in_batches(AuditEntry, self.entries)
        self.entries = []


def insert_in_batches(model: type[pw.Model], rows: list[dict[str, Any]]) -> None:
    """INSERT many rows (dicts with the same keys, names of fields of ``model``).

    One prepared statement run over all rows (``executemany``; on PostgreSQL
    ``execute_values``, a few hundred rows per statement): peewee's
    ``insert_many`` builds the SQL value by value, which costs more than the
    insert itself — 20,000 workers took eight seconds that way.
    """
    if not rows:
        return
    db = database.obj
    # Every column but the generated id; the model's defaults fill what a row does not give.
    fields = [f for f in model._meta.sorted_fields if not isinstance(f, pw.AutoField)]
    defaults = {f.name: f.default for f in fields if f.name not in rows[0]}
    table = f'"{model._meta.table_name}"'  # double quotes: an identifier in SQLite and PostgreSQL alike
    columns = ", ".join(f'"{f.column_name}"' for f in fields)
    values = []
    for row in rows:
        given = {**{k: v() if callable(v) else v for k, v in defaults.items()}, **row} if defaults else row
        values.append(tuple(f.db_value(given[f.name]) for f in fields))
    cursor = db.cursor()
    if is_postgres():
        from psycopg2.extras import execute_values

        execute_values(cursor, f"INSERT INTO {table} ({columns}) VALUES %s", values, page_size=500)
    else:
        cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({', '.join('?' * len(fields))})", values)


def snapshots_in(model: type[pw.Model], field: pw.Field, keys: Iterable[Any]) -> list[dict[str, Any]]:
    """:func:`audit.snapshot` of the rows whose ``field`` is among ``keys``,
    without building a model object per row."""
    foreign = {name for name, f in model._meta.fields.items() if isinstance(f, pw.ForeignKeyField)}

    def json_ready(value: Any) -> Any:
        return value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else value

    return [
        {(f"{name}_id" if name in foreign else name): json_ready(value) for name, value in row.items()}
        for row in select_in(model.select().dicts(), field, keys)
    ]


def select_in(query: pw.ModelSelect, field: pw.Field, keys: Iterable[Any], size: int = 900) -> list[Any]:
    """The rows of ``query`` whose ``field`` is among ``keys``, a few hundred keys per query.

    The ``IN`` list is written as one SQL fragment with its parameters: peewee
    builds a node per value otherwise, which took longer than the queries.
    """
    param = database.obj.param
    column = f'"{field.column_name}"'  # the queries here read one table
    found: list[Any] = []
    for chunk in pw.chunked(sorted(set(keys)), size):
        chunk = [field.db_value(key) for key in chunk]
        found.extend(query.where(pw.SQL(f"{column} IN ({', '.join([param] * len(chunk))})", chunk)))
    return found


class _Duplicates:
    """The values each :class:`DuplicateRule` has seen, and the rows that gave them.

    Only the first row of a value is kept until a second one comes (the file
    may have a hundred thousand rows)."""

    def __init__(self, rules: Sequence[DuplicateRule]):
        self.rules = rules
        self.first: list[dict[Any, tuple[int, Any]]] = [{} for _ in rules]
        self.more: list[dict[Any, list[tuple[int, Any]]]] = [{} for _ in rules]

    def add(self, plan: Plan) -> None:
        for rule, first, more in zip(self.rules, self.first, self.more):
            group = rule.group(plan)
            if group is None:
                continue
            label = rule.label(plan) if rule.label else group
            if group in first:
                more.setdefault(group, [first[group]]).append((plan.row, label))
            else:
                first[group] = (plan.row, label)

    def refuse(self, report: ImportReport, refused: set[int]) -> set[int]:
        """Report every row of a repeated value; returns the rows refused by the rules."""
        by_rules: set[int] = set()
        for rule, more in zip(self.rules, self.more):
            for group, members in more.items():
                if rule.among_accepted:
                    members = [m for m in members if m[0] not in refused and m[0] not in by_rules]
                    if len(members) < 2:
                        continue
                rows = [m[0] for m in members]
                label = members[0][1]
                for row in rows:
                    report.problems.append(Problem(
                        row, rule.column, "DUPLICATE",
                        f"{rule.what} {label} 在第 {'、'.join(map(str, rows))} 行重复出现，请只保留一行 / {rule.what} "
                        f"{label} appears in rows {', '.join(map(str, rows))}: keep one",
                    ))
                by_rules.update(rows)
        return by_rules


class _Spool:
    """Planned rows to write, pickled to a temporary file a batch at a time
    between planning and writing, so memory holds one batch, not the file."""

    def __init__(self) -> None:
        self.file = tempfile.TemporaryFile()
        self.batches = 0

    def add(self, plans: list[Plan]) -> None:
        if plans:
            pickle.dump(plans, self.file, protocol=pickle.HIGHEST_PROTOCOL)
            self.batches += 1

    def __iter__(self) -> Iterator[list[Plan]]:
        self.file.seek(0)
        for _ in range(self.batches):
            yield pickle.load(self.file)

    def close(self) -> None:
        self.file.close()


#: Rows planned (and written) together: a few queries per batch, little memory.
BATCH = 2000


def _sha256(handle: IO[bytes]) -> str:
    digest = hashlib.sha256()
    handle.seek(0)
    while chunk := handle.read(1 << 20):
        digest.update(chunk)
    handle.seek(0)
    return digest.hexdigest()


class ImportOptions(TypedDict, total=False):
    """The options of every import, as :func:`run_import` takes them (its
    defaults apply to those left out); the importers' entry points pass them on."""

    dry_run: bool
    error_policy: ErrorPolicy
    sheet: str | None
    progress: Progress | None
    limits: ImportLimits | None
    cancelled: Cancelled | None


def run_import(
    principal: Principal,
    importer: Importer,
    data: bytes | IO[bytes],
    file_name: str,
    *,
    dry_run: bool = False,
    error_policy: ErrorPolicy = ErrorPolicy.REJECT_ALL,
    sheet: str | None = None,
    progress: Progress | None = None,
    limits: ImportLimits | None = None,
    cancelled: Cancelled | None = None,
) -> ImportReport:
    """Read, plan and (unless it is a dry run or rejected) write one import.

    ``data`` is the file's bytes or a binary file that can seek (an upload's
    temporary file): it is read a block at a time within ``limits``.
    ``cancelled`` is asked every few hundred rows; when it says so the import
    stops and writes nothing (its report says why)."""
    report = ImportReport(importer.kind, file_name, dry_run, error_policy)
    handle = io.BytesIO(data) if isinstance(data, (bytes, bytearray)) else data
    watch = Watch(limits or ImportLimits(), cancelled)
    spool = _Spool()
    try:
        table = read_sheet(handle, file_name, sheet, progress, watch)
        with table:
            _plan_and_write(principal, importer, table, handle, report, spool, watch, progress)
    except (FileFormatError, ImportCancelled) as exc:
        # Found part way through the file: what the rows read so far said does
        # not matter any more; nothing is written.
        report.rows, report.written, report.import_id = [], False, None
        report.problems = [Problem(None, None, getattr(exc, "code", "CANCELLED"), str(exc))]
    finally:
        spool.close()
    report.problems.sort(key=lambda p: (p.row or 0))
    return report


def _plan_and_write(principal: Principal, importer: Importer, table: Sheet, handle: IO[bytes], report: ImportReport,
                    spool: _Spool, watch: Watch, progress: Progress | None) -> None:
    report.format, report.sheet, report.encoding = table.format, table.sheet_name, table.encoding
    report.warnings.extend(Problem(None, None, "NOTE", w) for w in table.warnings)
    rows = table.rows()
    head = list(itertools.islice(rows, HEADING_SEARCH_ROWS))
    headings = find_headings(head, importer.columns, report)
    if headings is None or report.file_problems:
        return
    for message in importer.check_headings(headings):
        report.problems.append(Problem(None, None, "REQUIRED", message))
    if report.file_problems:
        return
    remaining = data_rows(itertools.chain(head[headings.row_index + 1:], rows), headings)
    import_id = audit.request_id.get() or f"import-{uuid.uuid4().hex[:12]}"
    with database.atomic() as transaction:
        importer.begin(headings, report)
        duplicates = _Duplicates(importer.duplicate_rules())
        while batch := list(itertools.islice(remaining, BATCH)):
            watch.poll()
            plans = importer.plan(batch, report, progress)
            for plan in plans:
                report.rows.append(RowResult(plan.row, plan.key, plan.action, plan.changed))
                duplicates.add(plan)
            spool.add([p for p in plans if p.action in (Action.CREATED, Action.UPDATED)])
        if not report.rows:
            report.problems.append(Problem(None, None, "REQUIRED", "表头下没有数据行 / there are no rows below the headings"))
            return
        refused = {r.row for r in report.rows if r.action is Action.REFUSED}
        by_rules = duplicates.refuse(report, refused)
        for result in report.rows:
            if result.row in by_rules:
                result.action, result.changed = Action.REFUSED, []
        importer.finish(report)
        if report.dry_run or report.rejected or not (report.created or report.updated):
            return
        log = AuditLog(principal, import_id)
        to_write, written = report.created + report.updated, 0
        try:
            for plans in spool:
                watch.poll()
                accepted = [p for p in plans if p.row not in by_rules]
                if accepted:
                    importer.write(accepted, log, progress)
                    log.flush()
                    written += len(accepted)
                    if progress is not None:
                        progress("write", written, to_write)
        except ConcurrentChange as exc:
            transaction.rollback()
            report.problems.append(Problem(None, None, "CONFLICT", str(exc)))
            return
        except pw.IntegrityError as exc:
            # Someone created the same code or identity number since the rows were checked.
            transaction.rollback()
            report.problems.append(Problem(None, None, "CONFLICT",
                                           "数据库拒绝写入（可能有人同时修改了相同记录），未写入任何数据，请重新导入 / the "
                                           f"database refused the rows ({' '.join(str(exc).split())}); nothing was "
                                           "written: run the import again"))
            return
        log.add(importer.operation, "Import", import_id, None, {
            "file": table.file_name,
            "sha256": _sha256(handle),
            "format": table.format,
            "sheet": table.sheet_name,
            "errorPolicy": report.error_policy.value,
            "rows": len(report.rows),
            "created": report.created,
            "updated": report.updated,
            "unchanged": report.unchanged,
            "refused": report.refused,
            **importer.options(),
        })
        log.flush()
        report.written = True
        report.import_id = import_id
