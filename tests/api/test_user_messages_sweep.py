"""Every message a user receives is Chinese first — provoked at run time.

The static check (``tests/test_user_messages.py``) reads the messages written
in the source; this sweep makes the running service and the command line
refuse things the way HR staff get them wrong — bad ids, values, missing
fields, tokens, limits, scopes, states, files — and checks every message it
gets back: GraphQL errors, mutation user errors, import reports, HTTP error
bodies, the export URLs, and each line the command line writes to standard
error (and the import report it writes).  Messages passed on from the engine
or a library (``str(exc)``) are checked here, where the static check cannot
see them.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any, Iterator

import pytest

from api.cli import main
from api.db.database import connection
from api.db.models import Worker

from ..chinese import assert_chinese_first
from ..conftest import EXAMPLE_POLICY, EXAMPLES
from .conftest import City, GraphQLClient, Tokens
from .test_payroll_runs import APPROVE, CREATE_RUN, DELETE, MARK_PAID
from .uploads import IMPORT_ASSESSMENTS, IMPORT_COMMUNITIES, IMPORT_WORKERS, IMPORTS, csv_bytes, upload


def messages_in(body: Any) -> Iterator[str]:
    """Every ``message`` (and import ``summary``) anywhere in a JSON body."""
    if isinstance(body, dict):
        for key, value in body.items():
            if key in ("message", "summary") and isinstance(value, str):
                yield value
            else:
                yield from messages_in(value)
    elif isinstance(body, list):
        for item in body:
            yield from messages_in(item)


class Sweep:
    """What the sweep received: each message with what provoked it."""

    def __init__(self) -> None:
        self.received: list[tuple[str, str]] = []
        self.silent: list[str] = []

    def add(self, what: str, messages: list[str], expect: bool = True) -> None:
        if expect and not messages:
            self.silent.append(what)
        self.received += [(what, m) for m in messages]

    def check(self) -> None:
        assert self.silent == [], "provoked no message"
        for what, message in self.received:
            assert_chinese_first(message, what)


WORKER_FIELDS = "worker { id } errors { field code message }"
BAD_WORKER = {
    "code": "X1", "name": "坏数据", "communityId": None, "post": "BOSS", "serviceStart": "2026-05-01",
    "serviceEnd": "2026-04-30", "idNumber": "110105194912310020", "phone": "12ab", "bankAccount": "12",
    "certificate": "SOCIAL_WORKER", "incompetentYearsBefore": 500, "openingIncome": "100.00",
    "specialDeductionMonthly": "-5.00",
}

#: (token, query, variables): requests that must each be refused with a message.
GRAPHQL_MISTAKES: list[tuple[str, str, dict]] = [
    ("admin", "{ workers { nodes }", {}),  # syntax
    ("admin", "{ nosuch }", {}),
    ("admin", "{ workers(bogus: 1) { nodes { id } } }", {}),
    ("admin", "{ me }", {}),
    ("admin", "{ me { name { first } } }", {}),
    ("admin", "query ($x: Int) { me { name } }", {}),
    ("admin", "{ worker(id: $w) { id } }", {}),
    ("admin", "query ($w: String) { worker(id: $w) { id } }", {}),
    ("admin", 'mutation { createWorker(input: {code: "X", name: "a", communityId: "Community:1", post: "STAFF", '
              'serviceStart: "2020-01-01", education: "本科"}) { errors { message } } }', {}),
    ("admin", 'mutation { createWorker(input: {code: "X", name: "a", communityId: "Community:1", post: "STAFF", '
              'serviceStart: "2020-01-01", education: BACHELR}) { errors { message } } }', {}),
    ("admin", 'mutation { createWorker(input: {code: "X", name: "a", post: "STAFF", serviceStart: "2020-01-01"}) '
              "{ errors { message } } }", {}),
    ("admin", 'mutation { createWorker(input: {code: 5, name: "a", communityId: "Community:1", post: "STAFF", '
              'serviceStart: "2020-13-01", nope: 1, specialDeductionMonthly: 5}) { errors { message } } }', {}),
    ("admin", "mutation ($i: CreateWorkerInput!) { createWorker(input: $i) { errors { message } } }",
     {"i": {"code": "X", "education": "本科", "specialDeductionMonthly": 5, "serviceStart": "2020-02-30"}}),
    ("admin", "query ($p: Period!) { payslips(period: $p) { totalCount } }", {"p": "2026-13"}),
    ("admin", "query ($p: Period!) { payslips(period: $p) { totalCount } }", {}),
    ("admin", "{ budget(year: 2027, baseIncomeGrowth: 5) { year } }", {}),
    ("admin", '{ budget(year: 2027, baseIncomeGrowth: "5") { year } }', {}),
    ("admin", '{ budget(year: 2027, baseIncomeGrowth: "-2") { year } }', {}),
    ("admin", '{ budget(year: 2027, baseIncomeGrowth: "lots") { year } }', {}),
    ("admin", "{ budget(year: 3000) { year } }", {}),
    ("admin", '{ staffing(date: "2019-01-01") { totals { gap } } }', {}),
    ("admin", '{ conversion(period: "2019-01") { totals { workers } } }', {}),
    ("admin", '{ policyComparison(from: "2019-01-01", to: "2026-01-01") { changes { path } } }', {}),
    ("admin", '{ policyComparison(from: "2026-01-01", to: "2026-06-01", policyId: "Policy:99") { changes { path } } }',
     {}),
    ("admin", '{ gradeTable(period: "2019-01") { post } }', {}),
    ("admin", '{ salaryQuote(input: {period: "2026-02", post: "BOSS", serviceStart: "2026-05-01", '
              'openingIncome: "1.00"}) { net } }', {}),
    ("admin", '{ salaryQuote(input: {period: "2026-02", workerId: "Worker:999"}) { net } }', {}),
    ("admin", '{ salaryQuote(input: {period: "2026-02", workerId: "Street:1"}) { net } }', {}),
    ("admin", '{ worker(id: "Worker:abc") { id } }', {}),
    ("admin", '{ community(id: "Worker:1") { id } }', {}),
    ("admin", "{ workers(first: 1000) { nodes { id } } }", {}),
    ("admin", "{ workers(first: 1, last: 1) { nodes { id } } }", {}),
    ("admin", '{ workers(after: "not-a-cursor") { nodes { id } } }', {}),
    ("admin", '{ conversion(period: "2026-08") { workers(after: "bm90LWEtY3Vyc29y") { nodes { code } } } }', {}),
    ("admin", "{ workers(first: 100) { nodes { payslips(first: 100) { nodes { assessments { year } } } } } }", {}),
    ("admin", "{ " + " ".join(f"a{i}: me {{ name }}" for i in range(40)) + " }", {}),
    ("admin", "{ streets { nodes { communities { nodes { workers { nodes { community { street { communities { nodes { "
              "workers { nodes { community { street { name } } } } } } } } } } } } } } }", {}),
    ("admin", 'query { workers(where: {code: "a\\u0000b"}) { nodes { id } } }', {}),
    ("admin", "query ($c: String) { workers(where: {code: $c}) { nodes { id } } }", {"c": "a\u0000b"}),
    ("admin", "mutation ($i: CreateWorkerInput!) { createWorker(input: $i) { %s } }" % WORKER_FIELDS,
     {"i": BAD_WORKER}),
    ("admin", "mutation ($i: UpdateWorkerInput!) { updateWorker(input: $i) { %s } }" % WORKER_FIELDS,
     {"i": {"id": "Worker:999", "version": 1, "name": "x"}}),
    ("admin", "mutation { createCommunity(input: {code: \"C01\", name: \" \", streetId: \"Street:1\", households: -1, "
              "population: 5}) { errors { field code message } } }", {}),
    ("admin", "mutation { createStreet(input: {code: \"S1\", name: \"重复\"}) { errors { message } } }", {}),
    ("admin", "mutation { createPosition(input: {communityId: \"Community:1\", post: \"BOSS\", title: \" \", "
              "startDate: \"2026-05-01\", endDate: \"2026-04-01\"}) { errors { message } } }", {}),
    ("admin", "mutation { recordAssessments(input: {year: 3000, entries: []}) { errors { message } } }", {}),
    ("admin", "mutation ($i: RecordAssessmentsInput!) { recordAssessments(input: $i) { errors { message } } }",
     {"i": {"year": 2026, "entries": [{"workerId": "Worker:999", "result": "EXCELLENT"}]}}),
    ("admin", "mutation { importPolicy(input: {document: \"id: [\"}) { errors { message } } }", {}),
    ("admin", "mutation ($d: String!) { importPolicy(input: {document: $d}) { errors { message } } }",
     {"d": EXAMPLE_POLICY.read_text(encoding="utf-8").replace("max_grade: 16", "max_grade: 17")
      .replace('base_income_annual: "40234.00"', 'base_income_annual: "abc"')}),
    ("admin", "mutation { activatePolicy(input: {id: \"Policy:99\"}) { errors { message } } }", {}),
    ("admin", CREATE_RUN, {"input": {"period": "2026-03"}}),  # months are run in order
    ("admin", CREATE_RUN, {"input": {"period": "2026-01"}}),  # already exists
    ("admin", CREATE_RUN, {"input": {"period": "2026-02", "streetId": "Street:1", "communityId": "Community:1"}}),
    ("admin", MARK_PAID, {"id": "PayrollRun:1"}),  # a draft cannot be paid
    ("admin", APPROVE, {"id": "PayrollRun:99"}),
    ("admin", DELETE, {"id": "Worker:1"}),
    ("hr", CREATE_RUN, {"input": {"period": "2026-02"}}),  # a city-wide run needs an unscoped token
    ("hr_other", "mutation ($i: UpdateWorkerInput!) { updateWorker(input: $i) { %s } }" % WORKER_FIELDS,
     {"i": {"id": "W001", "version": 1, "name": "x"}}),  # a worker of S1, for a token of S2
    ("hr", APPROVE, {"id": "PayrollRun:1"}),  # approving needs FINANCE
    ("viewer", "mutation ($i: CreateWorkerInput!) { createWorker(input: $i) { %s } }" % WORKER_FIELDS,
     {"i": {"code": "V1", "name": "只读", "communityId": "Community:1", "post": "STAFF", "serviceStart": "2026-01-01"}}),
    ("finance", "{ auditLog(first: 1) { nodes { operation } } }", {}),
    (None, "{ me { name } }", {}),
    (None, "{ __schema { types { name } } }", {}),
    ("cp_not-a-token", "{ me { name } }", {}),
]


def test_graphql_refusals_are_chinese_first(client, gql: GraphQLClient, city: City, tokens: Tokens):
    gql.mutate(CREATE_RUN, {"input": {"period": "2026-01"}})
    by_name = {"admin": tokens.admin, "hr": tokens.hr, "hr_other": tokens.hr_other, "finance": tokens.finance,
               "viewer": tokens.viewer}
    sweep = Sweep()
    for token, query, variables in GRAPHQL_MISTAKES:
        if isinstance(variables.get("i"), dict) and variables["i"].get("id") in city.workers:
            variables = {"i": {**variables["i"], "id": city.workers[variables["i"]["id"]]}}
        headers = {"Authorization": f"Bearer {by_name.get(token, token)}"} if token else {}
        response = client.post("/graphql", json={"query": query, "variables": variables}, headers=headers)
        sweep.add(f"{token}: {query[:60]}", list(messages_in(response.json())))
    sweep.check()
    assert len({m for _, m in sweep.received}) >= 60


def test_import_reports_are_chinese_first(gql: GraphQLClient, city: City, tokens: Tokens):
    sweep = Sweep()
    files = [
        (IMPORT_WORKERS, IMPORTS / "workers-with-errors.csv", None, {}),
        (IMPORT_WORKERS, csv_bytes("工号,姓名,社区代码,岗位,参加工作时间,备注,学历,证书,期初累计收入",
                                   "W900,甲,C99,网格长,2020-02-30,x,大学,社工,abc",
                                   "W901,乙,C01,STAFF,2020-01-01,,博士后,,"), "花名册.csv", {}),
        (IMPORT_WORKERS, csv_bytes("姓名,电话", "甲,1"), "无工号.csv", {}),
        (IMPORT_WORKERS, csv_bytes("名字,地址"), "无表头.csv", {}),
        (IMPORT_WORKERS, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64, "旧版.xls", {}),
        (IMPORT_WORKERS, b"PK\x03\x04broken", "坏的.xlsx", {}),
        (IMPORT_WORKERS, b"a\0b", "nul.csv", {}),
        (IMPORT_COMMUNITIES, csv_bytes("社区代码,社区名称,街道,户数,人口", "C01,红星社区,不存在街道,-3,abc",
                                       "C02,,S1,1,1", "C02,重复,S1,1,1"), "社区.csv", {}),
        (IMPORT_ASSESSMENTS, csv_bytes("工号,考核结果", "W001,良好", "W999,优秀", "W002,"), "考核.csv", {"year": 2026}),
        (IMPORT_ASSESSMENTS, csv_bytes("工号,考核结果", "W001,优秀"), "考核.csv", {"year": 3000}),
    ]
    for query, content, name, extra in files:
        for token in (tokens.admin, tokens.hr):
            body = upload(gql.as_(token), query, content, name, **extra)
            sweep.add(f"{query[:40]} {name or content}", list(messages_in(body)))
    sweep.check()
    assert len({m for _, m in sweep.received}) >= 25


HTTP_MISTAKES = [
    ("GET", "/exports/payroll-runs/99.csv", None),
    ("GET", "/exports/payroll-runs/1.xlsx", "none"),
    ("GET", "/exports/payroll-runs/1.xlsx", "bad"),
    ("GET", "/exports/budget.xlsx", None),
    ("GET", "/exports/budget.xlsx?year=abc", None),
    ("GET", "/exports/budget.xlsx?year=2027&baseIncomeGrowth=5", None),
    ("GET", "/exports/budget.xlsx?year=2027&baseIncomeGrowth=x", None),
    ("GET", "/exports/budget.xlsx?year=2027&streetId=Worker:1", None),
    ("GET", "/exports/budget.xlsx?year=2027&streetId=Street:99", None),
    ("GET", "/exports/budget.xlsx?year=2027&streetId=1&communityId=1", None),
    ("GET", "/exports/conversion.xlsx?period=2026-13", None),
    ("GET", "/exports/conversion.xlsx?period=2019-01", None),
    ("GET", "/exports/staffing.xlsx?date=2026-02-30", None),
    ("GET", "/nowhere", None),
    ("DELETE", "/graphql", None),
    ("PUT", "/healthz", None),
    ("GET", "/graphql?query=mutation%20%7B%20activatePolicy(input%3A%7Bid%3A%221%22%7D)%20%7B%20errors%20%7B%20message"
            "%20%7D%20%7D%20%7D", None),
    ("POST", "/graphql", b"{not json"),
    ("POST", "/graphql", b'{"query": 5}'),
    ("POST", "/graphql", b'[1, 2]'),
    ("POST", "/graphql", b'{"variables": {}}'),
    ("POST", "/graphql", b'{"query": "{ me { name } }", "variables": []}'),
    ("POST", "/graphql", b'{"query": "' + b"#" * 1_100_000 + b'"}'),  # above the body limit
    ("POST", "/graphql", b'[' + b",".join([b'{"query": "{ me { name } }"}'] * 11) + b']'),  # above the batch limit
]


def test_http_error_bodies_are_chinese_first(client, city: City, tokens: Tokens, gql: GraphQLClient):
    gql.mutate(CREATE_RUN, {"input": {"period": "2026-01"}})
    sweep = Sweep()
    for method, path, extra in HTTP_MISTAKES:
        headers = {"Authorization": f"Bearer {tokens.hr}", "Accept": "application/json"}
        if extra == "none":
            headers.pop("Authorization")
        elif extra == "bad":
            headers["Authorization"] = "Basic abc"
        content = extra if isinstance(extra, bytes) else None
        if content is not None:
            headers["Content-Type"] = "application/json"
        response = client.request(method, path, headers=headers, content=content)
        assert response.status_code >= 400, (method, path, response.status_code)
        sweep.add(f"{method} {path}", list(messages_in(response.json())))
    sweep.check()


def _cli(capsys, *args: str) -> tuple[int, str, str]:
    try:
        code = main(list(args))
    except SystemExit as exc:  # argparse refused the command line
        code = exc.code
    out = capsys.readouterr()
    return code, out.out, out.err


def _stderr_messages(err: str) -> list[str]:
    """The messages of the command line's standard error: its own lines and
    the indented problems under them (argparse's usage lines left out)."""
    lines = []
    usage = False
    for line in err.splitlines():
        if line.startswith("usage:"):
            usage = True
            continue
        if usage and line.startswith(" ") and not line.strip().startswith(("versions", "id", "document")):
            continue
        usage = False
        if line.strip():
            lines.append(line.strip())
    return lines


@pytest.fixture
def database(database_url, monkeypatch, tmp_path):
    from api.db.database import configure
    from api.db.migrate import migrate
    from api.services.demo import load_demo

    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.chdir(tmp_path)
    configure(database_url)
    migrate()
    import datetime as dt

    with connection():
        load_demo(workers=60, streets=2, communities=4, today=dt.date(2026, 4, 15))
    return tmp_path


def test_command_line_messages_are_chinese_first(database, capsys, monkeypatch):
    tmp = database
    (tmp / "bad.csv").write_text("worker_id,post,service_start,education\nW1,BOSS,2020-13-01,PHD\nW1,STAFF,,\n",
                                 encoding="utf-8")
    (tmp / "unknown.csv").write_text("worker_id,post,service_start,educaton\n", encoding="utf-8")
    (tmp / "empty.csv").write_text("", encoding="utf-8")
    (tmp / "bad.yaml").write_text(EXAMPLE_POLICY.read_text(encoding="utf-8").replace("max_grade: 16", "max_grade: 17")
                                  .replace('withheld_share: "0.20"', 'withheld_share: "2"'), encoding="utf-8")
    (tmp / "broken.yaml").write_text("id: [\n", encoding="utf-8")
    (tmp / "paid.csv").write_text("worker_id,period\n", encoding="utf-8")
    (tmp / "communities.csv").write_text("community_id,name,street,households,population\nC01,a,b,-1,x\n",
                                         encoding="utf-8")
    (tmp / "workers.xlsx").write_bytes(b"PK\x03\x04broken")
    examples = str(EXAMPLES / "workers.csv")
    commands = [
        ["quote", "--from", "2026-13", "--to", "2026-12"],
        ["quote", "--to", "2026-12"],
        ["quote", "--from", "2026-05", "--to", "2026-01"],
        ["quote", "--from", "2026-01", "--to", "2026-12", "--workers", "bad.csv"],
        ["quote", "--from", "2026-01", "--to", "2026-12", "--workers", "bad.csv", "--skip-bad-rows"],
        ["quote", "--from", "2026-01", "--to", "2026-12", "--workers", "unknown.csv"],
        ["quote", "--from", "2026-01", "--to", "2026-12", "--workers", "empty.csv"],
        ["quote", "--from", "2026-01", "--to", "2026-12", "--workers", "missing.csv"],
        ["quote", "--from", "2026-01", "--to", "2026-12", "--policy", "bad.yaml"],
        ["quote", "--from", "2026-01", "--to", "2026-12", "--policy", "broken.yaml"],
        ["quote", "--from", "2026-01", "--to", "2026-12", "--policy", "missing.yaml"],
        ["quote", "--from", "2024-12", "--to", "2025-01", "--workers", examples],
        ["quote", "--from", "2026-04", "--to", "2026-12", "--workers", examples, "--paid", "paid.csv"],
        ["quote", "--from", "2026-01", "--to", "2026-12", "-o", "x.xlsx"],
        ["staffing", "--date", "2026-02-30"],
        ["staffing", "--date", "2026-11-01", "--communities", "communities.csv"],
        ["budget", "--year", "2027", "--base-income-growth", "5"],
        ["budget", "--year", "2027", "--base-income-growth", "-2"],
        ["budget", "--year", "2027", "--base-income-growth", "abc"],
        ["explain", "--worker", "W999", "--period", "2026-01"],
        ["explain", "--worker", "W003", "--period", "2026-02"],
        ["export", "run", "--run", "99"],
        ["export", "payslips", "--run", "1"],
        ["export", "staffing", "--date", "2026-11-01", "-o", "职数.pdf"],
        ["export", "conversion", "--period", "2019-01"],
        ["export", "conversion", "--period", "2026-03", "--street", "S99"],
        ["export", "budget", "--year", "2027", "--street", "S01", "--community", "C001"],
        ["export", "budget", "--year", "2019"],
        ["policy", "validate", "bad.yaml"],
        ["policy", "validate", "missing.yaml"],
        ["policy", "import", "bad.yaml"],
        ["policy", "grades", "--period", "2019-01"],
        ["policy", "grades", "--period", "2026-01", "-o", "grades.doc"],
        ["import", "workers", "missing.csv"],
        ["import", "workers", "workers.xlsx"],
        ["import", "workers", "bad.csv", "-o", "report.pdf"],
        ["import", "assessments", "bad.csv"],
        ["import", "communities", "communities.csv"],
        ["token", "create", "--role", "HR", "--name", "x"],
        ["token", "create", "--role", "HR", "--name", "x", "--street", "S99"],
        ["token", "create", "--role", "ADMIN", "--name", "x", "--street", "S01"],
        ["token", "create", "--role", "ADMIN", "--name", "x", "--expires", "soon"],
        ["token", "create", "--role", "BOSS", "--name", "x"],
        ["token", "revoke", "99"],
        ["demo"],
        ["nosuch"],
        ["quote", "--from", "2026-01", "--to", "2026-12", "--frm", "x"],
    ]
    sweep = Sweep()
    for command in commands:
        code, out, err = _cli(capsys, *command)
        assert code != 0 or "skip" in " ".join(command), command
        sweep.add(" ".join(command), _stderr_messages(err))
        if command[0] == "import" and out:
            report = list(csv.DictReader(io.StringIO(out)))
            sweep.add(" ".join(command) + " (report)", [row["说明"] for row in report if row["说明"]], expect=False)
    monkeypatch.setenv("DATABASE_URL", "mysql://nowhere/payroll")
    code, _, err = _cli(capsys, "migrate")
    assert code == 2
    sweep.add("migrate with an unusable DATABASE_URL", _stderr_messages(err))
    sweep.check()
    assert len({m for _, m in sweep.received}) >= 45


def test_the_sweep_catches_an_english_only_message(client, gql: GraphQLClient, city: City, monkeypatch):
    """A message planted without Chinese is caught by the sweep's check (so it can fail)."""
    from api.services import records

    original = records.validate_worker_for

    def planted(*args, **kwargs):
        from api.errors import ErrorCode, UserErrors

        raise UserErrors.one("name", ErrorCode.INVALID, "name: is not a name")

    monkeypatch.setattr(records, "validate_worker_for", planted)
    body = client.post("/graphql", json={"query": "mutation ($i: CreateWorkerInput!) { createWorker(input: $i) { "
                                                  "errors { message } } }",
                                         "variables": {"i": {"code": "P1", "name": "x", "communityId": "Community:1",
                                                             "post": "STAFF", "serviceStart": "2026-01-01"}}},
                       headers={"Authorization": f"Bearer {gql.token}"}).json()
    sweep = Sweep()
    sweep.add("planted", list(messages_in(body)))
    with pytest.raises(AssertionError, match="not Chinese first"):
        sweep.check()
    assert original is not records.validate_worker_for
    assert json.dumps(body, ensure_ascii=False).count("is not a name") == 1
    with connection():
        assert not Worker.select().where(Worker.code == "P1").exists()
