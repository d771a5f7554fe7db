"""Importing communities, workers and assessments from CSV and Excel files.

The columns may be headed in Chinese or English (``工号`` or ``worker_id``,
``参加工作时间`` or ``service_start`` …, see the ``*_COLUMNS`` below), in any
order; a title row above the headings is skipped.  Rows are matched to what
is stored — communities by code, workers by 工号 or, when the 工号 cell is
blank, by 身份证号 — and every row goes through the same validation as the
API (:func:`api.services.records.validate_worker_for`, itself the payroll
engine's validator, and :func:`api.services.records.community_columns`).

Rules a user can rely on:

- A column absent from the file leaves that field as stored; a blank cell in
  a column that is present means "not given" (the default, or empty), as in
  the workers CSV of interfaces.md.  So a file with just 工号 and 银行账号
  updates bank accounts, and re-importing a file changes nothing.
- A row whose 工号 is new but whose 身份证号 belongs to another worker is
  refused (a typo in the 工号 must not create a second record of a person).
- Rows that name the same worker (or community) twice are all refused: which
  one is right is for the user to say.
- Streets are never created by an import: a community naming an unknown
  street is refused (a typo would otherwise create a street, and HR tokens may
  not create streets).  Create the street first (``createStreet``).
- HR tokens import only inside their scope; rows outside it are refused.
- The 年度考核 column of a workers file records the assessment of
  ``assessment_year`` (default: this year); a blank cell leaves it alone.

See :mod:`api.services.imports.machinery` for the dry run, the error policy, the
transaction and the audit entries.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Callable

from payroll import codes
from payroll.money import MoneyFormatError, parse_fen

from api.access import scopes
from api.access.permissions import Permission, require
from api.access.principal import Principal
from api.db.models import Assessment, Community, Street, Worker, utcnow
from api.errors import UserErrors
from api.reads.policies import active_policy
from api.services import audit, records
from api.services.imports.machinery import (
    Action,
    AuditLog,
    Column,
    ConcurrentChange,
    ErrorPolicy,
    Headings,
    ImportReport,
    Plan,
    Problem,
    Row,
    insert_in_batches,
    refuse_duplicates,
    run_import,
    select_in,
    snapshots_in,
)
from api.services.imports.sheets import CellError, Progress, date_text, digits, money_text, period_text, text, whole

__all__ = [
    "ASSESSMENT_COLUMNS", "COMMUNITY_COLUMNS", "WORKER_COLUMNS", "Action", "ErrorPolicy", "ImportReport",
    "import_assessments", "import_communities", "import_workers",
]

_PROGRESS_EVERY = 1000

# --- columns -------------------------------------------------------------------------------

COMMUNITY_COLUMNS = (
    Column("code", "社区代码", ("community_id", "社区编号", "社区编码", "code", "community_code"), "code"),
    Column("name", "社区名称", ("name", "名称", "社区", "community_name"), "name"),
    Column("street", "街道", ("street", "所属街道", "街道名称", "街道代码", "街道办事处", "street_code", "street_id"), "streetId"),
    Column("households", "户数", ("households", "总户数", "住户数"), "households"),
    Column("population", "人口", ("population", "常住人口", "人口数", "居民人数", "residents"), "population"),
)

WORKER_COLUMNS = (
    Column("code", "工号", ("worker_id", "code", "worker_code", "人员编号", "职工编号", "编号"), "code"),
    Column("id_number", "身份证号", ("id_number", "身份证号码", "身份证", "公民身份号码", "id_card"), "idNumber"),
    Column("name", "姓名", ("name",), "name"),
    Column("community", "社区代码", ("community_id", "community", "community_code", "社区", "所属社区", "社区编号",
                                     "社区编码"), "communityId"),
    Column("post", "岗位", ("post", "计薪岗位", "岗位类别"), "post"),
    Column("service_start", "参加工作时间", ("service_start", "参加社区工作时间", "参加社区工作日期", "入职日期", "入职时间"),
           "serviceStart"),
    Column("service_end", "离职日期", ("service_end", "离职时间", "最后工作日"), "serviceEnd"),
    Column("prior_service_years", "认定工作年限", ("prior_service_years", "此前工作年限", "认定工龄", "此前工龄"),
           "priorServiceYears"),
    Column("education", "学历", ("education", "最高学历"), "education"),
    Column("certificate", "证书", ("certificate", "职业资格", "职业资格证书", "社工证"), "certificate"),
    Column("certificate_date", "证书登记日期", ("certificate_date", "证书日期", "取证日期", "取证时间", "发证日期"),
           "certificateDate"),
    Column("incompetent_years_before", "不称职年数", ("incompetent_years", "incompetent_years_before"),
           "incompetentYearsBefore"),
    Column("assessment", "年度考核", ("assessment", "考核结果", "考核", "年度考核结果")),
    Column("special_deduction_monthly", "专项附加扣除", ("special_deduction_monthly", "每月专项附加扣除"),
           "specialDeductionMonthly"),
    Column("previous_monthly_pay", "套改前月工资", ("previous_monthly_pay", "原月工资"), "previousMonthlyPay"),
    Column("opening_through", "期初截至月份", ("opening_through", "原系统发放至"), "openingThrough"),
    Column("opening_months", "期初已计税月数", ("opening_months", "期初月数"), "openingMonths"),
    Column("opening_income", "期初累计收入", ("opening_income",), "openingIncome"),
    Column("opening_deductions", "期初累计扣除", ("opening_deductions",), "openingDeductions"),
    Column("opening_tax", "期初已预扣税额", ("opening_tax", "期初累计已预扣税额", "期初已缴税额"), "openingTax"),
    Column("opening_reserve", "期初绩效预留", ("opening_reserve", "期初未发绩效"), "openingReserve"),
    Column("phone", "手机", ("phone", "手机号", "手机号码", "电话", "联系电话"), "phone"),
    Column("bank_name", "开户行", ("bank_name", "bank", "开户银行"), "bankName"),
    Column("bank_account", "银行账号", ("bank_account", "银行卡号", "账号", "卡号"), "bankAccount"),
)

ASSESSMENT_COLUMNS = (
    Column("code", "工号", ("worker_id", "code", "worker_code", "人员编号", "职工编号", "编号"), "workerId"),
    Column("id_number", "身份证号", ("id_number", "身份证号码", "身份证", "公民身份号码"), "idNumber"),
    Column("name", "姓名", ("name",), "name"),
    Column("result", "考核结果", ("result", "assessment", "年度考核", "考核", "年度考核结果", "等次", "考核等次"), "result"),
    Column("year", "年度", ("year", "考核年度"), "year"),
)

_MONEY_FIELDS = ("special_deduction_monthly", "previous_monthly_pay", "opening_income", "opening_deductions",
                 "opening_tax", "opening_reserve")
_WHOLE_FIELDS = ("prior_service_years", "incompetent_years_before", "opening_months")
_DATE_FIELDS = ("service_start", "service_end", "certificate_date")
#: Worker fields that :func:`records.validate_worker_for` checks and stores.
_VALIDATED = ("name", "id_number", "phone", "bank_name", "bank_account", *_WHOLE_FIELDS, *_DATE_FIELDS,
              *_MONEY_FIELDS, "post", "education", "certificate", "opening_through")


# --- coded values ----------------------------------------------------------------------------


def _value_key(value: str) -> str:
    return re.sub(r"[\s\u3000]+", "", value).upper()


def _choices(labels: dict[str, str], extra: dict[str, str]) -> dict[str, str]:
    table = {code: code for code in labels}
    table.update({label: code for code, label in labels.items()})
    table.update(extra)
    return {_value_key(k): v for k, v in table.items()}


EDUCATION_VALUES = _choices(codes.EDUCATION_LABELS, {
    "高中": "SECONDARY", "中专": "SECONDARY", "初中": "SECONDARY", "小学": "SECONDARY", "职高": "SECONDARY",
    "技校": "SECONDARY", "高中及以下": "SECONDARY", "中专及以下": "SECONDARY", "高中/中专": "SECONDARY",
    "高中（中专）": "SECONDARY", "专科": "JUNIOR_COLLEGE", "大学专科": "JUNIOR_COLLEGE", "高职": "JUNIOR_COLLEGE",
    "大学本科": "BACHELOR", "学士": "BACHELOR", "研究生": "MASTER", "硕士研究生": "MASTER", "博士研究生": "DOCTOR",
})
CERTIFICATE_VALUES = _choices(codes.CERTIFICATE_LABELS, {
    "无证书": "NONE", "没有": "NONE", "否": "NONE",
    "助理社会工作师证": "ASSISTANT_SOCIAL_WORKER", "助理社工师": "ASSISTANT_SOCIAL_WORKER",
    "社会工作师证": "SOCIAL_WORKER", "社工师": "SOCIAL_WORKER", "中级社会工作师": "SOCIAL_WORKER",
    "高级社会工作师证": "SENIOR_SOCIAL_WORKER", "高级社工师": "SENIOR_SOCIAL_WORKER",
})
ASSESSMENT_VALUES = _choices(codes.ASSESSMENT_LABELS, {})


def _choice(raw: Any, table: dict[str, str], labels: dict[str, str], what: str) -> str | None:
    value = text(raw)
    if value is None:
        return None
    code = table.get(_value_key(value))
    if code is None:
        options = "、".join(f"{label}（{code}）" for code, label in labels.items())
        raise CellError(f"“{value}”不是可用的{what} / {value!r} is not a known {what}: use one of {options}")
    return code


def _post_values() -> tuple[dict[str, str], tuple[str, ...] | None]:
    """The active policy's posts by key and by title (正职, 书记, 副主任 …), and its post keys."""
    policy = active_policy()
    if policy is None:
        return {}, None
    names: dict[str, set[str]] = {}

    def add(name: str, key: str) -> None:
        if name.strip():
            names.setdefault(_value_key(name), set()).add(key)

    for version in policy.versions:
        for key, post in version.posts.items():
            add(key, key)
            add(post.title, key)
            add(re.split(r"[（(]", post.title, maxsplit=1)[0], key)
            bracket = re.search(r"[（(]([^）)]*)[）)]", post.title)
            if bracket:
                for part in re.split(r"[、,，/]", bracket.group(1)):
                    add(part, key)
    # A name that could mean two posts is no name at all.
    return {name: next(iter(keys)) for name, keys in names.items() if len(keys) == 1}, policy.post_keys


