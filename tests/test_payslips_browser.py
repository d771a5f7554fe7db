"""电子工资条 — the workers' payslip page at /payslips/, on a phone.

Two kinds of tests:

* without a browser: the page and its assets are served with the same
  Content-Security-Policy as the dashboard, the JavaScript talks to nothing
  but ``/graphql`` and ``/payslips/claim``, and its queries are valid against
  ``schema.graphql``;
* in headless Chromium at 390 × 844 with the internet switched off (the
  GraphiQL test's browser: no host name resolves but 127.0.0.1, and every
  request to another host is aborted and recorded), against the demo city
  served with tokens as in production: HR issues worker A's one-time link
  through GraphQL; opening it signs the phone in; the page lists A's months
  of approved and paid runs (newest first, not the draft month) and shows a
  payslip line by line with each line's explanation, as the API gives them;
  A's token gets nothing of worker B; the link works once; "退出" forgets the
  token; a pasted token works; a token HR revoked is refused.  The
  screenshot is saved to ``test-results/payslips-mobile.png``.

Skips, saying why, without Chromium or Playwright.
"""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.request
from decimal import Decimal
from pathlib import Path

import pytest
from graphql import build_schema, parse, validate
from starlette.testclient import TestClient

from api.http.app import create_app
from api.settings import Settings
from tests.live_service import running_service
from tests.test_dashboard_browser import assert_not_blank, yuan
from tests.test_graphiql_browser import offline_browser  # noqa: F401 - a fixture

ROOT = Path(__file__).resolve().parent.parent
STATIC = ROOT / "api" / "static" / "payslips"
SCREENSHOT = ROOT / "test-results" / "payslips-mobile.png"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 1}
#: Lines that are counts, shown with their unit; every other line is money.
COUNTS = {"counted_years": "年", "grade": "级", "days": "天"}
MONEY_COLUMNS = ("basicPay performancePay educationAllowance certificateAllowance tenureAllowance differenceAllowance "
                 "gross siBase employeePension employeeMedical employeeUnemployment housingFundEmployee incomeTax "
                 "bonusTax net employerPension employerMedical employerUnemployment employerWorkInjury "
                 "housingFundEmployer accidentInsurance employerCost")


# ---------------------------------------------------------------- without a browser


@pytest.fixture
def served(tmp_path):
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path}/payslips.db", migrate_on_start=False))
    with TestClient(app) as client:
        yield client


def queries_in(js: str) -> dict[str, str]:
    """The GraphQL documents of the page's QUERIES table."""
    return dict(re.findall(r"^\s{4}(\w+): `((?:query|mutation)[^`]*)`,$", js, flags=re.M))


def test_the_page_and_its_assets_are_served(served):
    for path in ("/payslips", "/payslips/"):
        page = served.get(path)
        assert page.status_code == 200
        assert page.headers["content-type"] == "text/html; charset=utf-8"
        assert page.text == (STATIC / "index.html").read_text(encoding="utf-8")
        assert '<html lang="zh-CN">' in page.text and "<title>电子工资条</title>" in page.text
        assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page.text
        assert '<script src="/payslips/payslips.js" defer></script>' in page.text
        csp = page.headers["content-security-policy"]
        assert "default-src 'none'" in csp and "script-src 'self'" in csp and "connect-src 'self'" in csp
        assert page.headers["cache-control"] == "no-cache"
    for name, media_type in (("payslips.js", "text/javascript"), ("payslips.css", "text/css")):
        asset = served.get(f"/payslips/{name}")
        assert asset.status_code == 200 and asset.headers["content-type"] == f"{media_type}; charset=utf-8"
        assert asset.text == (STATIC / name).read_text(encoding="utf-8")
    assert served.get("/payslips/other.js").status_code == 404


def test_the_page_talks_only_to_graphql_and_the_claim(served):
    html = served.get("/payslips/").text
    js = served.get("/payslips/payslips.js").text
    css = served.get("/payslips/payslips.css").text
    # One fetch, in post(), to the two endpoints of the service.
    assert re.findall(r"\bfetch\(\s*([^,)]+)", js) == ["url"]
    assert re.findall(r'const (ENDPOINT|CLAIM) = "([^"]*)";', js) == [("ENDPOINT", "/graphql"),
                                                                     ("CLAIM", "/payslips/claim")]
    assert re.findall(r"\bawait post\(\s*(\w+)", js) == ["ENDPOINT", "CLAIM"]
    for other in ("XMLHttpRequest", "WebSocket", "EventSource", "sendBeacon", "import(", "importScripts",
                  "new Worker", "location.href =", "window.open", "innerHTML", "outerHTML", "eval(",
                  "document.write", "sessionStorage"):
        assert other not in js, other
    for text in (html, js, css):
        assert re.findall(r"(?:https?:)?//[\w.-]+\.[a-z]{2,}[^\s\"'`)]*", text) == []
    assert "@import" not in css and "url(" not in css
    for link in re.findall(r'\b(?:src|href|action)="([^"]*)"', html):
        assert link.startswith("/payslips/"), link


