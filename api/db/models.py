"""The records (product.md, "The records") as peewee models.

Money is integer fen in ``BigIntegerField`` columns; periods are ``YYYY-MM``
text, which sorts like the months it names.  Editable records carry a
``version`` that every update must name (optimistic locking: two people
editing one worker cannot silently overwrite each other).

The schema itself is created by the migrations in :mod:`api.db.migrations`,
not by these classes; a test checks that the two agree.
"""

from __future__ import annotations

import datetime as dt

import peewee as pw

from payroll.engine import MONEY_COLUMNS

from api.db.database import database


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


class BaseModel(pw.Model):
    class Meta:
        database = database
        legacy_table_names = False


class VersionedModel(BaseModel):
    """A record people edit: ``version`` increases by one with each update."""

    version = pw.IntegerField(default=1)
    created_at = pw.DateTimeField(default=utcnow)
    updated_at = pw.DateTimeField(default=utcnow)


#: Levels of a jurisdiction: 地级市, 县 (and 县级市), 区.
JURISDICTION_LEVELS = ("CITY", "COUNTY", "DISTRICT")

#: The jurisdiction everything belonged to before there were several
#: (migration 0007): a one-city installation needs no other.
DEFAULT_JURISDICTION_ID = 1


class Jurisdiction(VersionedModel):
    """行政区划 — a city (市), county (县) or district (区): it owns streets and
    publishes its own policies; one without an active policy of its own is
    paid under its nearest ancestor's (a city-wide system over its districts)."""

    #: 行政区划代码 (six digits; the default jurisdiction's ``000000`` is a placeholder).
    code = pw.CharField(max_length=12, unique=True)
    name = pw.CharField(max_length=100)
    level = pw.CharField(max_length=10)
    parent = pw.ForeignKeyField("self", null=True, backref="children", on_delete="RESTRICT", index=True)
    #: 城镇常住人口 as published, for the staffing standard per 10,000 residents
    #: (None: the sum of its communities' residents).
    population = pw.IntegerField(null=True)


class Street(VersionedModel):
    """街道 — a street office of a jurisdiction, the unit HR staff are scoped to."""

    code = pw.CharField(max_length=32, unique=True)
    name = pw.CharField(max_length=100)
    jurisdiction = pw.ForeignKeyField(Jurisdiction, backref="streets", on_delete="RESTRICT", index=True)


class Community(VersionedModel):
    """社区 — a community of a street, with its households and residents."""

    code = pw.CharField(max_length=32, unique=True)
    name = pw.CharField(max_length=100)
    street = pw.ForeignKeyField(Street, backref="communities", on_delete="RESTRICT", index=True)
    households = pw.IntegerField(default=0)
    population = pw.IntegerField(default=0)
    ended_on = pw.DateField(null=True)


class Worker(VersionedModel):
    """社区工作者 — a worker and every input of salary-model.md §1.

    ``post`` is the post the worker is paid for: the highest post among the
    worker's positions (a worker holding several titles is paid once).
    """

    code = pw.CharField(max_length=64, unique=True)
    name = pw.CharField(max_length=100)
    id_number = pw.CharField(max_length=18, unique=True, null=True)
    birth_date = pw.DateField(null=True)
    sex = pw.CharField(max_length=1, null=True)
    phone = pw.CharField(max_length=20, null=True)
    bank_name = pw.CharField(max_length=100, null=True)
    bank_account = pw.CharField(max_length=34, null=True)
    community = pw.ForeignKeyField(Community, backref="workers", on_delete="RESTRICT", index=True)
    post = pw.CharField(max_length=32)
    service_start = pw.DateField()
    service_end = pw.DateField(null=True, index=True)
    prior_service_years = pw.IntegerField(default=0)
    #: 不称职 years before the assessments recorded here (e.g. from an import);
    #: incompetent_years of a year adds the INCOMPETENT assessments of earlier years.
    incompetent_years_before = pw.IntegerField(default=0)
    education = pw.CharField(max_length=20, default="SECONDARY")
    certificate = pw.CharField(max_length=30, default="NONE")
    certificate_date = pw.DateField(null=True)
    special_deduction_monthly = pw.BigIntegerField(default=0)
    previous_monthly_pay = pw.BigIntegerField(null=True)
    opening_through = pw.CharField(max_length=7, null=True)
    opening_months = pw.IntegerField(default=0)
    opening_income = pw.BigIntegerField(default=0)
    opening_deductions = pw.BigIntegerField(default=0)
    opening_tax = pw.BigIntegerField(default=0)
    opening_reserve = pw.BigIntegerField(default=0)
    #: When the pay inputs (the fields above, assessments, tax choices) last
    #: changed: months paid before it may need a correction (§13).
    pay_changed_at = pw.DateTimeField(null=True)

    class Meta:
        # Staffing counts the workers in service on a day by community and
        # post from this index alone (an index-only scan, migration 0004).
        indexes = ((("community", "post", "service_start", "service_end"), False),)