# --- helpers -------------------------------------------------------------------------------


_MESSAGE_PREFIX = re.compile(r"^worker [^:]*: (?:[a-zA-Z]+: )?")


def _plain(message: str) -> str:
    """``worker W001: serviceStart: '2012-13-01' is …`` → ``'2012-13-01' is …`` (the report names row and column)."""
    return _MESSAGE_PREFIX.sub("", message)


def _money(raw: Any) -> int | None:
    value = money_text(raw)
    if value is None:
        return None
    try:
        return parse_fen(value)
    except MoneyFormatError as exc:
        raise CellError(str(exc)) from None


class _Headed:
    """Column headings as the file writes them (or the standard Chinese ones)."""

    columns: tuple[Column, ...]
    headings: Headings

    def heading(self, field: str) -> str:
        written = self.headings.written.get(field)
        if written:
            return written
        return next(c.heading for c in self.columns if c.field == field)

    def heading_for_api(self, api_field: str | None) -> str | None:
        """The heading of the column a record service's error names (``serviceStart`` → 参加工作时间)."""
        if api_field is None:
            return None
        api_field = {"workerId": "code"}.get(api_field, api_field)  # the engine's name for the 工号
        for column in self.columns:
            if column.api_field == api_field or column.field == api_field:
                return self.heading(column.field)
        return api_field

    def convert(self, row: Row, converters: dict[str, Callable[[Any, str], Any]]) -> tuple[dict[str, Any], list]:
        values: dict[str, Any] = {}
        errors: list[tuple[str | None, str, str]] = []
        for field_name, raw in row.cells.items():
            try:
                values[field_name] = converters[field_name](raw, self.heading(field_name))
            except CellError as exc:
                errors.append((self.heading(field_name), "INVALID", str(exc)))
        return values, errors

    def convert_all(self, rows: list[Row], converters: dict[str, Callable[[Any, str], Any]],
                    progress: Progress | None) -> list[tuple[Row, dict[str, Any], list]]:
        converted = []
        for i, row in enumerate(rows, start=1):
            converted.append((row, *self.convert(row, converters)))
            _progress(progress, "prepare", i, len(rows))
        return converted


