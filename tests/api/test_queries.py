"""Queries through HTTP: connections, filters, ordering, the calculator,
staffing and budget (equal to the command line), statement counts (no N+1) and
concurrency (a slow request does not hold up a quick one)."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import time
from typing import Iterator

import httpx2
import orjson
import pytest

from api.access.principal import SYSTEM
from api.db.database import connection
from api.reads import quotes
from api.services.demo import load_demo

from ..conftest import EXAMPLES
from .conftest import City, GraphQLClient
from .test_payroll_runs import run_year


def test_worker_connection_pages_with_cursors_and_filters(gql: GraphQLClient, city: City):
    first = gql.data("""{ workers(first: 2, orderBy: [{field: CODE, direction: ASC}]) {
        totalCount edges { cursor node { code } } pageInfo { hasNextPage hasPreviousPage endCursor } } }""")["workers"]
    assert first["totalCount"] == 6
    assert [e["node"]["code"] for e in first["edges"]] == ["W001", "W002"]
    assert first["pageInfo"]["hasNextPage"] and not first["pageInfo"]["hasPreviousPage"]
    second = gql.data("""query($after: String) { workers(first: 10, after: $after, orderBy: [{field: CODE}]) {
        nodes { code } pageInfo { hasNextPage hasPreviousPage } } }""", {"after": first["pageInfo"]["endCursor"]})["workers"]
    assert [n["code"] for n in second["nodes"]] == ["W003", "W004", "W005", "W006"]
    assert not second["pageInfo"]["hasNextPage"] and second["pageInfo"]["hasPreviousPage"]
    backwards = gql.data("""{ workers(last: 2, orderBy: [{field: CODE}]) { nodes { code } } }""")["workers"]
    assert [n["code"] for n in backwards["nodes"]] == ["W005", "W006"]
    by_start = gql.data("""{ workers(first: 3, orderBy: [{field: SERVICE_START, direction: DESC}]) { nodes { code } } }""")
    assert [n["code"] for n in by_start["workers"]["nodes"]] == ["W003", "W002", "W006"]
    filtered = gql.data("""query($c: ID) { workers(where: {communityId: $c, post: "staff"}) { nodes { code } } }""",
                        {"c": city.communities["C01"]})["workers"]
    assert [n["code"] for n in filtered["nodes"]] == ["W003", "W004"]
    active = gql.data("""{ workers(where: {activeOn: "2026-11-01", education: BACHELOR}) { nodes { code } } }""")
    assert [n["code"] for n in active["workers"]["nodes"]] == ["W001", "W006"]
    search = gql.data("""{ workers(where: {search: "王"}) { nodes { code name } } }""")["workers"]["nodes"]
    assert search == [{"code": "W003", "name": "王芳"}]


def test_page_size_limit_and_bad_cursor(gql, city):
    body = gql.post("{ workers(first: 101) { nodes { code } } }")
    assert body["errors"][0]["message"] == "first：101 超出每页 1–100 条 / first: 101 is outside the page size limit of 1 to 100"
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    body = gql.post('{ workers(first: 5, after: "nonsense") { nodes { code } } }')
    assert "is not a cursor of this list" in body["errors"][0]["message"]


def test_salary_quote_for_a_hypothetical_worker(gql, city):
    quote = gql.data("""{ salaryQuote(input: {period: "2026-11", post: "STAFF", serviceStart: "2023-01-01"}) {
        grade countedYears basicPay gross net worker { code } explanation { item calculation } } }""")["salaryQuote"]
    # counted 3 → grade 2: grade pay R(40234 × 1.05 / 12 = 3520.475) = 3520.48; basic 2816.38; tenure 60.00
    assert (quote["grade"], quote["countedYears"], quote["basicPay"], quote["gross"]) == (2, 3, "2816.38", "2876.38")
    assert quote["worker"] is None
    lines = {line["item"]: line["calculation"] for line in quote["explanation"]}
    assert lines["grade_pay"] == "40234.00 × 1.05 / 12 = 3520.475 → 3520.48"


def test_salary_quote_for_a_real_worker_matches_the_example(gql, city):
    december = gql.data("""query($w: ID) { salaryQuote(input: {period: "2026-12", workerId: $w}) {
        performancePay bonusTax net worker { code } } }""", {"w": city.workers["W001"]})["salaryQuote"]
    assert december == {"performancePay": "15932.74", "bonusTax": "477.98", "net": "19610.04", "worker": {"code": "W001"}}
    # A what-if: the same worker assessed BASIC gets 0.80 instead of 1.20.
    what_if = gql.data("""query($w: ID) { salaryQuote(input: {period: "2026-12", workerId: $w, assessment: BASIC}) {
        performancePay } }""", {"w": city.workers["W001"]})["salaryQuote"]
    assert what_if["performancePay"] == "10621.82"  # 12 × 1106.44 × 0.80 = 10621.824


def test_salary_quote_uses_stored_year_to_date(gql, city):
    run_year(gql, months=range(1, 7))
    stored = gql.data("""query($w: ID) { worker(id: $w) { payslips(first: 1) { nodes { period incomeTax } } } }""",
                      {"w": city.workers["W005"]})["worker"]["payslips"]["nodes"][0]
    assert stored == {"period": "2026-06", "incomeTax": "313.57"}
    july = gql.data("""query($w: ID) { salaryQuote(input: {period: "2026-07", workerId: $w}) { incomeTax } }""",
                    {"w": city.workers["W005"]})["salaryQuote"]
    assert july["incomeTax"] == "629.68"


def test_salary_quote_errors(gql, city):
    body = gql.post("""query($w: ID) { salaryQuote(input: {period: "2026-02", workerId: $w}) { net } }""",
                    {"w": city.workers["W003"]})
    assert body["errors"][0]["message"] == ("工作者 W003 在 2026-02 不在职（当月无工资条）/ worker W003 is not in service in 2026-02 (no "
                                              "payslip that month)")
    body = gql.post('{ salaryQuote(input: {period: "2026-02", post: "BOSS"}) { net } }')
    assert body["errors"][0]["message"] == ("input.post：“BOSS”不是政策中的岗位（可填 CHIEF、DEPUTY、STAFF 或岗位名称，如 正职、"
                                            "副职） / input.post: 'BOSS' is not a post of the policy (CHIEF, DEPUTY, STAFF, "
                                            "or a post's title)")


def expected_csv(name: str) -> list[list[str]]:
    return [line.split(",") for line in (EXAMPLES / name).read_text(encoding="utf-8").splitlines()[1:]]


def test_staffing_equals_the_command_line(gql, city):
    report = gql.data("""{ staffing(date: "2026-11-01") { policyEffectiveFrom totals { required actual gap shortage communitiesShort }
        rows { community { code } required chiefRequired deputyRequired staffRequired chiefActual deputyActual
               staffActual gap grids residentsPerWorker } } }""")["staffing"]
    rows = [[r["community"]["code"], *(str(r[k]) for k in ("required", "chiefRequired", "deputyRequired", "staffRequired",
                                                           "chiefActual", "deputyActual", "staffActual", "gap", "grids")),
             r["residentsPerWorker"] or ""] for r in report["rows"]]
    assert rows == expected_csv("staffing-2026-11-01.csv")
    assert report["totals"] == {"required": 39, "actual": 5, "gap": 34, "shortage": 34, "communitiesShort": 3}
    street = gql.data("""query($s: ID) { staffing(date: "2026-11-01", scope: {streetId: $s}) { rows { community { code } } } }""",
                      {"s": city.streets["S2"]})["staffing"]["rows"]
    assert [r["community"]["code"] for r in street] == ["C03"]


def test_budget_equals_the_command_line(gql, city):
    # The CLI applies each worker's assessment column to the year budgeted; in
    # the service assessments are by year, so record 2027's the same way.
    entries = [{"workerId": city.workers[code], "result": result}
               for code, result in (("W001", "EXCELLENT"), ("W002", "COMPETENT"), ("W004", "BASIC"),
                                    ("W005", "EXCELLENT"), ("W006", "COMPETENT"))]
    gql.mutate("""mutation($input: RecordAssessmentsInput!) { recordAssessments(input: $input) {
        recorded errors { field code message } } }""", {"input": {"year": 2027, "entries": entries}})
    report = gql.data("""{ budget(year: 2027, baseIncomeGrowth: "0.05") { baseIncomeGrowth
        rows { community { code } year workersCost vacancyCost funds total vacancies { chief deputy staff } }
        streets { street { code } total } totals { total } } }""")["budget"]
    rows = [[r["community"]["code"], str(r["year"]), r["workersCost"], r["vacancyCost"], r["funds"], r["total"]]
            for r in report["rows"]]
    assert rows == expected_csv("budget-2027-growth-5pct.csv")
    assert report["rows"][2]["vacancies"] == {"chief": 1, "deputy": 1, "staff": 5}
    assert report["streets"] == [{"street": {"code": "S1"}, "total": "2360608.29"},
                                 {"street": {"code": "S2"}, "total": "540085.96"}]
    assert report["totals"]["total"] == "2900694.25"


def test_policies_and_grade_table(gql, city):
    policy = gql.data("""{ policy { code active versions { effectiveFrom baseIncomeAnnual gradeCount posts { key minGrade maxGrade } } } }""")["policy"]
    assert policy["code"] == "example-county-16" and policy["active"]
    assert [v["baseIncomeAnnual"] for v in policy["versions"]] == ["38900.00", "40234.00"]
    table = gql.data("""{ gradeTable(period: "2026-11") { effectiveFrom posts { post { key } grades { grade coefficient gradePay basicPay performanceReserve } } } }""")["gradeTable"]
    staff = next(p for p in table["posts"] if p["post"]["key"] == "STAFF")
    assert staff["grades"][1] == {"grade": 2, "coefficient": "1.05", "gradePay": "3520.48", "basicPay": "2816.38",
                                  "performanceReserve": "704.10"}
    chief = next(p for p in table["posts"] if p["post"]["key"] == "CHIEF")
    assert [g["grade"] for g in chief["grades"]] == list(range(5, 17))


class StatementCounter(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        if record.name == "peewee" and isinstance(record.msg, tuple):  # (sql, params); not pool messages
            self.count += 1


@contextlib.contextmanager
def counting_statements() -> Iterator[StatementCounter]:
    """Counts the SQL statements peewee runs inside the block."""
    logger = logging.getLogger("peewee")
    counter = StatementCounter()
    logger.addHandler(counter)
    old_level = logger.level
    logger.setLevel(logging.DEBUG)
    try:
        yield counter
    finally:
        logger.removeHandler(counter)
        logger.setLevel(old_level)


def test_a_page_of_100_costs_the_same_statements_as_a_page_of_10(demo_gql):
    gql = demo_gql
    query = """query($n: Int) { payslips(period: "2026-03", first: $n) { totalCount nodes { net
        worker { code name community { name street { name } } } community { code } street { code } payrollRun { status } } } }"""
    gql.data("{ me { name } }")  # the token's first use records last_used_at; not part of the page
    counts = {}
    for size in (10, 100):
        with counting_statements() as counter:
            data = gql.data(query, {"n": size})
        assert len(data["payslips"]["nodes"]) == size
        counts[size] = counter.count
    assert counts[10] == counts[100]
    # token, page, count, then one query per relation and level: workers, their
    # communities and streets, the payslips' communities and streets, runs.
    assert counts[100] <= 10


async def _timed(client: httpx2.AsyncClient, query: str, headers: dict) -> float:
    start = time.perf_counter()
    response = await client.post("/graphql", json={"query": query}, headers=headers)
    assert response.status_code == 200 and "errors" not in response.json(), response.text
    return time.perf_counter() - start


def test_a_slow_request_does_not_hold_up_a_quick_one(app, tokens, city, monkeypatch):
    original = quotes.quote

    def slow_quote(*args, **kwargs):
        time.sleep(1.0)  # a slow computation or query, in its worker thread
        return original(*args, **kwargs)

    monkeypatch.setattr("api.graphql.payroll.queries.quote", slow_quote)
    headers = {"Authorization": f"Bearer {tokens.admin}"}

    async def scenario() -> tuple[float, float]:
        async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url="http://test") as client:
            slow = asyncio.create_task(_timed(client, '{ salaryQuote(input: {period: "2026-11", post: "STAFF"}) { net } }', headers))
            await asyncio.sleep(0.1)
            quick = await _timed(client, "{ me { name } streets(first: 5) { nodes { code } } }", headers)
            return await slow, quick

    slow_seconds, quick_seconds = asyncio.run(scenario())
    assert slow_seconds >= 1.0
    assert quick_seconds < 0.5


def test_unauthenticated_requests_are_refused(client, tokens):
    body = client.post("/graphql", json={"query": "{ me { name } }"}).json()
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert "no token" in body["errors"][0]["message"]
    body = client.post("/graphql", json={"query": "{ me { name } }"}, headers={"Authorization": "Bearer cp_wrong"}).json()
    assert body["errors"][0]["message"] == "令牌无效、已过期或已吊销 / the token is unknown, expired or revoked"
    assert client.get("/healthz").json()["status"] == "ok"


def test_demo_loader_and_sys_principal(app):
    with connection():
        summary = load_demo(workers=50, streets=2, communities=4, today=dt.date(2026, 3, 10))
    assert (summary.workers, summary.runs) == (50, 2)
    assert SYSTEM.name == "system"


def test_a_request_leaves_no_cyclic_garbage(app, demo_gql):
    # Reference cycles kept a request's objects for the cyclic collector, whose
    # runs under load paused every request for 50–70 ms every two seconds.
    import gc

    from api.fastpath.completion import FastListExecutionContext
    from api.graphql.core.context import Context

    query = '{ payslips(period: "2026-03", first: 100) { nodes { net worker { name } } pageInfo { endCursor } } }'
    body = orjson.dumps({"query": query})
    headers = [(b"content-type", b"application/json"), (b"authorization", f"Bearer {demo_gql.token}".encode())]

    async def request() -> list[dict]:
        sent: list[dict] = []
        received = False

        async def receive() -> dict:
            nonlocal received
            if not received:
                received = True
                return {"type": "http.request", "body": body, "more_body": False}
            await asyncio.sleep(3600)  # the client never disconnects

        async def send(message: dict) -> None:
            sent.append(message)

        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
                 "path": "/graphql", "raw_path": b"/graphql", "query_string": b"", "root_path": "", "headers": headers,
                 "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80)}
        await app(scope, receive, send)
        return sent

    async def scenario() -> list[object]:
        await request()  # caches, pools, first use of the token
        gc.collect()
        gc.disable()
        gc.set_debug(gc.DEBUG_SAVEALL)
        try:
            for _ in range(5):
                sent = await request()
                assert sent[0]["status"] == 200 and b'"nodes"' in sent[1]["body"]
            gc.collect()
            return [o for o in gc.garbage if isinstance(o, (FastListExecutionContext, Context))]
        finally:
            gc.set_debug(0)
            gc.garbage.clear()
            gc.enable()

    assert asyncio.run(scenario()) == []


@pytest.mark.parametrize(("term", "codes"), [
    ("张", ["W001"]), ("张敏", ["W001"]), ("w00", ["W001", "W002", "W003", "W004", "W005", "W006"]), ("W004", ["W004"]),
    ("%", []), ("_", []), ("W0_1", []), ("\\", []), ("敏%", []),
])
def test_worker_search_matches_text_anywhere_case_ignored_wildcards_literal(gql, city, term, codes):
    """LIKE for terms without cased letters, ILIKE otherwise (PostgreSQL): the same answers; % and _ are text."""
    nodes = gql.data("query($s: String) { workers(first: 20, where: {search: $s}) { nodes { code } } }",
                     {"s": term})["workers"]["nodes"]
    assert [n["code"] for n in nodes] == codes


def test_worker_search_pages_forwards_and_backwards(gql, city):
    """A search finds its rows before sorting them (a materialized CTE); the pages and cursors are as ever."""
    query = """query($s: String, $f: Int, $a: String, $l: Int, $b: String, $o: [WorkerOrder!]) {
      workers(where: {search: $s}, first: $f, after: $a, last: $l, before: $b, orderBy: $o) {
        nodes { code } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }"""
    seen, after = [], None
    while True:
        page = gql.data(query, {"s": "W00", "f": 2, "a": after, "o": [{"field": "SERVICE_START", "direction": "DESC"}]})
        seen += [n["code"] for n in page["workers"]["nodes"]]
        if not page["workers"]["pageInfo"]["hasNextPage"]:
            break
        after = page["workers"]["pageInfo"]["endCursor"]
    # W003 2026-03-16, W002 2019-07-15, W005, W001 2012-03-01, W006, W004 2008-01-01 (tests/data/examples/workers.csv)
    starts = gql.data("{ workers(first: 10) { nodes { code serviceStart } } }")["workers"]["nodes"]
    assert seen == [w["code"] for w in sorted(starts, key=lambda w: (w["serviceStart"], w["code"]), reverse=True)]
    last = gql.data(query, {"s": "W00", "l": 2, "b": after, "o": [{"field": "SERVICE_START", "direction": "DESC"}]})
    assert [n["code"] for n in last["workers"]["nodes"]] == seen[1:3]  # the two before the fourth