class Position(VersionedModel):
    """岗位 — a post of the policy in a community with a title (党组织书记,
    居委会主任, 网格员 …), held by a worker or vacant."""

    community = pw.ForeignKeyField(Community, backref="positions", on_delete="RESTRICT", index=True)
    worker = pw.ForeignKeyField(Worker, backref="positions", null=True, on_delete="RESTRICT", index=True)
    post = pw.CharField(max_length=32)
    title = pw.CharField(max_length=50)
    start_date = pw.DateField(null=True)
    end_date = pw.DateField(null=True)


class Assessment(BaseModel):
    """年度考核 — a worker's assessment for a year."""

    worker = pw.ForeignKeyField(Worker, backref="assessments", on_delete="CASCADE")
    year = pw.IntegerField()
    result = pw.CharField(max_length=20)
    recorded_at = pw.DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("worker", "year"), True),)


class WorkerTaxChoice(BaseModel):
    """A worker's tax choices for one tax year (salary-model.md §1, §9):
    累计减除费用规则 and 年终奖计税方式."""

    #: No index of its own: the unique (worker, year) index serves lookups by worker.
    worker = pw.ForeignKeyField(Worker, backref="tax_choices", on_delete="CASCADE", index=False)
    year = pw.IntegerField()
    tax_basic_deduction = pw.CharField(max_length=20)
    bonus_tax_method = pw.CharField(max_length=20, null=True)

    class Meta:
        indexes = ((("worker", "year"), True),)


class Policy(VersionedModel):
    """A policy document of a jurisdiction, stored whole as validated JSON; at
    most one of a jurisdiction's policies is active."""

    #: No index of its own: the unique (jurisdiction, code) index serves it.
    jurisdiction = pw.ForeignKeyField(Jurisdiction, backref="policies", on_delete="RESTRICT", index=False)
    code = pw.CharField(max_length=64)
    title = pw.CharField(max_length=200)
    document = pw.TextField()
    active = pw.BooleanField(default=False)

    class Meta:
        indexes = ((("jurisdiction", "code"), True),)


class PolicyVersion(BaseModel):
    """One dated version of a stored policy (kept for listing and filtering)."""

    policy = pw.ForeignKeyField(Policy, backref="versions", on_delete="CASCADE")
    effective_from = pw.DateField()
    source = pw.CharField(max_length=200, null=True)
    base_income_annual = pw.BigIntegerField()
    published_at = pw.DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("policy", "effective_from"), True),)


class PayrollRun(BaseModel):
    """工资发放批次 — a month's payroll over a jurisdiction (scope ``CITY``), a
    street or a community, paid under the jurisdiction's policy.

    DRAFT → APPROVED → PAID.  Approved and paid runs and their payslips never
    change; the database refuses it (triggers), not only the API.
    """

    period = pw.CharField(max_length=7)
    scope_type = pw.CharField(max_length=10)  # CITY, STREET, COMMUNITY
    street = pw.ForeignKeyField(Street, null=True, on_delete="RESTRICT")
    community = pw.ForeignKeyField(Community, null=True, on_delete="RESTRICT")
    #: "CITY", "STREET:<id>" or "COMMUNITY:<id>": one run per month, jurisdiction and scope.
    scope_key = pw.CharField(max_length=40)
    #: The jurisdiction whose policy the run is paid under (for CITY: the one it covers).
    jurisdiction = pw.ForeignKeyField(Jurisdiction, on_delete="RESTRICT", index=True)
    status = pw.CharField(max_length=10, default="DRAFT")
    policy = pw.ForeignKeyField(Policy, on_delete="RESTRICT")
    policy_effective_from = pw.DateField()
    payslip_count = pw.IntegerField(default=0)
    gross = pw.BigIntegerField(default=0)
    net = pw.BigIntegerField(default=0)
    income_tax = pw.BigIntegerField(default=0)
    employee_contributions = pw.BigIntegerField(default=0)
    employer_cost = pw.BigIntegerField(default=0)
    created_by = pw.CharField(max_length=100)
    created_at = pw.DateTimeField(default=utcnow)
    approved_by = pw.CharField(max_length=100, null=True)
    approved_at = pw.DateTimeField(null=True)
    paid_by = pw.CharField(max_length=100, null=True)
    paid_at = pw.DateTimeField(null=True)
    #: The policy document (JSON) as it was when the run was computed: its
    #: explanations are rebuilt from it, never from later versions.
    policy_document = pw.TextField(null=True)

    class Meta:
        indexes = ((("period", "jurisdiction", "scope_key"), True),)