def test_the_page_queries_are_valid_against_the_schema(served):
    schema = build_schema((ROOT / "schema.graphql").read_text(encoding="utf-8"))
    documents = queries_in(served.get("/payslips/payslips.js").text)
    assert set(documents) == {"me", "payslip"}
    for name, document in documents.items():
        assert validate(schema, parse(document.replace("${MONTHS_SHOWN}", "36"))) == [], name
    assert "payslips(period: $period, first: 1)" in documents["payslip"]
    assert "explanation { item labelZh rule formula calculation value }" in documents["payslip"]
    assert "worker {" in documents["me"] and "payslips(first: ${MONTHS_SHOWN})" in documents["me"]


# ---------------------------------------------------------------- in the browser


def graphql(url: str, token: str, query: str, variables: dict | None = None) -> dict:
    request = urllib.request.Request(url + "/graphql", data=json.dumps({"query": query, "variables": variables or {}})
                                     .encode(), headers={"Content-Type": "application/json",
                                                         "Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def data(url: str, token: str, query: str, variables: dict | None = None) -> dict:
    body = graphql(url, token, query, variables)
    assert "errors" not in body, body["errors"]
    return body["data"]


def next_month(period: str) -> str:
    year, month = map(int, period.split("-"))
    return f"{year + month // 12}-{month % 12 + 1:02d}"


def month_label(period: str) -> str:
    year, month = period.split("-")
    return f"{year}年{int(month)}月"


def shown_value(item: str, value: str) -> str:
    return f"{value} {COUNTS[item]}" if item in COUNTS else yuan(value)


class Watch:
    """Every request the page makes (others than the service's are aborted), and any script error."""

    def __init__(self, page, base: str):
        self.base = base
        self.requests: list[str] = []
        self.outside: list[str] = []
        self.problems: list[str] = []
        page.route("**/*", self.only_the_service)
        page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        page.on("console", lambda m: m.type == "error" and self.problems.append(f"console: {m.text}"))

    def only_the_service(self, route) -> None:
        url = route.request.url
        if url.startswith(self.base + "/"):
            self.requests.append(f"{route.request.method} {url[len(self.base):].split('#')[0]}")
            route.continue_()
        else:
            self.outside.append(url)
            route.abort("blockedbyclient")


def phone_page(browser, base: str):
    context = browser.new_context(locale="zh-CN", **PHONE)
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page, Watch(page, base)


@pytest.fixture(scope="module")
def city(offline_browser, tmp_path_factory):  # noqa: F811 - the fixture imported above
    """The demo city served with tokens, revocation at once; HR of street S01;
    a draft run for the month after the last one; worker A of S01 with a draft
    payslip and earlier settled ones, worker B of another street."""
    folder = tmp_path_factory.mktemp("payslips-demo")
    with running_service(folder, demo=True, env={"PAYROLL_TOKEN_CACHE_SECONDS": "0"}) as service:
        admin = service.create_token("--role", "ADMIN", "--name", "测试管理员")
        hr = service.create_token("--role", "HR", "--street", "S01", "--name", "颍川街道人事")
        runs = data(service.url, admin, "{ payrollRuns(first: 1) { nodes { id period } } }")["payrollRuns"]["nodes"]
        if not runs:  # January: the demo has no runs yet; approve this month's
            made = data(service.url, admin, "mutation($p: Period!) { createPayrollRun(input: {period: $p}) { "
                        "payrollRun { id period } errors { message } } }", {"p": time.strftime("%Y-%m")})
            runs = [made["createPayrollRun"]["payrollRun"]]
            data(service.url, admin, "mutation($id: ID!) { approvePayrollRun(input: {id: $id}) { errors { message } } }",
                 {"id": runs[0]["id"]})
        draft = next_month(runs[0]["period"])
        made = data(service.url, admin, "mutation($p: Period!) { createPayrollRun(input: {period: $p}) { "
                    "errors { message } } }", {"p": draft})
        assert made["createPayrollRun"]["errors"] == []
        candidates = data(service.url, hr, "query($p: Period!) { payslips(period: $p, first: 50) { nodes { worker { "
                          "id code name payslips(first: 2) { totalCount } } } } }", {"p": draft})["payslips"]["nodes"]
        a = next(n["worker"] for n in candidates if n["worker"]["payslips"]["totalCount"] >= 3)
        b = data(service.url, admin, '{ street(code: "S02") { communities(first: 1) { nodes { workers(first: 1) { '
                 "nodes { id code } } } } } }")["street"]["communities"]["nodes"][0]["workers"]["nodes"][0]
        yield service, admin, hr, draft, a, b


def test_a_worker_reads_own_payslips_on_a_phone(offline_browser, city):  # noqa: F811
    service, admin, hr, draft, a, b = city
    expected = data(service.url, admin, "query($id: ID) { worker(id: $id) { payslips(first: 36) { nodes { period "
                    "net payrollRun { status } } } } }", {"id": a["id"]})["worker"]["payslips"]["nodes"]
    settled = [p for p in expected if p["payrollRun"]["status"] != "DRAFT"]
    assert expected[0]["period"] == draft and expected[0]["payrollRun"]["status"] == "DRAFT"
    assert len(settled) >= 2

    issued = data(service.url, hr, "mutation($w: ID!) { createPayslipLink(input: {workerId: $w}) { link { url path "
                  "worker { code } } errors { message } } }", {"w": a["id"]})["createPayslipLink"]
    assert issued["errors"] == [] and issued["link"]["worker"]["code"] == a["code"]
    link = issued["link"]["url"]
    assert link == service.url + issued["link"]["path"]

    context, page, watch = phone_page(offline_browser, service.url)
    page.goto(link)
    months = page.locator("#month-list button.month")
    page.wait_for_selector("#payslip .line")
    # Signed in: the code is gone from the address, the token is kept on the phone.
    assert page.evaluate("location.hash") == ""
    token = page.evaluate("localStorage.getItem('communityPayroll.payslipToken')")
    assert token.startswith("cp_")
    assert page.text_content("#who") == f"{a['name']}（工号 {a['code']}）"
    # The months of approved and paid runs, newest first; not the draft.
    assert [m.get_attribute("data-period") for m in months.all()] == [p["period"] for p in settled]
    assert page.locator("#month-list .period").all_text_contents() == [month_label(p["period"]) for p in settled]
    assert page.locator("#month-list .net").all_text_contents() == [f"实发 {yuan(p['net'])}" for p in settled]
    assert months.first.get_attribute("aria-current") == "true"

    check_payslip(page, service, admin, a, settled[0]["period"])
    # Another month, by touch.
    months.nth(1).tap()
    page.wait_for_selector(f"#payslip[data-period='{settled[1]['period']}']")
    check_payslip(page, service, admin, a, settled[1]["period"])
    assert page.evaluate("document.activeElement.id") == "payslip-title"
    assert months.nth(1).get_attribute("aria-current") == "true" and months.first.get_attribute("aria-current") is None

    # Made for the phone: no sideways scrolling, the payslip within the screen's width.
    assert page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]") == [390, 390]
    assert page.eval_on_selector("#payslip", "e => e.getBoundingClientRect().right") <= 390
    page.evaluate("window.scrollTo(0, 0)")
    months.first.tap()
    page.wait_for_selector(f"#payslip[data-period='{settled[0]['period']}']")
    page.evaluate("window.scrollTo(0, 0)")
    SCREENSHOT.parent.mkdir(exist_ok=True)
    shot = page.screenshot(path=SCREENSHOT, full_page=True)
    assert_not_blank(shot, "payslips on a phone", min_colours=100)

    # A's token gets nothing of worker B, exactly as if B did not exist, and nothing else at all.
    period = settled[0]["period"]
    assert data(service.url, token, "query($id: ID) { worker(id: $id) { code } }", {"id": b["id"]}) == {"worker": None}
    assert data(service.url, token, "query($c: String) { worker(code: $c) { code } }", {"c": b["code"]}) == \
        {"worker": None}
    assert data(service.url, token, "query($p: Period!, $w: ID) { payslips(period: $p, where: {workerId: $w}) { "
                "totalCount } }", {"p": period, "w": b["id"]}) == {"payslips": {"totalCount": 0}}
    assert data(service.url, token, "query($p: Period!) { payslips(period: $p) { nodes { worker { code } } } }",
                {"p": period}) == {"payslips": {"nodes": [{"worker": {"code": a["code"]}}]}}
    refused = graphql(service.url, token, "{ workers(first: 5) { nodes { code } } }")
    assert refused["data"] is None and refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"

    # 退出: the phone forgets the token.
    page.click("#sign-out")
    page.wait_for_selector("#sign-in:not([hidden])")
    assert page.evaluate("localStorage.getItem('communityPayroll.payslipToken')") is None
    assert page.locator("#months").is_hidden() and page.locator("#payslip").is_hidden()
    assert page.text_content("#status") == "已退出：本手机不再保存您的登录。"
    # A token pasted in works as well.
    page.fill("#token-input", token)
    page.click("#token-form button[type=submit]")
    page.wait_for_selector("#payslip .line")
    assert months.count() == len(settled)
    context.close()

    # The link works once: opened again (another phone), it says so and asks to sign in.
    context, page, again = phone_page(offline_browser, service.url)
    page.goto(link)
    page.wait_for_selector("#error:not([hidden])")
    assert page.get_attribute("#error", "data-code") == "LINK"
    assert page.text_content("#error strong").startswith("链接无效、已使用、已过期或已撤销")
    assert page.locator("#sign-in").is_visible() and page.evaluate("location.hash") == ""
    context.close()

    # HR revokes A's access (a lost phone): the next visit is refused and signed out.
    revoked = data(service.url, hr, "mutation($w: ID!) { revokePayslipAccess(input: {workerId: $w}) { tokensRevoked "
                   "errors { message } } }", {"w": a["id"]})["revokePayslipAccess"]
    assert revoked == {"tokensRevoked": 1, "errors": []}  # the link's token (pasted again above: the same one)
    context, page, revisit = phone_page(offline_browser, service.url)
    page.goto(service.url + "/payslips/")
    page.evaluate("t => localStorage.setItem('communityPayroll.payslipToken', t)", token)
    page.reload()
    page.wait_for_selector("#error:not([hidden])")
    assert page.get_attribute("#error", "data-code") == "UNAUTHENTICATED"
    assert page.text_content("#error strong").startswith("登录已失效")
    assert page.evaluate("localStorage.getItem('communityPayroll.payslipToken')") is None
    context.close()

    for seen in (watch, again, revisit):
        assert seen.outside == []
        assert set(seen.requests) <= {"GET /payslips/", "GET /payslips/payslips.js", "GET /payslips/payslips.css",
                                      "POST /payslips/claim", "POST /graphql"}, seen.requests
    assert "POST /payslips/claim" in watch.requests and "POST /graphql" in watch.requests
    # The refused link (401) and the revoked token (401) are the only failures the pages saw.
    for seen in (watch, again, revisit):
        assert [p for p in seen.problems if "status of 401" not in p] == []
    assert watch.problems == []


def check_payslip(page, service, admin: str, worker: dict, period: str) -> None:
    """The payslip shown is the API's: every amount, and every explained line
    with its label, value, calculation and rule."""
    slip = data(service.url, admin, f"query($p: Period!, $w: ID) {{ payslips(period: $p, where: {{workerId: $w}}) {{ "
                f"nodes {{ {MONEY_COLUMNS} explanation {{ item labelZh rule calculation value }} }} }} }}",
                {"p": period, "w": worker["id"]})["payslips"]["nodes"][0]
    section = page.locator("#payslip")
    assert section.get_attribute("data-period") == period
    assert page.text_content("#payslip-title") == f"{month_label(period)}工资条"
    deductions = sum(Decimal(slip[c]) for c in ("employeePension", "employeeMedical", "employeeUnemployment",
                                                 "housingFundEmployee", "incomeTax", "bonusTax"))
    assert Decimal(slip["gross"]) - deductions == Decimal(slip["net"])
    assert page.locator("#payslip-summary dd").all_text_contents() == [
        yuan(slip["gross"]), f"{deductions:,.2f}", yuan(slip["net"])]
    shown = section.evaluate(
        "s => [...s.querySelectorAll('.line')].map(li => [li.dataset.item, li.querySelector('.label').textContent, "
        "li.querySelector('.value').textContent, li.querySelector('.calculation').textContent, "
        "li.querySelector('.rule').textContent])")
    explained = {line["item"]: line for line in slip["explanation"]}
    assert sorted(item for item, *_ in shown) == sorted(explained)  # every explained line, once
    for item, label, value, calculation, rule in shown:
        line = explained[item]
        assert (label, calculation, rule) == (line["labelZh"], line["calculation"], f"依据 {line['rule']}"), item
        assert value == shown_value(item, line["value"]), item
    # The lines that are payslip columns show the amounts paid (the explanation agrees with them).
    for item, _, value, *_ in shown:
        column = re.sub(r"_([a-z])", lambda m: m.group(1).upper(), item)
        if column in slip:
            assert value == yuan(slip[column]), item
    groups = section.locator("details.group")
    assert groups.evaluate_all("gs => gs.map(g => [g.dataset.group, g.open])") == [
        ["pay", True], ["deductions", True], ["net", True], ["basis", False], ["employer", False]]
    totals = section.locator("details.group > summary .group-total").all_text_contents()
    assert totals == [yuan(slip["gross"]), f"{deductions:,.2f}", yuan(slip["net"])]
    assert section.locator(".group-net .line[data-item='net'] .value").text_content() == yuan(slip["net"])
