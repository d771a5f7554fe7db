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
- HR tokens import only inside their scope.  A record outside it does not
  exist for the import (issue 11): a row naming another street's community is
  told it is not found, and a 工号, 身份证号 or 社区代码 held outside the scope
  is reported as taken — never by whom.
- A workers file exported by the service (``/exports/workers.xlsx``,
  ``community-payroll export workers``) carries each worker's 版本
  (``version``): a row that would change a worker changed by someone else
  since is refused as CONFLICT, naming the worker and both versions.  A file
  without that column updates as before, and the report warns (OVERWRITES)
  that it overwrites what others changed meanwhile.
- The 年度考核 column of a workers file records the assessment of
  ``assessment_year`` (default: this year); a blank cell leaves it alone.

See :mod:`api.services.imports.machinery` for the dry run, the error policy, the
transaction and the audit entries.
"""

from __future__ import annotations

import datetime as dt
from typing import IO, Any, Callable, Unpack

from payroll import codes
from payroll.money import MoneyFormatError, parse_fen

from api.access import scopes
from api.access.permissions import Permission, require
from api.access.principal import Principal
from api.db.models import Assessment, Community, Street, Worker, WorkerTaxChoice, utcnow
from api.errors import UserErrors
from api.files.headings import ASSESSMENT_COLUMNS, COMMUNITY_COLUMNS, WORKER_COLUMNS, Column
from api.reads.policies import PoliciesOfCommunities, active_post_names
from api.services import audit, records
from api.services.imports.machinery import (
    Action,
    AuditLog,
    ConcurrentChange,
    DuplicateRule,
    ErrorPolicy,
    Headings,
    ImportOptions,
    ImportReport,
    Plan,
    Problem,
    Row,
    insert_in_batches,
    run_import,
    select_in,
    snapshots_in,
)
from api.services.imports.sheets import CellError, Progress, date_text, digits, money_text, period_text, text, whole

__all__ = [
    "ASSESSMENT_COLUMNS", "COMMUNITY_COLUMNS", "WORKER_COLUMNS", "Action", "ErrorPolicy", "ImportReport",
    "import_assessments", "import_communities", "import_workers",
]

_MONEY_FIELDS = ("special_deduction_monthly", "previous_monthly_pay", "opening_income", "opening_deductions",
                 "opening_tax", "opening_reserve")
_WHOLE_FIELDS = ("prior_service_years", "incompetent_years_before", "opening_months")
_DATE_FIELDS = ("service_start", "service_end", "certificate_date")
#: Worker fields that :func:`records.validate_worker_for` checks and stores.
_VALIDATED = ("name", "id_number", "phone", "bank_name", "bank_account", *_WHOLE_FIELDS, *_DATE_FIELDS,
              *_MONEY_FIELDS, "post", "education", "certificate", "opening_through")


# --- coded values ----------------------------------------------------------------------------


def _choice(raw: Any, field: str, what: str) -> str | None:
    """A code given as itself or by a Chinese name (:func:`payroll.codes.code_from_label`, as everywhere)."""
    value = text(raw)
    if value is None:
        return None
    code = codes.code_from_label(field, value)
    if code is None:
        options = "、".join(f"{label}（{code}）" for code, label in codes.CODE_LABELS[field].items())
        raise CellError(f"“{value}”不是可用的{what} / {value!r} is not a known {what}: use one of {options}")
    return code


# --- helpers -------------------------------------------------------------------------------


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

    def convert_all(self, rows: list[Row], converters: dict[str, Callable[[Any, str], Any]]
                    ) -> list[tuple[Row, dict[str, Any], list]]:
        return [(row, *self.convert(row, converters)) for row in rows]


class _Counted:
    """Progress over the batches of a file (its length is not known in advance)."""

    done = 0

    def advance(self, progress: Progress | None, rows: int) -> None:
        self.done += rows
        if progress is not None:
            progress("check", self.done, None)


def _plan(row: Row, key: str | None, errors: list, report: ImportReport, **data: Any) -> Plan | None:
    """A refused plan when there are errors (and the errors go into the report)."""
    if not errors:
        return None
    for column, code, message in errors:
        report.problems.append(Problem(row.number, column, code, message))
    return Plan(row.number, key, Action.REFUSED, data=data)


def _require_writer(principal: Principal, action: str) -> None:
    require(principal, Permission.EDIT_RECORDS)


class ImportScope:
    """What an import may see and touch, read once with the scope conditions of
    :mod:`api.access.scopes` (the rows of a file are checked against sets).

    A record outside the scope does not exist for the import, as for every
    other read (issue 11): a row naming it is told it is not found, and a code
    or identity number it holds is reported as taken — never by whom."""

    def __init__(self, principal: Principal):
        restricted = principal.restricted
        self.communities = (None if not restricted
                            else {c for (c,) in Community.select(Community.id).where(scopes.communities(principal)).tuples()})
        self.streets = (None if not restricted
                        else {s for (s,) in Street.select(Street.id).where(scopes.whole_streets(principal)).tuples()})
        self.visible_streets = (None if not restricted
                                else {s for (s,) in Street.select(Street.id).where(scopes.streets(principal)).tuples()})

    def community(self, community_id: int) -> bool:
        """Whether the community (and so its workers) is in the scope."""
        return self.communities is None or community_id in self.communities

    def street(self, street_id: int) -> bool:
        """Whether the whole street is in the scope (to add communities to it)."""
        return self.streets is None or street_id in self.streets

    def sees_street(self, street_id: int) -> bool:
        return self.visible_streets is None or street_id in self.visible_streets


def _year_out_of_range(kind: str, file_name: str, year: int, options: ImportOptions) -> ImportReport:
    report = ImportReport(kind, file_name, options.get("dry_run", False), options.get("error_policy", ErrorPolicy.REJECT_ALL))
    report.problems.append(Problem(None, None, "INVALID", f"年度 {year} 超出范围（1990–2100）/ year {year} is out of range "
                                                          "(1990–2100)"))
    return report


# --- communities ---------------------------------------------------------------------------


class CommunityImporter(_Headed, _Counted):
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

    def begin(self, headings: Headings, report: ImportReport) -> None:
        self.headings = headings
        self.converters: dict[str, Callable[[Any, str], Any]] = {
            "code": lambda raw, h: text(raw),
            "name": lambda raw, h: text(raw),
            "street": lambda raw, h: text(raw),
            "households": whole,
            "population": whole,
        }
        streets = [s for s in Street.select() if self.scope.sees_street(s.id)]
        self.street_by_code = {s.code: s for s in streets}
        self.street_by_name: dict[str, list[Street]] = {}
        for s in streets:
            self.street_by_name.setdefault(s.name, []).append(s)

    def duplicate_rules(self) -> list[DuplicateRule]:
        return [DuplicateRule(lambda p: p.data.get("code"), self.heading("code"), "社区代码")]

    def finish(self, report: ImportReport) -> None:
        pass

    def plan(self, rows: list[Row], report: ImportReport, progress: Progress | None) -> list[Plan]:
        converted = self.convert_all(rows, self.converters)
        existing = {c.code: c for c in select_in(Community.select(), Community.code,
                                                 [v["code"] for _, v, _ in converted if v.get("code")])}
        plans = [self._plan_row(row, values, errors, existing, report) for row, values, errors in converted]
        self.advance(progress, len(rows))
        return plans

    def _street(self, reference: str) -> Street | None:
        street = self.street_by_code.get(reference)
        named = self.street_by_name.get(reference, [])
        return street if street is not None else (named[0] if len(named) == 1 else None)

    def _plan_row(self, row, values, errors, existing, report) -> Plan:
        code = values.get("code")
        community = existing.get(code) if code else None  # a blank code is refused by community_columns
        if community is not None and not self.scope.community(community.id):
            # Another office's community: its code is taken; whose it is is not ours to say.
            errors.append((self.heading("code"), "DUPLICATE", f"社区代码 {code} 已被占用 / the community code {code} is "
                                                              "already in use"))
            return _plan(row, code, errors, report, code=code)
        street = None
        if "street" in values:
            reference = values["street"]
            if reference is None:
                errors.append((self.heading("street"), "REQUIRED", "街道不能为空 / 街道 (street) is required"))
            else:
                street = self._street(reference)
                if street is None:
                    known = "、".join(sorted(f"{s.name}（{s.code}）" for s in self.street_by_code.values()))
                    errors.append((self.heading("street"), "NOT_FOUND",
                                   f"街道“{reference}”不存在，请先新建街道 / street {reference!r} does not exist (imports "
                                   f"do not create streets; create it first with createStreet). Known: {known or '—'}"))
        elif community is None:
            errors.append((self.heading("street"), "REQUIRED", "新社区需要街道 / a new community needs its 街道 (street)"))
        if street is not None and (community is None or street.id != community.street_id) \
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
        return Plan(row.number, code, action, changed, data={
            "code": code, "id": community.id, "version": community.version, "before": audit.snapshot(community),
            "changes": changes,
        })

    def write(self, plans: list[Plan], log: AuditLog, progress: Progress | None) -> None:
        now = utcnow()
        new = [p for p in plans if p.action is Action.CREATED]
        insert_in_batches(Community, [{**p.data["columns"], "created_at": now, "updated_at": now} for p in new])
        for after in snapshots_in(Community, Community.code, [p.data["code"] for p in new]):
            log.add("importCommunity", "Community", after["id"], None, after)
        updates = [p for p in plans if p.action is Action.UPDATED]
        for plan in updates:
            count = (Community.update(**plan.data["changes"], version=plan.data["version"] + 1, updated_at=now)
                     .where((Community.id == plan.data["id"]) & (Community.version == plan.data["version"])).execute())
            if count != 1:
                code = plan.data["code"]
                raise ConcurrentChange(f"社区 {code} 在导入期间被修改，未写入任何数据，请重新导入 / community {code} was "
                                       "changed by someone else during the import; nothing was written: run the "
                                       "import again")
        after = {a["id"]: a for a in snapshots_in(Community, Community.id, [p.data["id"] for p in updates])}
        for plan in updates:
            log.add("importCommunity", "Community", plan.data["id"], plan.data["before"], after[plan.data["id"]])


def import_communities(
    principal: Principal,
    data: bytes | IO[bytes],
    file_name: str,
    **options: Unpack[ImportOptions],
) -> ImportReport:
    """Create and update communities from a file (matched by 社区代码)."""
    _require_writer(principal, "importing communities")
    return run_import(principal, CommunityImporter(principal), data, file_name, **options)


# --- workers -------------------------------------------------------------------------------


class WorkerImporter(_Headed, _Counted):
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
        posts = self.post_names

        def id_number(raw: Any, heading: str) -> str | None:
            value = digits(raw, heading)
            return value.upper() if value else None

        def post(raw: Any, heading: str) -> str | None:
            value = text(raw)
            return posts.get(codes.label_key(value), value) if value else None

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
            "education": lambda raw, h: _choice(raw, "education", h),
            "certificate": lambda raw, h: _choice(raw, "certificate", h),
            "assessment": lambda raw, h: _choice(raw, "assessment", h),
            "tax_basic_deduction": lambda raw, h: _choice(raw, "tax_basic_deduction", h),
            "bonus_tax_method": lambda raw, h: _choice(raw, "bonus_tax_method", h),
            "version": whole,
        }
        converters.update({f: (lambda raw, h: date_text(raw)) for f in _DATE_FIELDS})
        converters.update({f: whole for f in _WHOLE_FIELDS})
        converters.update({f: (lambda raw, h: _money(raw)) for f in _MONEY_FIELDS})
        return converters

    def begin(self, headings: Headings, report: ImportReport) -> None:
        self.headings = headings
        # Each row's posts are those of its community's jurisdiction's policy.
        self.policies = PoliciesOfCommunities()
        self.post_names = active_post_names()
        self.converters = self._converters()
        # Every community the rows may name, once (a city has hundreds, not
        # hundreds of thousands); those outside the scope do not exist here.
        communities = list(Community.select())
        self.community_by_id = {c.id: c for c in communities}
        visible = [c for c in communities if self.scope.community(c.id)]
        self.community_by_code = {c.code: c for c in visible}
        self.community_by_name: dict[str, list[Community]] = {}
        for c in visible:
            self.community_by_name.setdefault(c.name, []).append(c)
        self.versioned = "version" in headings.written

    def duplicate_rules(self) -> list[DuplicateRule]:
        return [
            DuplicateRule(lambda p: p.data.get("code"), self.heading("code"), "工号"),
            DuplicateRule(lambda p: p.data.get("id_number"), self.heading("id_number"), "身份证号"),
            DuplicateRule(lambda p: p.data.get("worker_id"), self.heading("code"), "工作者", label=lambda p: p.key,
                          among_accepted=True),
        ]

    def finish(self, report: ImportReport) -> None:
        if not self.versioned and report.updated:
            report.warnings.append(Problem(
                None, self.heading("version"), "OVERWRITES",
                "文件没有“版本”列：更新的行会覆盖他人在导出之后所做的修改；请用导出的工作者名册（带版本列）/ the file has no "
                "版本 (version) column: the rows that update workers overwrite whatever others changed since the file "
                "was made; import the exported workers file (with its version column) to have such rows refused"))

    def plan(self, rows: list[Row], report: ImportReport, progress: Progress | None) -> list[Plan]:
        converted = self.convert_all(rows, self.converters)
        # Everything this batch refers to, in a few queries (never one per row).
        self.by_code = {w.code: w for w in select_in(Worker.select(), Worker.code,
                                                     [v["code"] for _, v, _ in converted if v.get("code")])}
        # Identity numbers not already those of the workers matched by 工号 (on a
        # re-import, none): to match blank-工号 rows and to catch numbers held by others.
        unmatched = [v["id_number"] for _, v, _ in converted if v.get("id_number")
                     and getattr(self.by_code.get(v.get("code")), "id_number", None) != v["id_number"]]
        self.by_id_number = {w.id_number: w for w in self.by_code.values() if w.id_number}
        self.by_id_number.update({w.id_number: w for w in select_in(Worker.select(), Worker.id_number, unmatched)})
        known = {w.id for w in self.by_code.values()} | {w.id for w in self.by_id_number.values()}
        self.assessments: dict[int, Assessment] = {}
        if "assessment" in self.headings.written:
            self.assessments = {a.worker_id: a for a in select_in(
                Assessment.select().where(Assessment.year == self.assessment_year), Assessment.worker, known)}
        self.tax_choices: dict[int, WorkerTaxChoice] = {}
        if any(key in self.headings.written for key in records.TAX_CHOICES):
            self.tax_choices = {c.worker_id: c for c in select_in(
                WorkerTaxChoice.select().where(WorkerTaxChoice.year == self.assessment_year), WorkerTaxChoice.worker,
                known)}
        plans = [self._plan_row(row, values, errors, report) for row, values, errors in converted]
        self.advance(progress, len(rows))
        return plans

    def _community(self, reference: str) -> Community | None:
        community = self.community_by_code.get(reference)
        named = self.community_by_name.get(reference, [])
        return community if community is not None else (named[0] if len(named) == 1 else None)

    def _in_scope(self, worker: Worker | None) -> Worker | None:
        return worker if worker is not None and self.scope.community(worker.community_id) else None

    def _match(self, code: str | None, id_number: str | None, errors: list) -> Worker | None:
        """The stored worker a row means: by 工号, else (blank 工号) by 身份证号.

        A worker outside the scope is not there for this import: its 工号 or
        身份证号 is reported as taken, without saying by whom (issue 11)."""
        h = self.heading
        worker: Worker | None = None
        if code:
            found = self.by_code.get(code)
            worker = self._in_scope(found)
            if found is not None and worker is None:
                errors.append((h("code"), "DUPLICATE", f"工号 {code} 已被占用 / the 工号 {code} is already in use"))
                return None
            holder = self.by_id_number.get(id_number) if id_number else None
            if holder is not None and (worker is None or holder.id != worker.id):
                if self._in_scope(holder) is not None:
                    errors.append((h("id_number"), "DUPLICATE",
                                   f"该身份证号已登记为工号 {holder.code}（{holder.name}）/ this identity number belongs to "
                                   f"worker {holder.code} ({holder.name}), not {code}: correct the 工号, or leave it "
                                   "blank to match by 身份证号"))
                else:
                    errors.append((h("id_number"), "DUPLICATE", "该身份证号已登记为另一名工作者 / this identity number is "
                                                                "already registered to another worker"))
        elif id_number:
            worker = self._in_scope(self.by_id_number.get(id_number))
            if worker is None:
                errors.append((h("code"), "REQUIRED", "没有此身份证号的工作者，新工作者需要工号 / no worker has this "
                                                      "identity number, and a new worker needs a 工号"))
        else:
            errors.append((h("code"), "REQUIRED", "工号和身份证号都为空 / both 工号 and 身份证号 are blank"))
        return worker

    def _plan_row(self, row: Row, values: dict[str, Any], errors: list, report: ImportReport) -> Plan:
        code, id_number = values.get("code"), values.get("id_number")
        h = self.heading
        matched_before = len(errors)
        worker = self._match(code, id_number, errors)
        key = code or (worker.code if worker else None) or id_number
        data = {"code": code, "id_number": id_number, "worker_id": worker.id if worker else None}
        if len(errors) > matched_before:
            # Which worker the row means is unclear: checking its fields against
            # the wrong record (or as a new one) would only add noise.
            return _plan(row, key, errors, report, **data)

        # Community (only those in the scope exist here).
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

        # The API's validation (the engine's rules) on the merged record.
        given = {k: v for k, v in values.items() if k in _VALIDATED}
        if "incompetent_years_before" in given and given["incompetent_years_before"] is None:
            given["incompetent_years_before"] = 0  # a blank cell: not given, the default
        merged = {**records.worker_values(worker), **given} if worker is not None else given
        policy = self.policies.of(community.id if community is not None else worker.community_id if worker else None)
        try:
            columns = records.validate_worker_for(merged, code or (worker.code if worker else "-"),
                                                  policy.post_keys if policy else None,
                                                  policy.post_names if policy else None, name_the_worker=False)
        except UserErrors as exc:
            errors.extend((self.heading_for_api(e.field), e.code.value, e.message) for e in exc.errors)
            columns = {}
        refused = _plan(row, key, errors, report, **data)
        if refused:
            return refused

        assessment = values.get("assessment")
        taxes = {k: values[k] for k in records.TAX_CHOICES if values.get(k) is not None}
        if worker is None:
            data.update(columns=columns, community=community.id, assessment=assessment, taxes=taxes)
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
        stored_taxes = self.tax_choices.get(worker.id)
        taxes = {k: v for k, v in taxes.items()
                 if v != (getattr(stored_taxes, k) if stored_taxes else "MONTHLY" if k == "tax_basic_deduction" else None)}
        changed += [h(k) for k in taxes]
        stale = self._stale(row, worker, values, report) if changed else None
        if stale is not None:
            return stale
        data.update(version=worker.version, before=audit.snapshot(worker), changes=changes,
                    old_community=worker.community_id,
                    pay_changed=records.pay_inputs_changed(worker, changes), taxes=taxes,
                    assessment=assessment if assessment_changes else None,
                    previous_assessment=(previous.id, audit.snapshot(previous)) if previous is not None else None)
        return Plan(row.number, key, Action.UPDATED if changed else Action.UNCHANGED, changed, data=data)

    def _stale(self, row: Row, worker: Worker, values: dict[str, Any], report: ImportReport) -> Plan | None:
        """A row that would change a worker changed by someone else since the
        file was exported (its 版本 is not the stored version) is refused:
        importing it would silently undo their change."""
        given = values.get("version")
        if given is None or given == worker.version:
            return None
        report.problems.append(Problem(
            row.number, self.heading("version"), "CONFLICT",
            f"工作者 {worker.code} 已被他人修改（现为第 {worker.version} 版，文件中为第 {given} 版），此行未导入；请重新导出后"
            f"再改 / worker {worker.code} was changed by someone else (now version {worker.version}, the file has "
            f"version {given}): this row was not imported; export the file again and redo the change"))
        return Plan(row.number, worker.code, Action.REFUSED,
                    data={"code": values.get("code"), "id_number": values.get("id_number"), "worker_id": worker.id})

    def write(self, plans: list[Plan], log: AuditLog, progress: Progress | None) -> None:
        now = utcnow()
        new = [p for p in plans if p.action is Action.CREATED]
        insert_in_batches(Worker, [
            {"code": p.data["code"], "community": p.data["community"], **p.data["columns"], "created_at": now,
             "updated_at": now, "pay_changed_at": now}
            for p in new
        ])
        created = {w["code"]: w for w in snapshots_in(Worker, Worker.code, [p.data["code"] for p in new])}
        for plan in new:
            after = created[plan.data["code"]]
            plan.data["worker_id"] = after["id"]
            log.add("importWorker", "Worker", after["id"], None, after)
        updates = [p for p in plans if p.action is Action.UPDATED and p.data["changes"]]
        for plan in updates:
            version = plan.data["version"]
            pay = {"pay_changed_at": now} if plan.data["pay_changed"] else {}
            count = (Worker.update(**plan.data["changes"], **pay, version=version + 1, updated_at=now)
                     .where((Worker.id == plan.data["worker_id"]) & (Worker.version == version)).execute())
            if count != 1:
                raise ConcurrentChange(f"工作者 {plan.key} 在导入期间被修改，未写入任何数据，请重新导入 / worker "
                                       f"{plan.key} was changed by someone else during the import; nothing was "
                                       "written: run the import again")
        after = {w["id"]: w for w in snapshots_in(Worker, Worker.id, [p.data["worker_id"] for p in updates])}
        for plan in updates:
            log.add("importWorker", "Worker", plan.data["worker_id"], plan.data["before"], after[plan.data["worker_id"]])
        today = dt.date.today()
        for plan in updates:
            if "community" in plan.data["changes"]:  # a transfer: the posts of the old community end
                records.end_posts_left_behind(plan.data["worker_id"], plan.data["old_community"], today, log.add)
        results = [(p.data["worker_id"], p.data["assessment"], p.data.get("previous_assessment"))
                   for p in plans if p.data.get("assessment")]
        write_assessments(self.assessment_year, results, log, now)
        for plan in plans:
            if plan.data.get("taxes"):
                before, after = records.save_tax_choices(plan.data["worker_id"], self.assessment_year,
                                                         plan.data["taxes"])
                log.add("importTaxChoices", "WorkerTaxChoice", after["id"], before, after)


def write_assessments(year: int, results: list[tuple[int, str, tuple[int, dict] | None]], log: AuditLog,
                      now: dt.datetime) -> None:
    """Record results (worker id, result, the id and snapshot of the stored
    assessment it replaces or None), with audit entries."""
    if not results:
        return
    for _, result, previous in results:
        if previous is not None:
            Assessment.update(result=result, recorded_at=now).where(Assessment.id == previous[0]).execute()
    insert_in_batches(Assessment, [{"worker": worker_id, "year": year, "result": result, "recorded_at": now}
                                   for worker_id, result, previous in results if previous is None])
    wanted = {worker_id for worker_id, _, _ in results}
    records.mark_pay_changed(sorted(wanted))
    stored = {a["worker_id"]: a for a in snapshots_in(Assessment, Assessment.worker, wanted) if a["year"] == year}
    for worker_id, _, previous in results:
        after = stored[worker_id]
        log.add("importAssessment", "Assessment", after["id"], previous[1] if previous else None, after)


def import_workers(
    principal: Principal,
    data: bytes | IO[bytes],
    file_name: str,
    *,
    assessment_year: int | None = None,
    **options: Unpack[ImportOptions],
) -> ImportReport:
    """Create and update workers from a file (matched by 工号, else 身份证号)."""
    _require_writer(principal, "importing workers")
    year = assessment_year or dt.date.today().year
    if not 1990 <= year <= 2100:
        return _year_out_of_range("workers", file_name, year, options)
    return run_import(principal, WorkerImporter(principal, year), data, file_name, **options)


# --- assessments ---------------------------------------------------------------------------


class AssessmentImporter(_Headed, _Counted):
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

    def begin(self, headings: Headings, report: ImportReport) -> None:
        self.headings = headings
        self.converters: dict[str, Callable[[Any, str], Any]] = {
            "code": lambda raw, h: text(raw),
            "id_number": lambda raw, h: (digits(raw, h) or "").upper() or None,
            "name": lambda raw, h: text(raw),
            "result": lambda raw, h: _choice(raw, "assessment", h),
            "year": whole,
        }

    def duplicate_rules(self) -> list[DuplicateRule]:
        return [DuplicateRule(lambda p: p.data.get("worker_id"), self.heading("code"), "工作者", label=lambda p: p.key)]

    def finish(self, report: ImportReport) -> None:
        pass

    def plan(self, rows: list[Row], report: ImportReport, progress: Progress | None) -> list[Plan]:
        converted = self.convert_all(rows, self.converters)
        by_code = {w.code: w for w in select_in(Worker.select(), Worker.code,
                                                [v["code"] for _, v, _ in converted if v.get("code")])}
        by_id_number = {w.id_number: w for w in select_in(
            Worker.select(), Worker.id_number,
            [v["id_number"] for _, v, _ in converted if v.get("id_number") and not v.get("code")])}
        known = {w.id for w in (*by_code.values(), *by_id_number.values())}
        stored = {a.worker_id: a for a in select_in(Assessment.select().where(Assessment.year == self.year),
                                                    Assessment.worker, known)}
        h = self.heading
        plans = []
        for row, values, errors in converted:
            code, id_number = values.get("code"), values.get("id_number")
            worker = by_code.get(code) if code else by_id_number.get(id_number) if id_number else None
            if worker is not None and not self.scope.community(worker.community_id):
                worker = None  # outside the scope: not found, exactly like a worker that does not exist
            if worker is None:
                if code or id_number:
                    column, what = (h("code"), f"工号 {code}") if code else (h("id_number"), f"身份证号 {id_number}")
                    errors.append((column, "NOT_FOUND", f"没有{what}的工作者 / no worker has {what}"))
                else:
                    errors.append((h("code"), "REQUIRED", "工号和身份证号都为空 / both 工号 and 身份证号 are blank"))
            else:
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
                            data={**data, "result": result,
                                  "previous": (previous.id, audit.snapshot(previous)) if previous else None})
            plans.append(plan)
        self.advance(progress, len(rows))
        return plans

    def write(self, plans: list[Plan], log: AuditLog, progress: Progress | None) -> None:
        write_assessments(self.year, [(p.data["worker_id"], p.data["result"], p.data["previous"]) for p in plans],
                          log, utcnow())


def import_assessments(
    principal: Principal,
    data: bytes | IO[bytes],
    file_name: str,
    year: int,
    **options: Unpack[ImportOptions],
) -> ImportReport:
    """Record a year's assessments (年度考核) from a file of 工号 and 考核结果."""
    _require_writer(principal, "importing assessments")
    if not 1990 <= year <= 2100:
        return _year_out_of_range("assessments", file_name, year, options)
    return run_import(principal, AssessmentImporter(principal, year), data, file_name, **options)
