"""Payroll runs: create (compute and store a month in one transaction),
approve, mark paid, delete a draft; and the explanation of a stored payslip.

Creating a run for month ``P`` over a scope:

1. loads the scope's workers in service during ``P`` (one query), their
   assessments (two) and their year-to-date totals — the latest payslip of the
   year, or the opening balances (one);
2. refuses the run when a worker was in service last month but has no payslip
   for it (months must be run in order, or the income tax would be wrong), or
   already has a payslip for ``P`` in another run;
3. computes the month with the engine for the whole population at once;
4. inserts the run and its payslips in bulk (binary COPY on PostgreSQL).

All of it happens in one transaction: a failure leaves no run and no payslip.
``(period, scope)`` is unique in the database, and so is ``(worker, period)``
for payslips, so two processes racing to create the same run give one run.
"""

from __future__ import annotations

import contextlib
import json
import logging
from dataclasses import dataclass
from typing import Any, Iterator, Sequence, Union

import numpy as np
import peewee as pw

from payroll import codes
from payroll.corrections import BackPayDetail
from payroll.periods import NO_END_DAY, Period
from payroll.policy import NoVersionInForce
from payroll.texts import Text

from api.access import scopes
from api.access.permissions import Permission, require
from api.access.principal import Principal
from api.db import pgcopy
from api.db.bulk import driver_errors
from api.db.database import database, is_postgres
from api.db.jurisdictions import JurisdictionTree
from api.db.models import (
    PAYSLIP_FROZEN,
    PAYSLIP_MONEY,
    Community,
    Jurisdiction,
    PayrollRun,
    PayrollRunPlace,
    Payslip,
    Street,
    Worker,
    utcnow,
)
from api.errors import ErrorCode, Forbidden, UserErrors
from api.reads.months import ComputedMonth, compute_scope_month
from api.reads.policies import no_policy_in_force, require_active_policy
from api.reads.population import Scope
from api.reads.run_files import PLACE_LABELS, CodedText, frozen_values, place_labels
from api.services import audit
from api.services.lookups import jurisdiction_to_change, visible

logger = logging.getLogger(__name__)

#: Payslip columns in the order they are inserted.
PAYSLIP_COLUMNS = (
    "run_id", "worker_id", "community_id", "street_id", "period", "post", "grade", "counted_years", "days",
    *PAYSLIP_MONEY,
    "service_start", "service_end", "prior_service_years", "incompetent_years", "education", "certificate",
    "certificate_date", "assessment", "special_deduction_monthly", "previous_monthly_pay", "tax_basic_deduction",
    "bonus_tax_method", "back_pay_detail",
    "prior_tax_months", "prior_income", "prior_deductions", "prior_tax", "prior_reserve",
    "ytd_tax_months", "ytd_income", "ytd_deductions", "ytd_tax", "ytd_reserve",
    *PAYSLIP_FROZEN,
)
_SQLITE_BATCH = 400  # rows per INSERT: 60 columns × 400 stays under SQLite's 32,766 variables


def resolve_scope(principal: Principal, street_id: int | None, community_id: int | None,
                  action: Text, jurisdiction_id: int | None = None) -> tuple[Scope, Text]:
    """The scope of an operation and its label, checked against the
    principal, with the jurisdiction whose policy pays it.

    Without a street, community or jurisdiction: the whole of the one
    jurisdiction with a policy the principal holds (the city, in a one-city
    installation); with several, the caller must name one."""
    if sum(x is not None for x in (street_id, community_id, jurisdiction_id)) > 1:
        raise UserErrors.one("scope", ErrorCode.INVALID, "只能给出辖区、街道或社区之一 / give a jurisdiction, a street or a "
                                                         "community, not several")
    tree = JurisdictionTree.load()
    if community_id is not None:
        community = visible(Community, community_id, principal, "communityId")
        home = _home_of(tree, Street.get_by_id(community.street_id).jurisdiction_id)
        return (Scope("COMMUNITY", community.street_id, community.id, home),
                Text(f"{community.name}（{community.code}）", f"{community.name} ({community.code})"))
    if street_id is not None:
        street = visible(Street, street_id, principal, "streetId", scopes.whole_streets(principal))
        return (Scope("STREET", street.id, jurisdiction_id=_home_of(tree, street.jurisdiction_id)),
                Text(f"{street.name}（{street.code}）", f"{street.name} ({street.code})"))
    if jurisdiction_id is None and principal.restricted and not principal.jurisdiction_ids:
        raise Forbidden(f"{action.zh}：全市范围须用不限范围或限定辖区的令牌，请指定街道或社区 / {action.en}: a city-wide scope "
                        "needs a token without a scope or limited to jurisdictions; give a street or a community")
    home = _home_to_run(principal, tree, jurisdiction_id)
    domain = tree.domain(home.id)
    if domain == frozenset(tree.parents):
        # Every jurisdiction is paid under this policy (a one-city installation).
        return Scope("CITY", jurisdiction_id=home.id), Text("全市", "the city")
    return (Scope("CITY", jurisdiction_id=home.id, jurisdictions=domain),
            Text(f"{home.name}（{home.code}）", f"{home.name} ({home.code})"))


