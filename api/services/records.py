"""Creating, updating and ending the records: streets, communities, workers,
positions and assessments.

Every update names the ``version`` it read; a stale version is a ``CONFLICT``
and changes nothing.  Input is validated with the engine's own rules
(:func:`payroll.workers.worker_from_fields`), so the service accepts exactly
what the command line accepts, and errors name the input field.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from typing import Any, Callable, Mapping, Sequence

import peewee as pw

from payroll import codes
from payroll.cells import starts_like_formula
from payroll.money import format_fen
from payroll.texts import Text, field_text
from payroll.workers import (
    OPENING_FIELDS,
    STORED_INPUTS,
    WORKER_FIELDS,
    InputError,
    WorkerInput,
    post_key,
    unknown_post,
    worker_from_fields,
)

from api.access import scopes
from api.access.permissions import Permission, require
from api.access.principal import Principal
from api.db.database import database
from api.db.jurisdictions import JurisdictionTree
from api.db.models import (
    JURISDICTION_LEVELS,
    Assessment,
    Community,
    Jurisdiction,
    Position,
    Street,
    Worker,
    WorkerTaxChoice,
    utcnow,
)
from api.errors import ErrorCode, UserError, UserErrors, camel
from api.reads.policies import policy_of_community
from api.services import audit
from api.services.columns import check_length
from api.services.dates import check_dates
from api.services.identity import IdNumberError, parse_id_number
from api.services.lookups import RECORD_NAMES, jurisdiction_to_change, visible


def _conflict(model: type[pw.Model], key: str, current: int, sent: int) -> UserErrors:
    zh, en = RECORD_NAMES[model]
    return UserErrors.one(
        "version",
        ErrorCode.CONFLICT,
        f"{zh} {key} 已被他人修改（现为第 {current} 版，提交的是第 {sent} 版），请重新读取后再改 / {en} {key} was changed "
        f"by someone else (now version {current}, you sent {sent}); reload it and try again",
    )


def _update_versioned(model: type[pw.Model], record: pw.Model, version: int, changes: dict[str, Any], key: str) -> pw.Model:
    """UPDATE … WHERE id = ? AND version = ?: a stale version changes nothing."""
    if record.version != version:
        raise _conflict(model, key, record.version, version)
    changes = {**changes, "version": version + 1, "updated_at": utcnow()}
    updated = model.update(**changes).where((model.id == record.id) & (model.version == version)).execute()
    if updated != 1:
        current = model.get_by_id(record.id)
        raise _conflict(model, key, current.version, version)
    return model.get_by_id(record.id)


def _save_place(principal: Principal, operation: str, record: pw.Model, version: int, changes: dict[str, Any],
                errors: list[UserError], what: str) -> pw.Model:
    """Store a jurisdiction's, street's or community's changes (inside the
    caller's transaction): the errors found, a code already taken, a stale
    version refused; the change audited as ``operation``."""
    if errors:
        raise UserErrors(errors)
    model = type(record)
    if "code" in changes:
        _unique(model, model.code, changes["code"], record.id, "code", what)
    before = audit.snapshot(record)
    record = _update_versioned(model, record, version, changes, record.code)
    audit.record(principal, operation, model.__name__, record.id, before, audit.snapshot(record))
    return record


def _unique(model: type[pw.Model], field: pw.Field, value: Any, exclude_id: int | None, input_field: str, what: str) -> None:
    query = model.select(model.id).where(field == value)
    if exclude_id is not None:
        query = query.where(model.id != exclude_id)
    if query.exists():
        raise UserErrors.one(input_field, ErrorCode.DUPLICATE, f"{input_field}：{value!r} 已存在 / {input_field}: {what} "
                                                               f"{value!r} already exists")


def formula_message(name: str) -> str:
    """Why text that a spreadsheet would run as a formula is refused, naming the field."""
    return (f"{name}：不能以 =、+、-、@、制表符或回车开头（电子表格会当作公式）/ {name}: must not start with =, +, -, @, "
            "a tab or a carriage return (spreadsheets run it as a formula)")


def formula_error(key: str, value: Any) -> UserError | None:
    """Text that a spreadsheet would run as a formula (``=HYPERLINK(…)``,
    ``+cmd|…``, ``@SUM(…)``) is refused: names, codes and titles end up in the
    CSV files finance and HR open (:mod:`payroll.cells`).  Shared with imports."""
    if not isinstance(value, str) or not starts_like_formula(value):
        return None
    return UserError(camel(key), ErrorCode.INVALID, formula_message(camel(key)))


def _text(values: Mapping[str, Any], key: str, errors: list[UserError], required: bool, column: pw.CharField
          ) -> str | None:
    """A text value, trimmed, that must fit ``column``; blank is None (REQUIRED when ``required``)."""
    value = values.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors.append(UserError(camel(key), ErrorCode.REQUIRED, f"{camel(key)}：必填 / {camel(key)} is required"))
        return None
    value = str(value).strip()
    check_length(errors, camel(key), column, value)
    formula = formula_error(key, value)
    if formula is not None:
        errors.append(formula)
    return value


def _count(values: Mapping[str, Any], key: str, errors: list[UserError]) -> int:
    value = values.get(key, 0)
    if value is None or value < 0 or value > 100_000_000:
        errors.append(UserError(camel(key), ErrorCode.INVALID, f"{camel(key)}：应为 0 至 100000000 的整数 / {camel(key)} "
                                                               "must be a whole number from 0 to 100000000"))
        return 0
    return value



# --- jurisdictions -------------------------------------------------------------------------

#: 行政区划代码 of a city, county or district: six digits.
_JURISDICTION_CODE = re.compile(r"[0-9]{6}")
_LEVEL_LABELS = {"CITY": "市", "COUNTY": "县", "DISTRICT": "区"}


def _jurisdiction_values(principal: Principal, values: Mapping[str, Any], errors: list[UserError],
                         record: Jurisdiction | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "code" in values or record is None:
        code = _text(values, "code", errors, True, Jurisdiction.code)
        if code is not None and not _JURISDICTION_CODE.fullmatch(code):
            errors.append(UserError("code", ErrorCode.INVALID, f"code：“{code}”不是六位行政区划代码 / code: {code!r} is "
                                                                "not a six-digit administrative division code"))
        out["code"] = code
    if "name" in values or record is None:
        out["name"] = _text(values, "name", errors, True, Jurisdiction.name)
    if "level" in values or record is None:
        level = values.get("level")
        if level not in JURISDICTION_LEVELS:
            choices = "、".join(f"{k}（{v}）" for k, v in _LEVEL_LABELS.items())
            errors.append(UserError("level", ErrorCode.INVALID, f"level：须为 {choices} / level: one of "
                                                                f"{', '.join(JURISDICTION_LEVELS)}"))
        out["level"] = level
    if "population" in values:
        population = values["population"]
        if population is not None and not 0 <= population <= 2_000_000_000:
            errors.append(UserError("population", ErrorCode.INVALID, f"population：{population} 不是常住人口数 / "
                                                                     f"population: {population} is not a population"))
        out["population"] = population
    if values.get("parent_id") is not None:
        parent = visible(Jurisdiction, values["parent_id"], principal, "parentId")
        if record is not None and parent.id in JurisdictionTree.load().descendants({record.id}):
            errors.append(UserError("parentId", ErrorCode.INVALID, "parentId：上级不能是本辖区或其下级 / parentId: a "
                                                                   "jurisdiction cannot be under itself or one below it"))
        out["parent"] = parent.id
    elif "parent_id" in values:
        out["parent"] = None
    return out


def create_jurisdiction(principal: Principal, values: Mapping[str, Any]) -> Jurisdiction:
    require(principal, Permission.MANAGE_JURISDICTIONS)
    with database.atomic():
        errors: list[UserError] = []
        columns = _jurisdiction_values(principal, values, errors, None)
        if errors:
            raise UserErrors(errors)
        _unique(Jurisdiction, Jurisdiction.code, columns["code"], None, "code", "jurisdiction")
        record = Jurisdiction.create(**columns)
        audit.record(principal, "createJurisdiction", "Jurisdiction", record.id, None, audit.snapshot(record))
    return record


def update_jurisdiction(principal: Principal, pk: int, version: int, values: Mapping[str, Any]) -> Jurisdiction:
    require(principal, Permission.MANAGE_JURISDICTIONS)
    with database.atomic():
        record = visible(Jurisdiction, pk, principal, "id")
        errors: list[UserError] = []
        changes = _jurisdiction_values(principal, values, errors, record)
        record = _save_place(principal, "updateJurisdiction", record, version, changes, errors, "jurisdiction")
    return record


# --- streets -------------------------------------------------------------------------------


def create_street(principal: Principal, values: Mapping[str, Any]) -> Street:
    """A street of a jurisdiction (the only one, when there is one)."""
    require(principal, Permission.CREATE_STREETS)
    errors: list[UserError] = []
    code = _text(values, "code", errors, True, Street.code)
    name = _text(values, "name", errors, True, Street.name)
    if errors:
        raise UserErrors(errors)
    with database.atomic():
        jurisdiction = jurisdiction_to_change(principal, values.get("jurisdiction_id"))
        _unique(Street, Street.code, code, None, "code", "street")
        street = Street.create(code=code, name=name, jurisdiction=jurisdiction.id)
        audit.record(principal, "createStreet", "Street", street.id, None, audit.snapshot(street))
    return street


def update_street(principal: Principal, street_id: int, version: int, values: Mapping[str, Any]) -> Street:
    require(principal, Permission.EDIT_RECORDS)
    with database.atomic():
        street = visible(Street, street_id, principal, "id", scopes.whole_streets(principal))
        errors: list[UserError] = []
        changes: dict[str, Any] = {}
        if "code" in values:
            changes["code"] = _text(values, "code", errors, True, Street.code)
        if "name" in values:
            changes["name"] = _text(values, "name", errors, True, Street.name)
        if values.get("jurisdiction_id") is not None:
            # Another jurisdiction pays the street under its policy from now on.
            require(principal, Permission.MANAGE_JURISDICTIONS)
            changes["jurisdiction"] = jurisdiction_to_change(principal, values["jurisdiction_id"]).id
        street = _save_place(principal, "updateStreet", street, version, changes, errors, "street")
    return street


# --- communities ---------------------------------------------------------------------------


def create_community(principal: Principal, values: Mapping[str, Any]) -> Community:
    require(principal, Permission.EDIT_RECORDS)
    errors: list[UserError] = []
    code = _text(values, "code", errors, True, Community.code)
    name = _text(values, "name", errors, True, Community.name)
    households = _count(values, "households", errors)
    population = _count(values, "population", errors)
    if errors:
        raise UserErrors(errors)
    with database.atomic():
        street = visible(Street, values.get("street_id"), principal, "streetId", scopes.whole_streets(principal))
        _unique(Community, Community.code, code, None, "code", "community")
        community = Community.create(code=code, name=name, street=street, households=households, population=population)
        audit.record(principal, "createCommunity", "Community", community.id, None, audit.snapshot(community))
    return community


def community_columns(values: Mapping[str, Any], errors: list[UserError]) -> dict[str, Any]:
    """The community fields among ``values`` (code, name, households,
    population), checked; problems are added to ``errors``.  Shared with imports."""
    columns: dict[str, Any] = {}
    for key, column in (("code", Community.code), ("name", Community.name)):
        if key in values:
            columns[key] = _text(values, key, errors, True, column)
    for key in ("households", "population"):
        if key in values:
            columns[key] = _count(values, key, errors)
    return columns


def update_community(principal: Principal, community_id: int, version: int, values: Mapping[str, Any]) -> Community:
    require(principal, Permission.EDIT_RECORDS)
    with database.atomic():
        community = visible(Community, community_id, principal, "id")
        errors: list[UserError] = []
        changes = community_columns(values, errors)
        if "street_id" in values:
            changes["street"] = visible(Street, values["street_id"], principal, "streetId",
                                        scopes.whole_streets(principal)).id
        community = _save_place(principal, "updateCommunity", community, version, changes, errors, "community")
    return community


# --- workers -------------------------------------------------------------------------------

#: Worker columns that the payroll engine validates (salary-model.md §1).
PAYROLL_FIELDS = (*STORED_INPUTS, *OPENING_FIELDS)
_MONEY = {"special_deduction_monthly", "previous_monthly_pay", "opening_income", "opening_deductions", "opening_tax",
          "opening_reserve"}
PERSONAL_FIELDS = ("id_number", "phone", "bank_name", "bank_account")
#: Worker columns whose change may change pay already computed (§13): a run
#: recomputes the paid months of workers whose pay inputs changed since.
PAY_INPUTS = (*PAYROLL_FIELDS, "incompetent_years_before")


def pay_inputs_changed(stored: Any, columns: Mapping[str, Any]) -> bool:
    """Whether ``columns`` change a pay input of the ``stored`` worker (None: a new worker)."""
    if stored is None:
        return True
    return any(key in columns and columns[key] != getattr(stored, key) for key in PAY_INPUTS)


#: The worker's tax choices of a year (salary-model.md §1): input names → stored columns.
TAX_CHOICES = ("tax_basic_deduction", "bonus_tax_method")


def tax_choice_values(values: Mapping[str, Any], errors: list[UserError]) -> dict[str, Any]:
    """The tax choices among ``values``, checked (codes of payroll.codes)."""
    out = {}
    for key, allowed in (("tax_basic_deduction", codes.TAX_BASIC_DEDUCTION), ("bonus_tax_method", codes.BONUS_TAX_METHOD)):
        if key not in values:
            continue
        value = values[key]
        if value is None and key == "bonus_tax_method":
            out[key] = None  # the policy's method
        elif value not in allowed:
            errors.append(UserError(camel(key), ErrorCode.INVALID, f"{camel(key)}：{value!r} 不是 {'、'.join(allowed)} 之一 / "
                                                                   f"{camel(key)}: {value!r} is not one of {', '.join(allowed)}"))
        else:
            out[key] = value
    return out


def save_tax_choices(worker_id: int, year: int, choices: Mapping[str, Any]) -> tuple[dict | None, dict | None]:
    """Store a worker's tax choices for ``year`` (the ones not given keep their
    stored or default value); returns the row before and after, for the audit log."""
    stored = WorkerTaxChoice.get_or_none((WorkerTaxChoice.worker == worker_id) & (WorkerTaxChoice.year == year))
    before = audit.snapshot(stored)
    values = {"tax_basic_deduction": stored.tax_basic_deduction if stored else "MONTHLY",
              "bonus_tax_method": stored.bonus_tax_method if stored else None, **choices}
    if stored is None:
        stored = WorkerTaxChoice.create(worker=worker_id, year=year, **values)
    else:
        WorkerTaxChoice.update(**values).where(WorkerTaxChoice.id == stored.id).execute()
        stored = WorkerTaxChoice.get_by_id(stored.id)
    mark_pay_changed([worker_id])
    return before, audit.snapshot(stored)


def mark_pay_changed(worker_ids: Sequence[int]) -> None:
    """Record that the pay inputs of these workers changed now (assessments,
    tax choices, the paid post)."""
    if worker_ids:
        Worker.update(pay_changed_at=utcnow()).where(Worker.id.in_(list(worker_ids))).execute()
OPENING_FIGURES = tuple(name for name in OPENING_FIELDS if name != "opening_through")
#: Engine field names inside messages, shown as the GraphQL input names.
_FIELD_NAME = re.compile(r"\b(" + "|".join(sorted(WORKER_FIELDS, key=len, reverse=True)) + r")\b")


def _engine_text(key: str, value: Any) -> Any:
    """A stored value as the engine's validator reads it (money: fen → yuan)."""
    if value is None:
        return None
    if key in _MONEY:
        return format_fen(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def validate_worker(values: Mapping[str, Any], code: str, community_id: int | None) -> dict[str, Any]:
    """Check a worker's merged values; return the columns to store.

    Payroll fields go through the engine's validator, so the service accepts
    exactly what the command line does — posts by their titles (副职) and
    codes by their Chinese labels included; errors name the GraphQL input
    field.  The posts are those of the policy in force for the community's
    jurisdiction.
    """
    policy = policy_of_community(community_id)
    return validate_worker_for(values, code, policy.post_keys if policy else None,
                               policy.post_names if policy else None)


def _date(value: Any) -> dt.date | None:
    """A date given as a date or ISO text (an import's cell); None otherwise (the engine reports it)."""
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def _engine_worker(values: Mapping[str, Any], code: str, post_keys: Sequence[str] | None,
                   post_names: Mapping[str, str] | None, reported: set[str],
                   invalid: Callable[[str, str, str], None]) -> WorkerInput | None:
    """The payroll fields through the engine's validator; its problems (but
    those of fields in ``reported``) go to ``invalid`` named by GraphQL input field."""
    fields = {key: _engine_text(key, values.get(key)) for key in PAYROLL_FIELDS}
    if fields["opening_through"] is None:
        # Zero opening figures without opening_through mean "no opening balances".
        for key in OPENING_FIGURES:
            if not values.get(key):
                fields[key] = None
    fields["worker_id"] = code
    try:
        return worker_from_fields(fields, post_keys=post_keys, post_names=post_names)
    except InputError as exc:
        for problem in exc.problems:
            if camel(problem.field) in reported or problem.field == "worker_id" and "code" in reported:
                continue
            invalid(camel(problem.field), *(_FIELD_NAME.sub(lambda m: camel(m.group(0)), half)
                                            for half in (problem.zh, problem.en)))
        return None


def _personal_columns(values: Mapping[str, Any], invalid: Callable[[str, str, str], None]) -> dict[str, Any]:
    """The identity number (with the birth date and sex it gives), phone and
    bank details to store; a value that is not one goes to ``invalid``."""
    columns: dict[str, Any] = {"id_number": None, "birth_date": None, "sex": None}
    id_number = values.get("id_number")
    if id_number:
        try:
            parsed = parse_id_number(id_number)
        except IdNumberError as exc:
            invalid("idNumber", exc.text.zh, exc.text.en)
        else:
            columns.update(id_number=parsed.number, birth_date=parsed.birth_date, sex=parsed.sex)
    phone = values.get("phone")
    if phone and not (phone.replace("-", "").replace(" ", "").isdigit() and 7 <= len(phone) <= 20):
        invalid("phone", f"“{phone}”不是电话号码（7–20 位数字）", f"{phone!r} is not a telephone number")
    account = values.get("bank_account")
    if account and not (account.replace(" ", "").isdigit() and 8 <= len(account.replace(" ", "")) <= 34):
        invalid("bankAccount", f"“{account}”不是银行账号（8–34 位数字）", f"{account!r} is not a bank account number")
    columns.update(phone=phone or None, bank_name=values.get("bank_name") or None,
                   bank_account=account.replace(" ", "") if account else None)
    return columns


def validate_worker_for(values: Mapping[str, Any], code: str, post_keys: Sequence[str] | None,
                        post_names: Mapping[str, str] | None = None, name_the_worker: bool = True) -> dict[str, Any]:
    """:func:`validate_worker` with the policy's posts given (``None``: any
    post), so that imports check thousands of rows without a query per row.
    Messages name the worker and field (``工作者 W001：phone：…``) unless
    ``name_the_worker`` is false — an import's report names row and column."""
    errors: list[UserError] = [e for e in (formula_error("code", code), formula_error("bank_name", values.get("bank_name")))
                               if e is not None]

    def invalid(field: str, zh: str, en: str) -> None:
        text = Text(zh, en)
        if name_the_worker:
            text = Text(f"工作者 {code}：{field}：{zh}", f"worker {code}: {field}: {en}")
        errors.append(UserError(field, ErrorCode.INVALID, str(text)))

    check_length(errors, "code", Worker.code, code)
    check_dates(errors, {"serviceStart": _date(values.get("service_start")),
                         "certificateDate": _date(values.get("certificate_date"))},
                {"serviceEnd": _date(values.get("service_end"))})
    # Reported here, Chinese first: the engine's own message for the same field is left out.
    reported = {error.field for error in errors}
    name = _text(values, "name", errors, True, Worker.name)
    if post_keys is None:  # any post: it must still fit its column
        check_length(errors, "post", Worker.post, values.get("post"))
    check_length(errors, "bankName", Worker.bank_name, values.get("bank_name"))  # phone: 7–20 characters, below
    worker = _engine_worker(values, code, post_keys, post_names, reported, invalid)
    columns: dict[str, Any] = {"name": name, **_personal_columns(values, invalid)}
    before = values.get("incompetent_years_before", 0)
    if before is None or not 0 <= before <= 100:
        invalid("incompetentYearsBefore", "须为 0 至 100", "must be from 0 to 100")
    if errors:
        raise UserErrors(errors)
    opening = worker.opening
    columns.update(
        incompetent_years_before=before,
        **{name: getattr(worker, name) for name in STORED_INPUTS},
        opening_through=str(opening.through) if opening else None,
        opening_months=opening.months if opening else 0,
        opening_income=opening.income if opening else 0,
        opening_deductions=opening.deductions if opening else 0,
        opening_tax=opening.tax if opening else 0,
        opening_reserve=opening.reserve if opening else 0,
    )
    return columns


def create_worker(principal: Principal, values: Mapping[str, Any]) -> Worker:
    require(principal, Permission.EDIT_RECORDS)
    errors: list[UserError] = []
    code = _text(values, "code", errors, True, Worker.code)
    choices = tax_choice_values(values, errors)
    if errors:
        raise UserErrors(errors)
    columns = validate_worker(values, code, values.get("community_id"))
    with database.atomic():
        community = visible(Community, values.get("community_id"), principal, "communityId")
        _unique(Worker, Worker.code, code, None, "code", "worker")
        if columns["id_number"]:
            _unique(Worker, Worker.id_number, columns["id_number"], None, "idNumber", "a worker with identity number")
        worker = Worker.create(code=code, community=community, pay_changed_at=utcnow(), **columns)
        audit.record(principal, "createWorker", "Worker", worker.id, None, audit.snapshot(worker))
        _record_tax_choices(principal, worker.id, values, choices)
    return worker


def _tax_year(values: Mapping[str, Any]) -> int:
    year = values.get("tax_year") or dt.date.today().year
    if not 1990 <= year <= 2100:
        raise UserErrors.one("taxYear", ErrorCode.INVALID, f"taxYear：{year} 超出 1990–2100 / taxYear: {year} is out "
                                                           "of range (1990–2100)")
    return year


def _record_tax_choices(principal: Principal, worker_id: int, values: Mapping[str, Any], choices: dict) -> None:
    if choices:
        before, after = save_tax_choices(worker_id, _tax_year(values), choices)
        audit.record(principal, "setTaxChoices", "WorkerTaxChoice", after["id"], before, after)


def worker_values(worker: Worker) -> dict[str, Any]:
    """A stored worker's editable values (for merging an update)."""
    keys = ("name", "incompetent_years_before", *PERSONAL_FIELDS, *PAYROLL_FIELDS)
    return {key: getattr(worker, key) for key in keys}


def update_worker(principal: Principal, worker_id: int, version: int, values: Mapping[str, Any]) -> Worker:
    require(principal, Permission.EDIT_RECORDS)
    errors: list[UserError] = []
    choices = tax_choice_values(values, errors)
    if errors:
        raise UserErrors(errors)
    with database.atomic():
        worker = visible(Worker, worker_id, principal, "id")
        _record_tax_choices(principal, worker.id, values, choices)
        merged = {**worker_values(worker), **{k: v for k, v in values.items() if k not in ("community_id", "code")}}
        code = worker.code
        changes = {}
        if "code" in values:
            errors: list[UserError] = []
            code = _text(values, "code", errors, True, Worker.code)
            if errors:
                raise UserErrors(errors)
            _unique(Worker, Worker.code, code, worker.id, "code", "worker")
            changes["code"] = code
        changes.update(validate_worker(merged, code, values.get("community_id", worker.community_id)))
        if "community_id" in values:
            changes["community"] = visible(Community, values["community_id"], principal, "communityId").id
        if pay_inputs_changed(worker, changes):
            changes["pay_changed_at"] = utcnow()
        if changes.get("id_number") and changes["id_number"] != worker.id_number:
            _unique(Worker, Worker.id_number, changes["id_number"], worker.id, "idNumber", "a worker with identity number")
        before = audit.snapshot(worker)
        old_community = worker.community_id
        worker = _update_versioned(Worker, worker, version, changes, worker.code)
        audit.record(principal, "updateWorker", "Worker", worker.id, before, audit.snapshot(worker))
        if worker.community_id != old_community:
            end_posts_left_behind(worker.id, old_community, dt.date.today(), functools.partial(audit.record, principal))
            _refresh_paid_post(principal, worker.id)
    return worker


#: Records an audit entry: (operation, record type, record id, before, after).
AuditWriter = Callable[[str, str, Any, "dict[str, Any] | None", "dict[str, Any] | None"], None]


def end_posts_left_behind(worker_id: int, old_community_id: int, moved_on: dt.date, log: AuditWriter) -> list[int]:
    """A worker moved to another community on ``moved_on`` leaves the posts
    held in the old one: each position held on or after that day ends the day
    before (``transferEndedPosition``); one that had not begun yet is left
    vacant for the old community to fill (``transferVacatedPosition``).
    Returns the positions changed.  Positions that had already ended are
    history and stay as they are."""
    last_day = moved_on - dt.timedelta(days=1)
    held = Position.select().where((Position.worker == worker_id) & (Position.community == old_community_id)
                                   & (Position.end_date.is_null() | (Position.end_date >= moved_on)))
    changed = []
    for position in held:
        before = audit.snapshot(position)
        if position.start_date is not None and position.start_date > last_day:
            change, operation = {"worker": None}, "transferVacatedPosition"
        else:
            change, operation = {"end_date": last_day}, "transferEndedPosition"
        Position.update(**change, version=Position.version + 1, updated_at=utcnow()).where(
            Position.id == position.id).execute()
        log(operation, "Position", position.id, before, audit.snapshot(Position.get_by_id(position.id)))
        changed.append(position.id)
    return changed


def end_worker_service(principal: Principal, worker_id: int, version: int, service_end: dt.date) -> Worker:
    """A leaver: set the last day of service (the leaver's reserve is paid out, §6)."""
    return update_worker(principal, worker_id, version, {"service_end": service_end})


# --- positions -----------------------------------------------------------------------------


def post_rank(post_keys: tuple[str, ...]) -> dict[str, int]:
    """Posts are listed from the highest (正职) down in the policy document."""
    return {key: i for i, key in enumerate(post_keys)}


def _refresh_paid_post(principal: Principal, worker_id: int | None) -> None:
    """A worker holding several titles is paid once, for the highest post among
    the positions held today (交叉任职 / 一肩挑)."""
    if worker_id is None:
        return
    policy = policy_of_community(Worker.get_by_id(worker_id).community_id)
    if policy is None:
        return
    today = dt.date.today()
    held = [
        p.post
        for p in Position.select(Position.post).where(
            (Position.worker == worker_id) & ((Position.end_date.is_null()) | (Position.end_date >= today))
        )
    ]
    if not held:
        return
    rank = post_rank(policy.post_keys)
    highest = min(held, key=lambda post: rank.get(post, len(rank)))
    worker = Worker.get_by_id(worker_id)
    if worker.post != highest:
        before = audit.snapshot(worker)
        Worker.update(post=highest, version=Worker.version + 1, updated_at=utcnow(),
                      pay_changed_at=utcnow()).where(Worker.id == worker_id).execute()
        audit.record(principal, "positionChangedPaidPost", "Worker", worker_id, before, audit.snapshot(Worker.get_by_id(worker_id)))


def _position_values(values: Mapping[str, Any], errors: list[UserError], community_id: int | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "post" in values:
        policy = policy_of_community(community_id)
        post = post_key(values.get("post") or "", policy.post_names if policy else None)
        if policy is not None and post not in policy.post_keys:
            problem = unknown_post(values.get("post"), policy.post_keys)
            errors.append(UserError("post", ErrorCode.INVALID, str(problem)))
        elif policy is None:  # any post: it must still fit its column
            check_length(errors, "post", Position.post, post)
        out["post"] = post
    if "title" in values:
        out["title"] = _text(values, "title", errors, True, Position.title)
    for key in ("start_date", "end_date"):
        if key in values:
            out[key] = values[key]
    check_dates(errors, {"startDate": out.get("start_date")}, {"endDate": out.get("end_date")})
    return out


def _end_before_start(start: dt.date, end: dt.date) -> UserError:
    return UserError("endDate", ErrorCode.INVALID, field_text("endDate", f"{end} 早于 startDate {start}",
                                                              f"{end} is before startDate {start}"))


def create_position(principal: Principal, values: Mapping[str, Any]) -> Position:
    require(principal, Permission.EDIT_RECORDS)
    errors: list[UserError] = []
    columns = _position_values({"post": values.get("post"), "title": values.get("title"), **values}, errors,
                               values.get("community_id"))
    if columns.get("start_date") and columns.get("end_date") and columns["end_date"] < columns["start_date"]:
        errors.append(_end_before_start(columns["start_date"], columns["end_date"]))
    if errors:
        raise UserErrors(errors)
    with database.atomic():
        community = visible(Community, values.get("community_id"), principal, "communityId")
        worker_id = values.get("worker_id")
        if worker_id is not None:
            worker = visible(Worker, worker_id, principal, "workerId")
            if worker.community_id != community.id:
                raise UserErrors.one("workerId", ErrorCode.INVALID, f"workerId：工作者 {worker.code} 属于其他社区 / workerId: "
                                                                    f"worker {worker.code} belongs to another community")
        position = Position.create(community=community, worker=worker_id, **columns)
        audit.record(principal, "createPosition", "Position", position.id, None, audit.snapshot(position))
        _refresh_paid_post(principal, worker_id)
    return position


def update_position(principal: Principal, position_id: int, version: int, values: Mapping[str, Any]) -> Position:
    require(principal, Permission.EDIT_RECORDS)
    with database.atomic():
        position = visible(Position, position_id, principal, "id")
        community = Community.get_by_id(position.community_id)
        errors: list[UserError] = []
        changes = _position_values(values, errors, position.community_id)
        if "worker_id" in values:
            worker_id = values["worker_id"]
            if worker_id is not None:
                worker = visible(Worker, worker_id, principal, "workerId")
                if worker.community_id != community.id:
                    errors.append(UserError("workerId", ErrorCode.INVALID, f"workerId：工作者 {worker.code} 属于其他社区 / "
                                                                           f"workerId: worker {worker.code} belongs to "
                                                                           "another community"))
            changes["worker"] = worker_id
        start = changes.get("start_date", position.start_date)
        end = changes.get("end_date", position.end_date)
        if start and end and end < start:
            errors.append(_end_before_start(start, end))
        if errors:
            raise UserErrors(errors)
        before = audit.snapshot(position)
        previous_worker = position.worker_id
        position = _update_versioned(Position, position, version, changes, position.title)
        audit.record(principal, "updatePosition", "Position", position.id, before, audit.snapshot(position))
        _refresh_paid_post(principal, position.worker_id)
        if previous_worker != position.worker_id:
            _refresh_paid_post(principal, previous_worker)
    return position


# --- assessments ---------------------------------------------------------------------------


def record_assessments(principal: Principal, year: int, entries: list[tuple[int, str]]) -> list[Assessment]:
    """Record (or replace) the year's assessment of several workers at once."""
    require(principal, Permission.EDIT_RECORDS)
    errors: list[UserError] = []
    if not 1990 <= year <= 2100:
        errors.append(UserError("year", ErrorCode.INVALID, f"year：{year} 不在 1990 至 2100 之间 / year: {year} is out "
                                                           "of range (1990 to 2100)"))
    for i, (_, result) in enumerate(entries):
        if result not in codes.ASSESSMENT:
            errors.append(UserError(f"entries[{i}].result", ErrorCode.INVALID, field_text(
                f"entries[{i}].result", f"“{result}”不是可选值，可选：{codes.code_choices('assessment')}",
                f"{result!r} is not one of {', '.join(codes.ASSESSMENT)}")))
    if errors:
        raise UserErrors(errors)
    ids = [worker_id for worker_id, _ in entries]
    if len(set(ids)) != len(ids):
        raise UserErrors.one("entries", ErrorCode.DUPLICATE, "entries：同一工作者出现了两次 / entries: a worker appears "
                                                             "twice in the entries")
    with database.atomic():
        found = Worker.select(Worker.id).where(Worker.id.in_(ids))
        scope = scopes.workers(principal)
        workers = {w.id for w in (found.where(scope) if scope is not None else found)}
        missing = [(i, worker_id) for i, worker_id in enumerate(ids) if worker_id not in workers]
        if missing:
            raise UserErrors([UserError(f"entries[{i}].workerId", ErrorCode.NOT_FOUND,
                                        f"entries[{i}].workerId：工作者 {worker_id} 不存在 / entries[{i}].workerId: worker "
                                        f"{worker_id} does not exist") for i, worker_id in missing])
        existing = {
            a.worker_id: a
            for a in Assessment.select().where((Assessment.worker.in_(ids)) & (Assessment.year == year))
        }
        saved = []
        for worker_id, result in entries:
            before = audit.snapshot(existing.get(worker_id))
            if worker_id in existing:
                Assessment.update(result=result, recorded_at=utcnow()).where(Assessment.id == existing[worker_id].id).execute()
                assessment = Assessment.get_by_id(existing[worker_id].id)
            else:
                assessment = Assessment.create(worker=worker_id, year=year, result=result)
            audit.record(principal, "recordAssessment", "Assessment", assessment.id, before, audit.snapshot(assessment))
            saved.append(assessment)
        mark_pay_changed(ids)
    return saved