#: Payslip columns that keep what a run's files print about the worker
#: (:mod:`api.reads.run_files`): stored when the run is computed, refreshed at approval.
PAYSLIP_FROZEN = ("worker_code", "worker_name", "bank_name", "bank_account")

#: Money columns of a payslip, as in the payslips CSV (the engine's columns).
PAYSLIP_MONEY = MONEY_COLUMNS


class Payslip(BaseModel):
    """工资条 — one worker's month: every column of the payslips CSV, the inputs
    and year-to-date totals it was computed from (so its explanation can be
    rebuilt exactly even after the worker's record changes) and the totals
    after the month (the next month's run starts from them)."""

    id = pw.BigAutoField()
    # The run's and the worker's lookups use the wider indexes below (migration 0008).
    # On PostgreSQL these four references are checked once per inserted statement
    # by a trigger, not per row by foreign keys (migration 0009); SQLite keeps them.
    run = pw.ForeignKeyField(PayrollRun, backref="payslips", on_delete="CASCADE", index=False)
    worker = pw.ForeignKeyField(Worker, backref="payslips", on_delete="RESTRICT", index=False)
    community = pw.ForeignKeyField(Community, on_delete="RESTRICT")
    street = pw.ForeignKeyField(Street, on_delete="RESTRICT")
    period = pw.CharField(max_length=7)
    post = pw.CharField(max_length=32)
    grade = pw.IntegerField()
    counted_years = pw.IntegerField()
    days = pw.IntegerField()
    basic_pay = pw.BigIntegerField()
    performance_pay = pw.BigIntegerField()
    education_allowance = pw.BigIntegerField()
    certificate_allowance = pw.BigIntegerField()
    tenure_allowance = pw.BigIntegerField()
    fixed_allowances = pw.BigIntegerField(default=0)
    difference_allowance = pw.BigIntegerField()
    back_pay = pw.BigIntegerField(default=0)
    gross = pw.BigIntegerField()
    si_base = pw.BigIntegerField()
    employee_pension = pw.BigIntegerField()
    employee_medical = pw.BigIntegerField()
    employee_unemployment = pw.BigIntegerField()
    housing_fund_employee = pw.BigIntegerField()
    income_tax = pw.BigIntegerField()
    bonus_tax = pw.BigIntegerField()
    net = pw.BigIntegerField()
    employer_pension = pw.BigIntegerField()
    employer_medical = pw.BigIntegerField()
    employer_unemployment = pw.BigIntegerField()
    employer_work_injury = pw.BigIntegerField()
    housing_fund_employer = pw.BigIntegerField()
    accident_insurance = pw.BigIntegerField()
    employer_cost = pw.BigIntegerField()
    # The inputs the month was computed from.
    service_start = pw.DateField()
    service_end = pw.DateField(null=True)
    prior_service_years = pw.IntegerField()
    incompetent_years = pw.IntegerField()
    education = pw.CharField(max_length=20)
    certificate = pw.CharField(max_length=30)
    certificate_date = pw.DateField(null=True)
    assessment = pw.CharField(max_length=20, null=True)
    special_deduction_monthly = pw.BigIntegerField()
    previous_monthly_pay = pw.BigIntegerField(null=True)
    tax_basic_deduction = pw.CharField(max_length=20, default="MONTHLY")
    bonus_tax_method = pw.CharField(max_length=20, null=True)
    #: §13: the months behind ``back_pay``, JSON ``[[period, old, new], …]`` (fen).
    back_pay_detail = pw.TextField(null=True)
    # Year-to-date totals before this month (what it was computed from) …
    prior_tax_months = pw.IntegerField()
    prior_income = pw.BigIntegerField()
    prior_deductions = pw.BigIntegerField()
    prior_tax = pw.BigIntegerField()
    prior_reserve = pw.BigIntegerField()
    # … and after it (salary-model.md §6, §9); the next month starts from these.
    ytd_tax_months = pw.IntegerField()
    ytd_income = pw.BigIntegerField()
    ytd_deductions = pw.BigIntegerField()
    ytd_tax = pw.BigIntegerField()
    ytd_reserve = pw.BigIntegerField()
    # What the run's files print about the worker, as the records said when
    # the run was computed, refreshed at approval (migration 0003): an
    # approved or paid run's files never follow later edits.
    worker_code = pw.CharField(max_length=64, default="")
    worker_name = pw.CharField(max_length=100, default="")
    bank_name = pw.CharField(max_length=100, null=True)
    bank_account = pw.CharField(max_length=34, null=True)

    class Meta:
        indexes = (
            (("worker", "period"), True),
            (("run", "id"), False),
            (("period", "id"), False),
        )