def _home_of(tree: JurisdictionTree, jurisdiction_id: int) -> int:
    """The jurisdiction whose policy pays ``jurisdiction_id``'s streets (INVALID_STATE when none)."""
    home = tree.policy_home(jurisdiction_id)
    if home is None:
        raise no_policy_in_force()
    return home


def _home_to_run(principal: Principal, tree: JurisdictionTree, jurisdiction_id: int | None) -> Jurisdiction:
    """The jurisdiction a whole-jurisdiction scope runs: the one named (it must
    have a policy of its own), else the only one with a policy the principal holds."""
    if jurisdiction_id is not None:
        named = jurisdiction_to_change(principal, jurisdiction_id)
        home = _home_of(tree, named.id)
        if home != named.id:
            owner = Jurisdiction.get_by_id(home)
            raise UserErrors.one(
                "jurisdictionId", ErrorCode.INVALID,
                f"jurisdictionId：{named.name}没有自己的政策，按{owner.name}（{owner.code}）的政策发放：请为{owner.name}生成批次，"
                f"或按街道生成 / jurisdictionId: {named.name} has no policy of its own and is paid under the policy of "
                f"{owner.name} ({owner.code}): run {owner.name}, or run its streets")
        return named
    held = tree.homes() if not principal.restricted else [
        h for h in tree.homes() if h in principal.jurisdiction_ids]
    if len(held) > 1:
        raise UserErrors.one("jurisdictionId", ErrorCode.REQUIRED, f"jurisdictionId：{len(held)} 个辖区各有政策，请指定辖区 / "
                             f"jurisdictionId: {len(held)} jurisdictions have policies of their own; name one")
    if not held:
        raise no_policy_in_force()
    return Jurisdiction.get_by_id(held[0])