def _plan(row: Row, key: str | None, errors: list, report: ImportReport, **data: Any) -> Plan | None:
    """A refused plan when there are errors (and the errors go into the report)."""
    if not errors:
        return None
    for column, code, message in errors:
        report.problems.append(Problem(row.number, column, code, message))
    return Plan(row.number, key, Action.REFUSED, data=data)


def _progress(progress: Progress | None, stage: str, done: int, total: int) -> None:
    if progress is not None and (done % _PROGRESS_EVERY == 0 or done == total):
        progress(stage, done, total)


def _require_writer(principal: Principal, action: str) -> None:
    require(principal, Permission.EDIT_RECORDS)


class ImportScope:
    """What an import may touch, read once with the scope conditions of
    :mod:`api.access.scopes` (the rows of a file are checked against sets)."""

    def __init__(self, principal: Principal):
        restricted = principal.restricted
        self.communities = (None if not restricted
                            else {c for (c,) in Community.select(Community.id).where(scopes.communities(principal)).tuples()})
        self.streets = (None if not restricted
                        else {s for (s,) in Street.select(Street.id).where(scopes.whole_streets(principal)).tuples()})

    def community(self, community_id: int) -> bool:
        return self.communities is None or community_id in self.communities

    def street(self, street_id: int) -> bool:
        return self.streets is None or street_id in self.streets


def _year_out_of_range(kind: str, file_name: str, dry_run: bool, error_policy: ErrorPolicy, year: int) -> ImportReport:
    report = ImportReport(kind, file_name, dry_run, error_policy)
    report.problems.append(Problem(None, None, "INVALID", f"年度 {year} 超出范围（1990–2100）/ year {year} is out of range "
                                                          "(1990–2100)"))
    return report


