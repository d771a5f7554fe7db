"""电子工资条: one-time links, WORKER tokens, and what a worker's token sees.

HR issues a one-time link for a worker inside its scope; the page exchanges
the link's code once for a WORKER token; the token reads the worker's own
record (personal data masked) and its payslips of approved and paid runs,
and nothing else: other workers are null exactly like missing ones, every
other list or report is FORBIDDEN, files too.  Links expire, are refused
after use, are replaced by a newer link, and HR revokes a worker's links and
tokens; refused codes count toward the address's lockout.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import subprocess

import pytest
from starlette.testclient import TestClient

from api.access.principal import Role
from api.db.database import connection
from api.db.models import ApiToken, AuditEntry, PayslipLink, utcnow
from api.http.app import create_app
from api.services.tokens import create_token
from api.settings import Settings

from .conftest import City, GraphQLClient, Tokens
from .test_payroll_runs import APPROVE, CREATE_RUN
from .test_tokens import CLI

CREATE_LINK = """
mutation($w: ID!, $days: Int) {
  createPayslipLink(input: {workerId: $w, expiresInDays: $days}) {
    link { url path expiresAt worker { code name } }
    errors { field code message }
  }
}"""
REVOKE = """
mutation($w: ID!) { revokePayslipAccess(input: {workerId: $w}) { linksRevoked tokensRevoked errors { field code message } } }"""
OWN = """
{ me { name role streetCodes communityCodes seesPersonalData
       worker { code name idNumber bankAccount phone birthDate community { code }
                payslips(first: 12) { nodes { period net community { code } street { code } payrollRun { id } } } } } }"""
INVALID_LINK = ("链接无效、已使用、已过期或已撤销，请向人事索取新的链接 / the link is unknown, already used, expired or revoked; "
                "ask HR for a new one")


@pytest.fixture
def settings(database_url) -> Settings:
    # Revocations take effect at once; a low lockout limit to test it.
    return Settings(database_url=database_url, token_cache_seconds=0, auth_max_failures=5, worker_token_days=30)


@pytest.fixture
def paid_city(gql: GraphQLClient, city: City) -> City:
    """The example city with January approved and February a draft (street S1 and S2 runs)."""
    january = gql.mutate(CREATE_RUN, {"input": {"period": "2026-01"}})["payrollRun"]["id"]
    gql.mutate(APPROVE, {"id": january})
    gql.mutate(CREATE_RUN, {"input": {"period": "2026-02"}})
    return city


def code_of(link: dict) -> str:
    path = link["path"]
    assert path.startswith("/payslips/#code=")
    return path.removeprefix("/payslips/#code=")


def claim(client: TestClient, code: str) -> tuple[int, dict]:
    response = client.post("/payslips/claim", json={"code": code})
    return response.status_code, response.json()


def test_hr_issues_a_link_the_phone_exchanges_once(gql, tokens: Tokens, paid_city: City, client):
    hr = gql.as_(tokens.hr)
    payload = hr.mutate(CREATE_LINK, {"w": paid_city.workers["W001"]})
    link = payload["link"]
    assert link["worker"]["code"] == "W001"
    assert link["url"] == "http://testserver" + link["path"]
    code = code_of(link)
    assert len(code) == 32
    expires = dt.datetime.fromisoformat(link["expiresAt"])
    assert dt.timedelta(days=6, hours=23) < expires - utcnow() <= dt.timedelta(days=7)
    with connection():
        stored = PayslipLink.get()
        assert code not in (stored.code_hash,) and stored.used_at is None and stored.created_by == "hr-s1"

    status, body = claim(client, code)
    assert status == 200, body
    assert body["worker"] == {"code": "W001", "name": paid_city_name(gql, "W001")}
    assert body["token"].startswith("cp_")
    lifetime = dt.datetime.fromisoformat(body["expiresAt"]) - utcnow()
    assert dt.timedelta(days=29, hours=23) < lifetime <= dt.timedelta(days=30)
    # Once only: the same code again, from any phone, is refused like an unknown one.
    assert claim(client, code) == (401, {"errors": [{"message": INVALID_LINK, "extensions": {"code": "UNAUTHENTICATED"}}]})
    assert claim(client, "x" * 32)[0] == 401

    worker = gql.as_(body["token"]).data(OWN)["me"]
    assert worker["role"] == "WORKER" and worker["name"].startswith("电子工资条 W001")
    assert (worker["streetCodes"], worker["communityCodes"], worker["seesPersonalData"]) == ([], [], False)
    with connection():
        token = ApiToken.get(ApiToken.role == "WORKER")
        assert PayslipLink.get().token_id == token.id and PayslipLink.get().used_at is not None
        operations = [e.operation for e in AuditEntry.select().where(AuditEntry.record_type == "PayslipLink")
                      .order_by(AuditEntry.id)]
        assert operations == ["createPayslipLink", "claimPayslipLink"]
        claimed = AuditEntry.get(AuditEntry.operation == "claimPayslipLink")
        assert claimed.role == "WORKER" and json.loads(claimed.after)["token_id"] == token.id


def paid_city_name(gql: GraphQLClient, code: str) -> str:
    return gql.data('query($c: String) { worker(code: $c) { name } }', {"c": code})["worker"]["name"]


def test_a_worker_token_sees_its_own_settled_payslips_and_nothing_else(gql, tokens, paid_city, client):
    with connection():
        own = create_token("w001", Role.WORKER, worker_code="W001").token
    worker = gql.as_(own)
    me = worker.data(OWN)["me"]["worker"]
    admin_view = gql.data('{ worker(code: "W001") { name payslips { nodes { period net } } } }')["worker"]
    # ADMIN sees the February draft too; the worker only January (approved).
    assert [p["period"] for p in admin_view["payslips"]["nodes"]] == ["2026-02", "2026-01"]
    assert me["payslips"]["nodes"] == [{"period": "2026-01", "net": admin_view["payslips"]["nodes"][1]["net"],
                                        "community": None, "street": None, "payrollRun": None}]
    assert me["code"] == "W001" and me["name"] == admin_view["name"] and me["community"] is None
    # Personal data masked, as for VIEWER (a phone others may pick up).
    assert me["birthDate"] is None
    for field in ("idNumber", "bankAccount", "phone"):
        assert me[field] is None or "*" in me[field], field
    assert worker.data("{ payrollPeriods }") == {"payrollPeriods": ["2026-01"]}
    assert worker.data('{ payslips(period: "2026-02") { totalCount } }')["payslips"]["totalCount"] == 0
    slips = worker.data('{ payslips(period: "2026-01") { nodes { net explanation { item value } } } }')["payslips"]
    assert [line["value"] for line in slips["nodes"][0]["explanation"] if line["item"] == "net"] == \
        [slips["nodes"][0]["net"]]

    # Another worker: null like a missing one, by id, by code, and through the payslips' filter.
    other = paid_city.workers["W002"]
    assert worker.post("query($id: ID) { worker(id: $id) { code } }", {"id": other}) == {"data": {"worker": None}}
    assert worker.post('{ worker(code: "W002") { code } }') == {"data": {"worker": None}}
    assert worker.post("query($id: ID) { worker(id: $id) { code } }", {"id": "Worker:999999"}) == {"data": {"worker": None}}
    filtered = worker.data('query($w: ID) { payslips(period: "2026-01", where: {workerId: $w}) { totalCount } }',
                           {"w": other})
    assert filtered["payslips"]["totalCount"] == 0

    # Everything else is refused, naming the role.
    for document in ("{ streets { nodes { code } } }", "{ workers { totalCount } }", "{ payrollRuns { totalCount } }",
                     '{ payrollTotals(period: "2026-01") { net } }', "{ policies { code } }",
                     '{ staffing(date: "2026-11-01") { rows { gap } } }', "{ auditLog { totalCount } }",
                     '{ salaryQuote(input: {period: "2026-11", post: "STAFF"}) { net } }'):
        body = worker.post(document)
        assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"], document
    assert worker.post("{ streets { totalCount } }")["errors"][0]["message"] == (
        "无权查看记录、工资与报表：需要管理员或人事或财务或只读或省级角色，本令牌为工作者本人 / not allowed to read records, payroll and "
        "reports: needs the role ADMIN or HR or FINANCE or VIEWER or PROVINCE; this token has WORKER")
    refused = worker.post(CREATE_LINK, {"w": paid_city.workers["W001"]})
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    # Files are whole runs and reports: refused too.
    run = gql.data("{ payrollRuns(where: {period: \"2026-01\"}) { nodes { id } } }")["payrollRuns"]["nodes"][0]["id"]
    for path in (f"/exports/payroll-runs/{run.partition(':')[2]}.csv", "/exports/staffing.xlsx?date=2026-11-01"):
        response = client.get(path, headers={"Authorization": f"Bearer {own}"})
        assert response.status_code == 403, path
        assert response.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"


def test_two_workers_share_no_rendered_page(gql, tokens, paid_city):
    """The database renders pages of payslips with their worker; the rendering
    of one worker's page holds its scope and must not serve another's."""
    with connection():
        first, second = (create_token(code, Role.WORKER, worker_code=code).token for code in ("W001", "W002"))
    document = '{ payslips(period: "2026-01") { nodes { period worker { code } } } }'
    assert gql.as_(first).data(document)["payslips"]["nodes"] == [{"period": "2026-01", "worker": {"code": "W001"}}]
    assert gql.as_(second).data(document)["payslips"]["nodes"] == [{"period": "2026-01", "worker": {"code": "W002"}}]


def test_links_are_issued_only_inside_the_scope_and_by_who_may(gql, tokens, paid_city):
    for worker_id in (paid_city.workers["W001"], "Worker:999999"):
        # Outside the scope reads exactly like a worker that does not exist.
        payload = gql.as_(tokens.hr_other).data(CREATE_LINK, {"w": worker_id})["createPayslipLink"]
        pk = worker_id.partition(":")[2]
        assert payload == {"link": None, "errors": [{"field": "workerId", "code": "NOT_FOUND", "message":
                                                     f"workerId：工作者 {pk} 不存在 / workerId: worker {pk} does not exist"}]}
    for role in ("finance", "viewer"):
        body = gql.as_(getattr(tokens, role)).post(CREATE_LINK, {"w": paid_city.workers["W001"]})
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", role
        assert body["errors"][0]["message"].startswith("无权发放与撤销电子工资条链接：需要管理员或人事角色")
    too_long = gql.as_(tokens.hr).data(CREATE_LINK, {"w": paid_city.workers["W001"], "days": 31})["createPayslipLink"]
    assert too_long["errors"] == [{"field": "expiresInDays", "code": "INVALID", "message":
                                   "expiresInDays：有效天数应为 1–30，收到 31 / expiresInDays: a link lasts 1 to 30 days, got 31"}]
    with connection():
        assert PayslipLink.select().count() == 0
        assert AuditEntry.select().where(AuditEntry.operation == "createPayslipLink").count() == 0


def test_expired_replaced_and_revoked_links_and_tokens_are_refused(gql, tokens, paid_city, client):
    hr = gql.as_(tokens.hr)
    w001 = paid_city.workers["W001"]
    expired = code_of(hr.mutate(CREATE_LINK, {"w": w001, "days": 1})["link"])
    with connection():
        PayslipLink.update(expires_at=utcnow() - dt.timedelta(seconds=1)).execute()
    assert claim(client, expired)[0] == 401

    # A newer link replaces the worker's unused one.
    older = code_of(hr.mutate(CREATE_LINK, {"w": w001})["link"])
    newer = code_of(hr.mutate(CREATE_LINK, {"w": w001})["link"])
    assert claim(client, older)[0] == 401
    status, body = claim(client, newer)
    assert status == 200
    phone = body["token"]
    assert gql.as_(phone).data("{ me { role } }") == {"me": {"role": "WORKER"}}

    # A lost phone: HR revokes the worker's tokens and unused links.
    unused = code_of(hr.mutate(CREATE_LINK, {"w": w001})["link"])
    revoked = hr.mutate(REVOKE, {"w": w001})
    assert (revoked["linksRevoked"], revoked["tokensRevoked"]) == (1, 1)
    refused = client.post("/graphql", json={"query": "{ me { role } }"}, headers={"Authorization": f"Bearer {phone}"})
    assert refused.status_code == 401 and refused.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert claim(client, unused)[0] == 401
    assert hr.mutate(REVOKE, {"w": w001})["tokensRevoked"] == 0
    # Another street's HR may not revoke (not found, as a missing worker).
    other = gql.as_(tokens.hr_other).data(REVOKE, {"w": w001})["revokePayslipAccess"]
    assert other["errors"][0]["code"] == "NOT_FOUND" and other["linksRevoked"] == 0
    with connection():
        entry = AuditEntry.select().where(AuditEntry.operation == "revokePayslipAccess").order_by(AuditEntry.id).first()
        assert json.loads(entry.after) == {"worker_code": "W001", "links_revoked": 1, "tokens_revoked": 1}


def test_refused_codes_lock_the_address_out(settings, client):
    for _ in range(settings.auth_max_failures):
        assert claim(client, "not-a-code")[0] == 401
    response = client.post("/payslips/claim", json={"code": "not-a-code"})
    assert response.status_code == 429 and int(response.headers["retry-after"]) > 0
    assert response.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"


def test_claim_requests_are_checked(client):
    form = client.post("/payslips/claim", data={"code": "x"})
    assert form.status_code == 415 and form.json()["errors"][0]["extensions"]["code"] == "UNSUPPORTED_MEDIA_TYPE"
    for body in ("[]", "{}", '{"code": 5}', "not json", json.dumps({"code": "x" * 2000})):
        response = client.post("/payslips/claim", content=body, headers={"content-type": "application/json"})
        assert response.status_code == 400, body
        assert response.json()["errors"][0]["message"].startswith("请求体应为")
    assert client.get("/payslips/claim").status_code == 405


def cli(database_url: str, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    environment = {name: value for name, value in os.environ.items() if name != "PAYROLL_PUBLIC_URL"}
    environment.update(DATABASE_URL=database_url, **(env or {}))
    return subprocess.run([CLI, *args], capture_output=True, text=True, env=environment, timeout=60)


def test_worker_tokens_from_the_command_line(tmp_path):
    url = f"sqlite:///{tmp_path}/cli.db"
    missing = cli(url, "token", "create", "--role", "WORKER", "--name", "手机")
    assert missing.returncode == 2 and "a WORKER token needs --worker with the worker's code" in missing.stderr
    wrong = cli(url, "token", "create", "--role", "HR", "--name", "x", "--street", "S1", "--worker", "W1")
    assert wrong.returncode == 2 and "only WORKER tokens name a --worker" in wrong.stderr
    unknown = cli(url, "token", "create", "--role", "WORKER", "--name", "x", "--worker", "W404")
    assert unknown.returncode == 2 and "工号不存在：W404 / unknown worker code: W404" in unknown.stderr
    assert cli(url, "demo", "--workers", "20", "--streets", "1", "--communities", "2", "--no-runs").returncode == 0
    created = cli(url, "token", "create", "--role", "WORKER", "--name", "王的手机", "--worker", "W000003")
    assert created.returncode == 0, created.stderr
    listing = list(csv.reader(io.StringIO(cli(url, "token", "list").stdout)))
    assert listing[0][7] == "工作者"
    assert [line[1:8:6] for line in listing[1:]] == [["王的手机", "W000003"]]
    with TestClient(create_app(Settings(database_url=url))) as client:
        me = GraphQLClient(client, created.stdout.strip()).data("{ me { role worker { code } } }")
        assert me == {"me": {"role": "WORKER", "worker": {"code": "W000003"}}}

        link = cli(url, "token", "link", "--worker", "W000004", "--days", "3")
        assert link.returncode == 0, link.stderr
        assert link.stdout.startswith("/payslips/#code=")
        assert "the payslip link of W000004 is shown only this once, works once" in link.stderr
        assert "PAYROLL_PUBLIC_URL" in link.stderr
        status, body = claim(client, link.stdout.strip().removeprefix("/payslips/#code="))
        assert status == 200 and body["worker"]["code"] == "W000004"
    public = cli(url, "token", "link", "--worker", "W000004", env={"PAYROLL_PUBLIC_URL": "https://pay.example.cn/"})
    assert public.stdout.startswith("https://pay.example.cn/payslips/#code=")
    assert cli(url, "token", "link", "--worker", "W404").stderr.endswith("unknown worker code: W404\n")
    assert "expiresInDays: a link lasts 1 to 30 days, got 0" in cli(url, "token", "link", "--worker", "W000004",
                                                                     "--days", "0").stderr