def create_run(principal: Principal, period: Period, street_id: int | None, community_id: int | None,
               jurisdiction_id: int | None = None) -> PayrollRun:
    require(principal, Permission.PREPARE_PAYROLL)
    with database.atomic():
        scope, label = resolve_scope(principal, street_id, community_id, Text("新建发放批次", "creating a payroll run"),
                                     jurisdiction_id)
        existing = PayrollRun.get_or_none((PayrollRun.period == str(period)) & (PayrollRun.scope_key == scope.key)
                                          & (PayrollRun.jurisdiction == scope.jurisdiction_id))
        if existing is not None:
            raise UserErrors.one(
                "period", ErrorCode.DUPLICATE,
                f"period：{label.zh} {period} 的发放批次已存在（批次 {existing.id}，{existing.status}）/ period: a payroll "
                f"run for {period} over {label.en} already exists (run {existing.id}, {existing.status})",
            )
        _check_earlier_drafts(principal, period, scope)
        record, policy = require_active_policy(scope.jurisdiction_id)
        try:
            version = policy.version_for(period)
        except NoVersionInForce as exc:
            raise UserErrors.one("period", ErrorCode.INVALID_STATE, str(exc.text.about("period"))) from None
        computed = compute_scope_month(scope, period, record, policy)
        result = computed.result
        paid = np.flatnonzero(result.paid)
        if len(paid):
            clashes = list(
                Payslip.select(Payslip.worker, Payslip.run)
                .where((Payslip.period == str(period)) & Payslip.worker.in_(computed.workers))
                .order_by(Payslip.worker)
                .limit(5)
                .tuples()
            )
            if clashes:
                worker_codes = {w.id: w.code for w in Worker.select(Worker.id, Worker.code).where(Worker.id.in_([c[0] for c in clashes]))}
                seen = _visible_runs(principal, [r for _, r in clashes])
                described = ", ".join(f"{worker_codes[w]} (run {r})" if r in seen else worker_codes[w] for w, r in clashes)
                described_zh = "、".join(f"{worker_codes[w]}（批次 {r}）" if r in seen else worker_codes[w]
                                        for w, r in clashes)
                raise UserErrors.one(
                    "period", ErrorCode.DUPLICATE,
                    f"period：{label.zh}的部分工作者已有 {period} 的工资条：{described_zh} / period: some workers of "
                    f"{label.en} already have a payslip for {period}: {described}",
                )
        totals = {
            name: int(result.column(name)[paid].sum())
            for name in ("gross", "net", "income_tax", "employer_cost")
        }
        totals["employee_contributions"] = int(result.employee_contributions[paid].sum())
        try:
            run = PayrollRun.create(
                period=str(period),
                scope_type=scope.type,
                street=scope.street_id,
                community=scope.community_id,
                scope_key=scope.key,
                jurisdiction=record.jurisdiction_id,
                policy=record,
                policy_effective_from=version.effective_from,
                policy_document=record.document,
                payslip_count=len(paid),
                created_by=principal.name,
                **totals,
            )
        except pw.IntegrityError:
            raise UserErrors.one("period", ErrorCode.DUPLICATE, f"period：{label.zh} {period} 的发放批次已存在 / period: a "
                                                               f"payroll run for {period} over {label.en} already exists") \
                from None
        try:
            insert_payslips(run.id, period, computed, paid)
            _insert_places(run.id, computed, paid)
        except pw.IntegrityError:
            raise UserErrors.one(
                "period", ErrorCode.DUPLICATE, f"period：{label.zh}的部分工作者已有 {period} 的工资条（在另一批次）/ period: "
                f"some workers of {label.en} already have a payslip for {period} (another run)"
            ) from None
        audit.record(principal, "createPayrollRun", "PayrollRun", run.id, None, audit.snapshot(run))
    if is_postgres() and len(paid) >= ANALYZE_AFTER_PAYSLIPS:
        _analyze_payslips()
    return run


def _insert_places(run_id: int, computed: ComputedMonth, paid: np.ndarray) -> None:
    """The run's streets and communities with their codes and names as the records say now."""
    loaded = computed.loaded
    pairs = zip(loaded.street_ids[paid].tolist(), loaded.community_ids[paid].tolist())
    rows = [{"run": run_id, "street": s, "community": c, **dict(zip(PLACE_LABELS, labels))}
            for s, c, *labels in place_labels(pairs)]
    for batch in pw.chunked(rows, 500):
        PayrollRunPlace.insert_many(batch).execute()


#: After a run this large, PostgreSQL's statistics of the payslip table are
#: refreshed at once instead of when autovacuum gets to it: with stale
#: statistics the planner picked sequential scans for the exports' keyset
#: blocks (0.8 s a block instead of 68 ms).
ANALYZE_AFTER_PAYSLIPS = 10_000


def _analyze_payslips() -> None:
    try:
        database.execute_sql('ANALYZE "payslip"')
    except pw.DatabaseError:  # the run is committed; autovacuum will analyze later
        logger.warning("ANALYZE payslip failed after a large payroll run", exc_info=True)


def _visible_runs(principal: Principal, run_ids: list[int]) -> set[int]:
    """The runs among ``run_ids`` the principal may see: only those are named
    in messages (issue 11: a run outside the scope is never named)."""
    query = PayrollRun.select(PayrollRun.id).where(PayrollRun.id.in_(run_ids))
    return {r for (r,) in scopes.restrict(query, PayrollRun, principal).tuples()}