# --- communities ---------------------------------------------------------------------------


class CommunityImporter(_Headed):
    kind = "communities"
    operation = "importCommunities"
    columns = COMMUNITY_COLUMNS

    def __init__(self, principal: Principal):
        self.principal = principal
        self.scope = ImportScope(principal)

    def options(self) -> dict[str, Any]:
        return {}

    def check_headings(self, headings: Headings) -> list[str]:
        if "code" not in headings.written:
            return ["缺少“社区代码”列 / the file needs a 社区代码 (community_id) column"]
        return []

    def plan(self, rows: list[Row], headings: Headings, report: ImportReport, progress: Progress | None) -> list[Plan]:
        self.headings = headings
        converters: dict[str, Callable[[Any, str], Any]] = {
            "code": lambda raw, h: text(raw),
            "name": lambda raw, h: text(raw),
            "street": lambda raw, h: text(raw),
            "households": whole,
            "population": whole,
        }
        streets = list(Street.select())
        street_by_code = {s.code: s for s in streets}
        street_by_name: dict[str, list[Street]] = {}
        for s in streets:
            street_by_name.setdefault(s.name, []).append(s)
        converted = self.convert_all(rows, converters, progress)
        existing = {c.code: c for c in select_in(Community.select(), Community.code,
                                                 [v["code"] for _, v, _ in converted if v.get("code")])}
        plans = []
        for i, (row, values, errors) in enumerate(converted, start=1):
            plans.append(self._plan_row(row, values, errors, existing, street_by_code, street_by_name, report))
            _progress(progress, "check", i, len(converted))
        refuse_duplicates(plans, lambda p: p.data.get("code"), self.heading("code"), "社区代码", report)
        return plans

    def _plan_row(self, row, values, errors, existing, street_by_code, street_by_name, report) -> Plan:
        code = values.get("code")
        community = existing.get(code) if code else None  # a blank code is refused by community_columns
        street = None
        if "street" in values:
            reference = values["street"]
            if reference is None:
                errors.append((self.heading("street"), "REQUIRED", "街道不能为空 / 街道 (street) is required"))
            else:
                street = street_by_code.get(reference)
                named = street_by_name.get(reference, [])
                if street is None and len(named) == 1:
                    street = named[0]
                if street is None:
                    known = "、".join(sorted(f"{s.name}（{s.code}）" for s in street_by_code.values()))
                    errors.append((self.heading("street"), "NOT_FOUND",
                                   f"街道“{reference}”不存在，请先新建街道 / street {reference!r} does not exist (imports "
                                   f"do not create streets; create it first with createStreet). Known: {known or '—'}"))
        elif community is None:
            errors.append((self.heading("street"), "REQUIRED", "新社区需要街道 / a new community needs its 街道 (street)"))
        if community is not None and not self.scope.community(community.id):
            errors.append((self.heading("code"), "FORBIDDEN",
                           f"社区 {code} 不在本令牌范围内 / community {code} is outside this token's scope"))
        elif street is not None and (community is None or street.id != community.street_id) \
                and not self.scope.street(street.id):
            errors.append((self.heading("street"), "FORBIDDEN",
                           f"街道 {street.name} 不在本令牌范围内 / street {street.name} is outside this token's scope"))
        fields = {k: v for k, v in values.items() if k in ("code", "name", "households", "population")}
        if community is None:
            fields.setdefault("name", None)
        for key in ("households", "population"):
            if key in fields and fields[key] is None:
                fields[key] = 0  # a blank cell: not given, the default
        checked: list = []
        columns = records.community_columns(fields, checked)
        errors.extend((self.heading_for_api(e.field), e.code.value, e.message) for e in checked)
        refused = _plan(row, code, errors, report, code=code)
        if refused:
            return refused
        if community is None:
            columns.update(street=street.id)
            return Plan(row.number, code, Action.CREATED, data={"code": code, "columns": columns})
        changes = {k: v for k, v in columns.items() if getattr(community, k) != v}
        if street is not None and street.id != community.street_id:
            changes["street"] = street.id
        changed = [self.heading(k) for k in changes]
        action = Action.UPDATED if changes else Action.UNCHANGED
        return Plan(row.number, code, action, changed, data={"code": code, "record": community, "changes": changes})

    def write(self, plans: list[Plan], log: AuditLog, progress: Progress | None) -> None:
        now = utcnow()
        new = [p for p in plans if p.action is Action.CREATED]
        insert_in_batches(Community, [{**p.data["columns"], "created_at": now, "updated_at": now} for p in new])
        for after in snapshots_in(Community, Community.code, [p.data["code"] for p in new]):
            log.add("importCommunity", "Community", after["id"], None, after)
        updates = [p for p in plans if p.action is Action.UPDATED]
        for plan in updates:
            record = plan.data["record"]
            count = (Community.update(**plan.data["changes"], version=record.version + 1, updated_at=now)
                     .where((Community.id == record.id) & (Community.version == record.version)).execute())
            if count != 1:
                raise ConcurrentChange(f"社区 {record.code} 在导入期间被修改，未写入任何数据，请重新导入 / community "
                                       f"{record.code} was changed by someone else during the import; nothing was "
                                       "written: run the import again")
        after = {a["id"]: a for a in snapshots_in(Community, Community.id, [p.data["record"].id for p in updates])}
        for plan in updates:
            record = plan.data["record"]
            log.add("importCommunity", "Community", record.id, audit.snapshot(record), after[record.id])