class PayrollRunPlace(BaseModel):
    """A street and community a run pays, with their codes and names as the
    records said when the run was computed, refreshed at approval (migration
    0003): the headings and subtotals of an approved run's files never follow
    a renamed community.  Locked with the run, like its payslips."""

    run = pw.ForeignKeyField(PayrollRun, backref="places", on_delete="CASCADE")
    street = pw.ForeignKeyField(Street, on_delete="RESTRICT")
    community = pw.ForeignKeyField(Community, on_delete="RESTRICT")
    street_code = pw.CharField(max_length=32)
    street_name = pw.CharField(max_length=100)
    community_code = pw.CharField(max_length=32)
    community_name = pw.CharField(max_length=100)

    class Meta:
        indexes = ((("run", "street", "community"), True),)


class AuditEntry(BaseModel):
    """审计日志 — who changed what, when, with the record before and after."""

    id = pw.BigAutoField()
    at = pw.DateTimeField(default=utcnow, index=True)
    actor = pw.CharField(max_length=100, index=True)
    role = pw.CharField(max_length=10)
    operation = pw.CharField(max_length=60, index=True)
    record_type = pw.CharField(max_length=40)
    record_id = pw.CharField(max_length=40)
    before = pw.TextField(null=True)
    after = pw.TextField(null=True)
    request_id = pw.CharField(max_length=40, null=True)

    class Meta:
        indexes = ((("record_type", "record_id"), False),)


class ApiToken(BaseModel):
    """A bearer token: only its SHA-256 hash is stored."""

    name = pw.CharField(max_length=100)
    role = pw.CharField(max_length=10)
    token_hash = pw.CharField(max_length=64, unique=True)
    prefix = pw.CharField(max_length=12)
    #: JSON lists of the jurisdiction (行政区划代码), street and community codes
    #: a token is limited to.
    jurisdictions = pw.TextField(default="[]")
    streets = pw.TextField(default="[]")
    communities = pw.TextField(default="[]")
    created_at = pw.DateTimeField(default=utcnow)
    expires_at = pw.DateTimeField(null=True)
    revoked_at = pw.DateTimeField(null=True)
    last_used_at = pw.DateTimeField(null=True)
    #: The worker a WORKER token is limited to (电子工资条); its tokens go with it.
    worker = pw.ForeignKeyField(Worker, null=True, on_delete="CASCADE", index=True)


class PayslipLink(BaseModel):
    """一次性工资条链接 — a one-time link HR gives a worker (printed or sent).

    Opening it exchanges its code, once, for a WORKER token of that worker
    (``token``).  Only the code's SHA-256 is stored; a link is refused after
    use, after ``expires_at`` and once revoked."""

    worker = pw.ForeignKeyField(Worker, on_delete="CASCADE", index=True)
    code_hash = pw.CharField(max_length=64, unique=True)
    created_by = pw.CharField(max_length=100)
    created_at = pw.DateTimeField(default=utcnow)
    expires_at = pw.DateTimeField()
    used_at = pw.DateTimeField(null=True)
    revoked_at = pw.DateTimeField(null=True)
    #: The token the code was exchanged for.
    token = pw.ForeignKeyField(ApiToken, null=True, on_delete="SET NULL")


ALL_MODELS = (
    Jurisdiction, Street, Community, Worker, Position, Assessment, WorkerTaxChoice, Policy, PolicyVersion, PayrollRun, Payslip,
    PayrollRunPlace, AuditEntry, ApiToken, PayslipLink,
)