def _check_earlier_drafts(principal: Principal, period: Period, scope: Scope) -> None:
    """A month builds on the months before it, so earlier drafts of the same
    year that overlap the scope must be approved (or deleted) first."""
    drafts = PayrollRun.select().where(
        (PayrollRun.status == "DRAFT")
        & (PayrollRun.period >= f"{period.year:04d}-01")
        & (PayrollRun.period < str(period))
    )
    for draft in drafts:
        if _overlap(scope, draft):
            seen = _visible_runs(principal, [draft.id])
            named, named_zh = (f"the draft run {draft.id}", f"草稿批次 {draft.id} ") if seen else ("a draft run", "一个草稿批次")
            raise UserErrors.one(
                "period", ErrorCode.INVALID_STATE,
                f"period：{draft.period} 的{named_zh}含有相同的工作者，请先审核或删除它，再计算之后的月份 / period: "
                f"{named} for {draft.period} covers some of the same workers; approve or delete it "
                "before running a later month",
            )


def _overlap(scope: Scope, run: PayrollRun) -> bool:
    if scope.jurisdiction_id is not None and scope.jurisdiction_id != run.jurisdiction_id:
        # Paid under another policy, so the streets differ now; but a county that
        # has just got a policy of its own may still have workers in a draft of
        # the city's: that draft's payslips tell.
        condition = scope.condition()
        places = Community.select(Community.id) if condition is None else Community.select(Community.id).where(condition)
        return Payslip.select(Payslip.id).where((Payslip.run == run.id) & Payslip.community.in_(places)).exists()
    if scope.type == "CITY" or run.scope_type == "CITY":
        return True
    run_street = run.street_id
    if run.scope_type == "COMMUNITY" and run_street is None:
        run_street = Community.get_by_id(run.community_id).street_id
    if scope.type == "STREET" and run.scope_type == "STREET":
        return scope.street_id == run.street_id
    if scope.type == "COMMUNITY" and run.scope_type == "COMMUNITY":
        return scope.community_id == run.community_id
    return scope.street_id == run_street


@dataclass(frozen=True)
class Masked:
    """Integers (or day numbers, for a date column) with NULL where ``null``."""

    values: np.ndarray
    null: np.ndarray


def _coded(values: list, table: Sequence[str | None] | None = None) -> CodedText:
    """A text column (None is NULL) as a table and positions, from Python values."""
    table = list(table) if table is not None else sorted(set(values), key=lambda v: (v is not None, v or ""))
    position = {t: i for i, t in enumerate(table)}
    return CodedText(table, np.fromiter((position[v] for v in values), dtype=np.int64, count=len(values)))


PayslipColumn = Union[np.ndarray, Masked, CodedText]