def import_communities(
    principal: Principal,
    data: bytes,
    file_name: str,
    *,
    dry_run: bool = False,
    error_policy: ErrorPolicy = ErrorPolicy.REJECT_ALL,
    sheet: str | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Create and update communities from a file (matched by 社区代码)."""
    _require_writer(principal, "importing communities")
    return run_import(principal, CommunityImporter(principal), data, file_name, dry_run=dry_run,
                      error_policy=error_policy, sheet=sheet, progress=progress)


# --- workers -------------------------------------------------------------------------------


class WorkerImporter(_Headed):
    kind = "workers"
    operation = "importWorkers"
    columns = WORKER_COLUMNS

    def __init__(self, principal: Principal, assessment_year: int):
        self.principal = principal
        self.scope = ImportScope(principal)
        self.assessment_year = assessment_year

    def options(self) -> dict[str, Any]:
        return {"assessmentYear": self.assessment_year}

    def check_headings(self, headings: Headings) -> list[str]:
        if "code" not in headings.written and "id_number" not in headings.written:
            return ["缺少“工号”或“身份证号”列 / the file needs a 工号 (worker_id) or 身份证号 (id_number) column"]
        return []

    def _converters(self) -> dict[str, Callable[[Any, str], Any]]:
        posts = self.posts

        def id_number(raw: Any, heading: str) -> str | None:
            value = digits(raw, heading)
            return value.upper() if value else None

        def post(raw: Any, heading: str) -> str | None:
            value = text(raw)
            return posts.get(_value_key(value), value) if value else None

        converters: dict[str, Callable[[Any, str], Any]] = {
            "code": lambda raw, h: text(raw),
            "name": lambda raw, h: text(raw),
            "community": lambda raw, h: text(raw),
            "bank_name": lambda raw, h: text(raw),
            "id_number": id_number,
            "phone": digits,
            "bank_account": digits,
            "post": post,
            "opening_through": lambda raw, h: period_text(raw),
            "education": lambda raw, h: _choice(raw, EDUCATION_VALUES, codes.EDUCATION_LABELS, h),
            "certificate": lambda raw, h: _choice(raw, CERTIFICATE_VALUES, codes.CERTIFICATE_LABELS, h),
            "assessment": lambda raw, h: _choice(raw, ASSESSMENT_VALUES, codes.ASSESSMENT_LABELS, h),
        }
        converters.update({f: (lambda raw, h: date_text(raw)) for f in _DATE_FIELDS})
        converters.update({f: whole for f in _WHOLE_FIELDS})
        converters.update({f: (lambda raw, h: _money(raw)) for f in _MONEY_FIELDS})
        return converters

    def plan(self, rows: list[Row], headings: Headings, report: ImportReport, progress: Progress | None) -> list[Plan]:
        self.headings = headings
        self.posts, self.post_keys = _post_values()
        converters = self._converters()
        converted = self.convert_all(rows, converters, progress)
        # Everything the rows refer to, in a few queries (never one per row).
        communities = list(Community.select())
        self.community_by_id = {c.id: c for c in communities}
        self.community_by_code = {c.code: c for c in communities}
        self.community_by_name: dict[str, list[Community]] = {}
        for c in communities:
            self.community_by_name.setdefault(c.name, []).append(c)
        self.by_code = {w.code: w for w in select_in(Worker.select(), Worker.code,
                                                     [v["code"] for _, v, _ in converted if v.get("code")])}
        # Identity numbers not already those of the workers matched by 工号 (on a
        # re-import, none): to match blank-工号 rows and to catch numbers held by others.
        unmatched = [v["id_number"] for _, v, _ in converted if v.get("id_number")
                     and getattr(self.by_code.get(v.get("code")), "id_number", None) != v["id_number"]]
        self.by_id_number = {w.id_number: w for w in self.by_code.values() if w.id_number}
        self.by_id_number.update({w.id_number: w for w in select_in(Worker.select(), Worker.id_number, unmatched)})
        self.assessments: dict[int, Assessment] = {}
        if "assessment" in headings.written:
            known = {w.id for w in self.by_code.values()} | {w.id for w in self.by_id_number.values()}
            self.assessments = {a.worker_id: a for a in select_in(
                Assessment.select().where(Assessment.year == self.assessment_year), Assessment.worker, known)}
        plans = []
        for i, (row, values, errors) in enumerate(converted, start=1):
            plans.append(self._plan_row(row, values, errors, report))
            _progress(progress, "check", i, len(converted))
        refuse_duplicates(plans, lambda p: p.data.get("code"), self.heading("code"), "工号", report)
        refuse_duplicates(plans, lambda p: p.data.get("id_number"), self.heading("id_number"), "身份证号", report)
        refuse_duplicates([p for p in plans if p.action is not Action.REFUSED], lambda p: p.data.get("worker_id"),
                          self.heading("code"), "工作者", report, label_of=lambda p: p.key)
        return plans

    def _community(self, reference: str) -> Community | None:
        community = self.community_by_code.get(reference)
        named = self.community_by_name.get(reference, [])
        return community if community is not None else (named[0] if len(named) == 1 else None)

    def _plan_row(self, row: Row, values: dict[str, Any], errors: list, report: ImportReport) -> Plan:
        code, id_number = values.get("code"), values.get("id_number")
        h = self.heading
        # Match: by 工号, else (blank 工号) by 身份证号.
        matched_before = len(errors)
        worker: Worker | None = None
        if code:
            worker = self.by_code.get(code)
            holder = self.by_id_number.get(id_number) if id_number else None
            if holder is not None and (worker is None or holder.id != worker.id):
                errors.append((h("id_number"), "DUPLICATE",
                               f"该身份证号已登记为工号 {holder.code}（{holder.name}）/ this identity number belongs to "
                               f"worker {holder.code} ({holder.name}), not {code}: correct the 工号, or leave it blank "
                               "to match by 身份证号"))
        elif id_number:
            worker = self.by_id_number.get(id_number)
            if worker is None:
                errors.append((h("code"), "REQUIRED", "没有此身份证号的工作者，新工作者需要工号 / no worker has this "
                                                      "identity number, and a new worker needs a 工号"))
        else:
            errors.append((h("code"), "REQUIRED", "工号和身份证号都为空 / both 工号 and 身份证号 are blank"))
        key = code or (worker.code if worker else None) or id_number
        data = {"code": code, "id_number": id_number, "worker_id": worker.id if worker else None}
        if len(errors) > matched_before:
            # Which worker the row means is unclear: checking its fields against
            # the wrong record (or as a new one) would only add noise.
            return _plan(row, key, errors, report, **data)

        # Community and scope.
        community: Community | None = None
        if "community" in values:
            reference = values["community"]
            if reference is None:
                errors.append((h("community"), "REQUIRED", "社区代码不能为空 / 社区代码 (community_id) is required"))
            else:
                community = self._community(reference)
                if community is None:
                    errors.append((h("community"), "NOT_FOUND", f"社区 {reference} 不存在 / community {reference} does "
                                                                "not exist"))
        elif worker is None and (code or not id_number):
            errors.append((h("community"), "REQUIRED", "新工作者需要社区代码 / a new worker needs 社区代码 (community_id)"))
        if worker is not None:
            current = self.community_by_id[worker.community_id]
            if not self.scope.community(current.id):
                errors.append((h("code"), "FORBIDDEN", f"工作者 {worker.code} 不在本令牌范围内 / worker {worker.code} "
                                                       "is outside this token's scope"))
        if community is not None and not self.scope.community(community.id):
            errors.append((h("community"), "FORBIDDEN", f"社区 {community.code} 不在本令牌范围内 / community "
                                                        f"{community.code} is outside this token's scope"))

        # The API's validation (the engine's rules) on the merged record.
        given = {k: v for k, v in values.items() if k in _VALIDATED}
        if "incompetent_years_before" in given and given["incompetent_years_before"] is None:
            given["incompetent_years_before"] = 0  # a blank cell: not given, the default
        merged = {**records.worker_values(worker), **given} if worker is not None else given
        try:
            columns = records.validate_worker_for(merged, code or (worker.code if worker else "-"), self.post_keys)
        except UserErrors as exc:
            errors.extend((self.heading_for_api(e.field), e.code.value, _plain(e.message)) for e in exc.errors)
            columns = {}
        refused = _plan(row, key, errors, report, **data)
        if refused:
            return refused

        assessment = values.get("assessment")
        if worker is None:
            data.update(columns=columns, community=community.id, assessment=assessment)
            return Plan(row.number, key, Action.CREATED, data=data)
        changes = {k: v for k, v in columns.items() if getattr(worker, k) != v}
        if community is not None and community.id != worker.community_id:
            changes["community"] = community.id
        previous = self.assessments.get(worker.id)
        assessment_changes = assessment is not None and (previous is None or previous.result != assessment)
        changed = []
        for k in changes:
            heading = h({"birth_date": "id_number", "sex": "id_number"}.get(k, k))
            if heading not in changed:
                changed.append(heading)
        if assessment_changes:
            changed.append(h("assessment"))
        data.update(record=worker, changes=changes, assessment=assessment if assessment_changes else None,
                    previous_assessment=previous)
        return Plan(row.number, key, Action.UPDATED if changed else Action.UNCHANGED, changed, data=data)

    def write(self, plans: list[Plan], log: AuditLog, progress: Progress | None) -> None:
        now = utcnow()
        new = [p for p in plans if p.action is Action.CREATED]
        insert_in_batches(Worker, [
            {"code": p.data["code"], "community": p.data["community"], **p.data["columns"], "created_at": now,
             "updated_at": now}
            for p in new
        ])
        created = {w["code"]: w for w in snapshots_in(Worker, Worker.code, [p.data["code"] for p in new])}
        for plan in new:
            after = created[plan.data["code"]]
            plan.data["worker_id"] = after["id"]
            log.add("importWorker", "Worker", after["id"], None, after)
        if progress is not None:
            progress("write", len(new), len(plans))
        updates = [p for p in plans if p.action is Action.UPDATED and p.data["changes"]]
        for i, plan in enumerate(updates, start=1):
            record = plan.data["record"]
            count = (Worker.update(**plan.data["changes"], version=record.version + 1, updated_at=now)
                     .where((Worker.id == record.id) & (Worker.version == record.version)).execute())
            if count != 1:
                raise ConcurrentChange(f"工作者 {record.code} 在导入期间被修改，未写入任何数据，请重新导入 / worker "
                                       f"{record.code} was changed by someone else during the import; nothing was "
                                       "written: run the import again")
            _progress(progress, "write", len(new) + i, len(plans))
        after = {w["id"]: w for w in snapshots_in(Worker, Worker.id, [p.data["record"].id for p in updates])}
        for plan in updates:
            record = plan.data["record"]
            log.add("importWorker", "Worker", record.id, audit.snapshot(record), after[record.id])
        today = dt.date.today()
        for plan in updates:
            if "community" in plan.data["changes"]:  # a transfer: the posts of the old community end
                records.end_posts_left_behind(plan.data["record"].id, plan.data["record"].community_id, today, log.add)
        results = [(p.data["worker_id"], p.data["assessment"], p.data.get("previous_assessment"))
                   for p in plans if p.data.get("assessment")]
        write_assessments(self.assessment_year, results, log, now)


def write_assessments(year: int, results: list[tuple[int, str, Assessment | None]], log: AuditLog,
                      now: dt.datetime) -> None:
    """Record results (worker id, result, the stored assessment it replaces or None), with audit entries."""
    if not results:
        return
    for _, result, previous in results:
        if previous is not None:
            Assessment.update(result=result, recorded_at=now).where(Assessment.id == previous.id).execute()
    insert_in_batches(Assessment, [{"worker": worker_id, "year": year, "result": result, "recorded_at": now}
                                   for worker_id, result, previous in results if previous is None])
    wanted = {worker_id for worker_id, _, _ in results}
    stored = {a["worker_id"]: a for a in snapshots_in(Assessment, Assessment.worker, wanted) if a["year"] == year}
    for worker_id, _, previous in results:
        after = stored[worker_id]
        log.add("importAssessment", "Assessment", after["id"], audit.snapshot(previous), after)


def import_workers(
    principal: Principal,
    data: bytes,
    file_name: str,
    *,
    dry_run: bool = False,
    error_policy: ErrorPolicy = ErrorPolicy.REJECT_ALL,
    assessment_year: int | None = None,
    sheet: str | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Create and update workers from a file (matched by 工号, else 身份证号)."""
    _require_writer(principal, "importing workers")
    year = assessment_year or dt.date.today().year
    if not 1990 <= year <= 2100:
        return _year_out_of_range("workers", file_name, dry_run, error_policy, year)
    return run_import(principal, WorkerImporter(principal, year), data, file_name, dry_run=dry_run,
                      error_policy=error_policy, sheet=sheet, progress=progress)


# --- assessments ---------------------------------------------------------------------------


class AssessmentImporter(_Headed):
    kind = "assessments"
    operation = "importAssessments"
    columns = ASSESSMENT_COLUMNS

    def __init__(self, principal: Principal, year: int):
        self.principal = principal
        self.scope = ImportScope(principal)
        self.year = year

    def options(self) -> dict[str, Any]:
        return {"year": self.year}

    def check_headings(self, headings: Headings) -> list[str]:
        problems = []
        if "code" not in headings.written and "id_number" not in headings.written:
            problems.append("缺少“工号”或“身份证号”列 / the file needs a 工号 (worker_id) or 身份证号 (id_number) column")
        if "result" not in headings.written:
            problems.append("缺少“考核结果”列 / the file needs a 考核结果 (result) column")
        return problems

    def plan(self, rows: list[Row], headings: Headings, report: ImportReport, progress: Progress | None) -> list[Plan]:
        self.headings = headings
        converters: dict[str, Callable[[Any, str], Any]] = {
            "code": lambda raw, h: text(raw),
            "id_number": lambda raw, h: (digits(raw, h) or "").upper() or None,
            "name": lambda raw, h: text(raw),
            "result": lambda raw, h: _choice(raw, ASSESSMENT_VALUES, codes.ASSESSMENT_LABELS, h),
            "year": whole,
        }
        converted = self.convert_all(rows, converters, progress)
        by_code = {w.code: w for w in select_in(Worker.select(), Worker.code,
                                                [v["code"] for _, v, _ in converted if v.get("code")])}
        by_id_number = {w.id_number: w for w in select_in(
            Worker.select(), Worker.id_number,
            [v["id_number"] for _, v, _ in converted if v.get("id_number") and not v.get("code")])}
        communities = {c.id: c for c in Community.select()}
        known = {w.id for w in (*by_code.values(), *by_id_number.values())}
        stored = {a.worker_id: a for a in select_in(Assessment.select().where(Assessment.year == self.year),
                                                    Assessment.worker, known)}
        h = self.heading
        plans = []
        for i, (row, values, errors) in enumerate(converted, start=1):
            code, id_number = values.get("code"), values.get("id_number")
            worker = by_code.get(code) if code else by_id_number.get(id_number) if id_number else None
            if worker is None:
                if code or id_number:
                    column, what = (h("code"), f"工号 {code}") if code else (h("id_number"), f"身份证号 {id_number}")
                    errors.append((column, "NOT_FOUND", f"没有{what}的工作者 / no worker has {what}"))
                else:
                    errors.append((h("code"), "REQUIRED", "工号和身份证号都为空 / both 工号 and 身份证号 are blank"))
            else:
                community = communities[worker.community_id]
                if not self.scope.community(community.id):
                    errors.append((h("code"), "FORBIDDEN", f"工作者 {worker.code} 不在本令牌范围内 / worker "
                                                           f"{worker.code} is outside this token's scope"))
                name = values.get("name")
                if name and name != worker.name:
                    errors.append((h("name"), "INVALID", f"姓名“{name}”与工号 {worker.code} 登记的“{worker.name}”不符 / "
                                                         f"name {name!r} does not match worker {worker.code} "
                                                         f"({worker.name})"))
            if "result" in values and values["result"] is None:
                errors.append((h("result"), "REQUIRED", "考核结果不能为空 / 考核结果 (result) is required"))
            if values.get("year") is not None and values["year"] != self.year:
                errors.append((h("year"), "INVALID", f"年度 {values['year']} 与导入的年度 {self.year} 不符 / year "
                                                     f"{values['year']} is not the year being imported ({self.year})"))
            key = worker.code if worker else code or id_number
            data = {"worker_id": worker.id if worker else None}
            plan = _plan(row, key, errors, report, **data)
            if plan is None:
                previous = stored.get(worker.id)
                result = values["result"]
                if previous is None:
                    action = Action.CREATED
                else:
                    action = Action.UNCHANGED if previous.result == result else Action.UPDATED
                plan = Plan(row.number, key, action, [h("result")] if action is Action.UPDATED else [],
                            data={**data, "result": result, "previous": previous})
            plans.append(plan)
            _progress(progress, "check", i, len(converted))
        refuse_duplicates(plans, lambda p: p.data.get("worker_id"), h("code"), "工作者", report,
                          label_of=lambda p: p.key)
        return plans

    def write(self, plans: list[Plan], log: AuditLog, progress: Progress | None) -> None:
        write_assessments(self.year, [(p.data["worker_id"], p.data["result"], p.data["previous"]) for p in plans],
                          log, utcnow())


def import_assessments(
    principal: Principal,
    data: bytes,
    file_name: str,
    year: int,
    *,
    dry_run: bool = False,
    error_policy: ErrorPolicy = ErrorPolicy.REJECT_ALL,
    sheet: str | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Record a year's assessments (年度考核) from a file of 工号 and 考核结果."""
    _require_writer(principal, "importing assessments")
    if not 1990 <= year <= 2100:
        return _year_out_of_range("assessments", file_name, dry_run, error_policy, year)
    return run_import(principal, AssessmentImporter(principal, year), data, file_name, dry_run=dry_run,
                      error_policy=error_policy, sheet=sheet, progress=progress)