def payslip_columns(run_id: int, period: Period, computed: ComputedMonth, paid: np.ndarray
                    ) -> dict[str, PayslipColumn]:
    """The payslip rows of the paid workers, column by column, without a
    Python object per row: integers and day numbers as arrays (``Masked``
    where a column can be NULL), texts as tables of values and positions."""
    loaded, result, before, after = computed.loaded, computed.result, computed.state_before, computed.state_after
    pop = loaded.population
    n = len(paid)

    def take(array: np.ndarray) -> np.ndarray:
        return array[paid]

    certificate, certificate_day = take(pop.certificate), take(pop.certificate_day)
    end_day, previous_pay, bonus_method = take(pop.end_day), take(pop.previous_pay), take(pop.bonus_tax_method)
    return {
        "run_id": np.full(n, run_id, dtype=np.int64),
        "worker_id": take(loaded.worker_ids),
        "community_id": take(loaded.community_ids),
        "street_id": take(loaded.street_ids),
        "period": CodedText([str(period)], np.zeros(n, dtype=np.int64)),
        "post": CodedText(list(pop.post_keys), take(result.post)),
        "grade": take(result.grade),
        "counted_years": take(result.counted_years),
        "days": take(result.days),
        **{name: take(result.column(name)) for name in PAYSLIP_MONEY},
        "service_start": take(pop.start_day),
        "service_end": Masked(end_day, end_day == NO_END_DAY),
        "prior_service_years": take(pop.year_adjustment + loaded.incompetent_years),
        "incompetent_years": take(loaded.incompetent_years),
        "education": CodedText(list(codes.EDUCATION), take(pop.education)),
        "certificate": CodedText(list(codes.CERTIFICATE), certificate),
        "certificate_date": Masked(certificate_day, (certificate == 0) | (certificate_day == NO_END_DAY)),
        "assessment": _coded([loaded.assessments[i] for i in paid.tolist()], (None, *codes.ASSESSMENT)),
        "special_deduction_monthly": take(pop.special_deduction),
        "previous_monthly_pay": Masked(previous_pay, previous_pay == 0),
        "tax_basic_deduction": CodedText(list(codes.TAX_BASIC_DEDUCTION), take(pop.tax_basic_deduction)),
        # −1 (no choice) is the table's last entry, None.
        "bonus_tax_method": CodedText([*codes.BONUS_TAX_METHOD, None],
                                      np.where(bonus_method < 0, len(codes.BONUS_TAX_METHOD), bonus_method)),
        "back_pay_detail": _coded(back_pay_detail_texts(computed.back_pay_detail, paid)),
        "prior_tax_months": take(before.tax_months),
        "prior_income": take(before.income),
        "prior_deductions": take(before.deductions),
        "prior_tax": take(before.tax),
        "prior_reserve": take(before.reserve),
        "ytd_tax_months": take(after.tax_months),
        "ytd_income": take(after.income),
        "ytd_deductions": take(after.deductions),
        "ytd_tax": take(after.tax),
        "ytd_reserve": take(after.reserve),
        **frozen_values(computed.workers, take(loaded.worker_ids), take(pop.ids).tolist()),
    }


def back_pay_detail_texts(detail: BackPayDetail, paid: np.ndarray) -> list[str | None]:
    """Each paid worker's §13 months as JSON ``[[period, old, new], …]`` (None without back pay)."""
    texts: list[str | None] = [None] * len(paid)
    if not len(detail.worker):
        return texts
    row = {int(worker): i for i, worker in enumerate(paid.tolist())}
    months: dict[int, list] = {}
    for worker, period, old, new in zip(detail.worker.tolist(), detail.period.tolist(), detail.old.tolist(),
                                        detail.new.tolist()):
        months.setdefault(worker, []).append([str(Period.from_index(period)), old, new])
    for worker, entries in months.items():
        if worker in row:
            texts[row[worker]] = json.dumps(entries)
    return texts


def insert_payslips(run_id: int, period: Period, computed: ComputedMonth, paid: np.ndarray) -> None:
    """Bulk insert: binary COPY on PostgreSQL, batched executemany on SQLite."""
    if not len(paid):
        return
    columns = payslip_columns(run_id, period, computed, paid)
    if is_postgres():
        _copy_postgres(columns, len(paid))
        return
    lists = [_sqlite_values(columns[name], _FIELD_TYPES[name]) for name in PAYSLIP_COLUMNS]
    rows = list(zip(*lists))
    sql = f'INSERT INTO "payslip" ({", ".join(f"{chr(34)}{c}{chr(34)}" for c in PAYSLIP_COLUMNS)}) VALUES ({", ".join("?" * len(PAYSLIP_COLUMNS))})'
    cursor = database.cursor()
    with driver_errors(), _without_sqlite_insert_lock_trigger(cursor, run_id):
        for start in range(0, len(rows), 10_000):
            cursor.executemany(sql, rows[start : start + 10_000])


#: Each payslip column's type as the model declares it (the migrations match the models: a test checks).
_FIELD_TYPES = {field.column_name: field.field_type for field in Payslip._meta.sorted_fields}


def _iso_dates(days: np.ndarray) -> list[str]:
    """Day numbers as ISO dates (how peewee stores dates in SQLite)."""
    return days.astype("datetime64[D]").astype(str).tolist()


def _sqlite_values(column: PayslipColumn, field_type: str) -> list:
    if isinstance(column, CodedText):
        return column.values()
    values, null = (column.values, column.null) if isinstance(column, Masked) else (column, None)
    out = _iso_dates(values) if field_type == "DATE" else values.tolist()
    if null is not None:
        for i in np.flatnonzero(null).tolist():
            out[i] = None
    return out


@contextlib.contextmanager
def _without_sqlite_insert_lock_trigger(cursor: Any, run_id: int) -> Iterator[None]:
    """Insert a new run's payslips without SQLite's per-row lock trigger.

    The trigger that refuses payslips of approved or paid runs fires once per
    row in SQLite (PostgreSQL checks once per statement) and was a third of a
    100,000-worker run.  The payslips inserted here belong to the DRAFT run
    created in this same transaction, so the trigger is dropped for the
    insert and created again before the transaction can commit: DDL is
    transactional in SQLite, this transaction holds the write lock (no other
    writer can insert meanwhile), and readers keep seeing the schema with the
    trigger until the commit, which has it again.  If anything fails, the
    rollback restores it too."""
    found = cursor.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'payslip_locked_insert'"
    ).fetchone()
    status = cursor.execute('SELECT "status" FROM "payroll_run" WHERE "id" = ?', (run_id,)).fetchone()
    if found is None or status is None or status[0] != "DRAFT":
        yield  # nothing to lift, or not a draft: let the trigger (if any) judge every row
        return
    cursor.execute('DROP TRIGGER "payslip_locked_insert"')
    try:
        yield
    finally:
        cursor.execute(found[0])


def _copy_postgres(columns: dict[str, PayslipColumn], rows: int) -> None:
    encoded = []
    for name in PAYSLIP_COLUMNS:
        column, field_type = columns[name], _FIELD_TYPES[name]
        if isinstance(column, CodedText):
            encoded.append(pgcopy.TextColumn(column.table, column.index))
            continue
        values, null = (column.values, column.null) if isinstance(column, Masked) else (column, None)
        kind = {"DATE": pgcopy.DateColumn, "INT": pgcopy.Int4Column, "BIGINT": pgcopy.Int8Column}[field_type]
        encoded.append(kind(values, null))
    cursor = database.cursor()
    names = ", ".join(f'"{c}"' for c in PAYSLIP_COLUMNS)
    with driver_errors():
        pgcopy.StreamReader(pgcopy.stream(encoded, rows)).copy(
            cursor, f'COPY "payslip" ({names}) FROM STDIN WITH (FORMAT binary)')


def _transition(principal: Principal, run_id: int, version_status: str, new_status: str, operation: str) -> PayrollRun:
    with database.atomic():
        run = visible(PayrollRun, run_id, principal, "id")
        if run.status != version_status:
            zh = "审核" if new_status == "APPROVED" else "标记为已发放"
            raise UserErrors.one(
                "id", ErrorCode.INVALID_STATE,
                f"id：{run.period} 的发放批次 {run.id} 状态为 {run.status}，只有 {version_status} 状态的批次可以{zh} / id: "
                f"payroll run {run.id} for {run.period} is {run.status}; only a {version_status} run can be "
                f"{'approved' if new_status == 'APPROVED' else 'marked paid'}",
            )
        before = audit.snapshot(run)
        now = utcnow()
        changes = {"status": new_status}
        if new_status == "APPROVED":
            _refresh_frozen_values(run.id)
            changes.update(approved_by=principal.name, approved_at=now)
        else:
            changes.update(paid_by=principal.name, paid_at=now)
        updated = PayrollRun.update(**changes).where((PayrollRun.id == run.id) & (PayrollRun.status == version_status)).execute()
        if updated != 1:
            raise UserErrors.one("id", ErrorCode.CONFLICT, f"id：发放批次 {run.id} 已被他人修改，请重新读取 / id: payroll "
                                                           f"run {run.id} was changed by someone else; reload it")
        run = PayrollRun.get_by_id(run.id)
        audit.record(principal, operation, "PayrollRun", run.id, before, audit.snapshot(run))
    return run


#: Where each frozen column comes from: the worker (``w``) for payslips, the
#: street (``s``) and community (``c``) for the run's places.
_FROZEN_SOURCES = {"worker_code": 'w."code"', "worker_name": 'w."name"', "bank_name": 'w."bank_name"',
                   "bank_account": 'w."bank_account"'}
_PLACE_SOURCES = {"street_code": 's."code"', "street_name": 's."name"', "community_code": 'c."code"',
                  "community_name": 'c."name"'}


def _refresh_frozen_values(run_id: int) -> None:
    """Approval fixes what the run's files print: the workers' codes, names and
    bank details and the names of the streets and communities paid for are
    taken from the records once more, while the run is still a draft (after
    that the database refuses any change to its payslips and places).  Only
    rows whose values changed since the run was computed are written.

    The run's row is claimed first (an UPDATE that changes nothing but locks
    it), so a second approval at the same time waits and then finds the run
    approved."""
    claimed = PayrollRun.update(status="DRAFT").where((PayrollRun.id == run_id) & (PayrollRun.status == "DRAFT")).execute()
    if claimed != 1:
        raise UserErrors.one("id", ErrorCode.CONFLICT, f"id：发放批次 {run_id} 已被他人修改，请重新读取 / id: payroll run {run_id} "
                             "was changed by someone else; reload it")
    _update_from("payslip", _FROZEN_SOURCES, '"worker" AS w', 'w."id" = t."worker_id"', run_id)
    _update_from("payroll_run_place", _PLACE_SOURCES, '"street" AS s, "community" AS c',
                 's."id" = t."street_id" AND c."id" = t."community_id"', run_id)


def _update_from(table: str, sources: dict[str, str], tables: str, join: str, run_id: int) -> None:
    """``UPDATE table SET column = source … FROM tables`` for a run's rows whose values differ."""
    different = "IS DISTINCT FROM" if is_postgres() else "IS NOT"
    placeholder = "%s" if is_postgres() else "?"
    assignments = ", ".join(f'"{name}" = {source}' for name, source in sources.items())
    targets = ", ".join(f't."{name}"' for name in sources)
    database.execute_sql(
        f'UPDATE "{table}" AS t SET {assignments} FROM {tables} WHERE t."run_id" = {placeholder} AND {join} '
        f'AND ({targets}) {different} ({", ".join(sources.values())})',
        (run_id,),
    )


def approve_run(principal: Principal, run_id: int) -> PayrollRun:
    require(principal, Permission.APPROVE_PAYROLL)
    return _transition(principal, run_id, "DRAFT", "APPROVED", "approvePayrollRun")


def mark_run_paid(principal: Principal, run_id: int) -> PayrollRun:
    require(principal, Permission.APPROVE_PAYROLL)
    return _transition(principal, run_id, "APPROVED", "PAID", "markPayrollRunPaid")


def delete_draft_run(principal: Principal, run_id: int) -> PayrollRun:
    """Delete a DRAFT run and its payslips (to recompute after fixing records)."""
    require(principal, Permission.PREPARE_PAYROLL)
    with database.atomic():
        run = visible(PayrollRun, run_id, principal, "id")
        if run.status != "DRAFT":
            raise UserErrors.one(
                "id", ErrorCode.INVALID_STATE,
                f"id：{run.period} 的发放批次 {run.id} 状态为 {run.status}，已审核和已发放的批次不能更改 / id: payroll run "
                f"{run.id} for {run.period} is {run.status}; approved and paid runs never change",
            )
        later = PayrollRun.select().where(
            (PayrollRun.period > run.period) & (PayrollRun.period <= f"{run.period[:4]}-12")
        )
        scope = Scope(run.scope_type, run.street_id, run.community_id, run.jurisdiction_id)
        for other in later:
            if _overlap(scope, other):
                seen = _visible_runs(principal, [other.id])
                named, named_zh = (f"run {other.id}", f"批次 {other.id} ") if seen else ("a run", "一个批次")
                raise UserErrors.one(
                    "id", ErrorCode.INVALID_STATE,
                    f"id：{other.period} 的{named_zh}是在此批次基础上计算的，请先删除它 / id: {named} for "
                    f"{other.period} was computed from this one; delete it first",
                )
        before = audit.snapshot(run)
        Payslip.delete().where(Payslip.run == run.id).execute()
        run.delete_instance()
        audit.record(principal, "deletePayrollRun", "PayrollRun", run_id, before, None)
    return run
