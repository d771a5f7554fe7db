"""The example dashboard at /dashboard.

Two kinds of tests:

* without a browser: the page and its assets are served, the JavaScript talks
  to nothing but ``/graphql``, and every query it sends is valid against
  ``schema.graphql``;
* in headless Chromium (Debian's ``chromium`` package driven by Playwright
  through ``executable_path``; nothing is downloaded): against the demo service
  started in a subprocess, the page shows the chart, the staffing table and a
  worker's payslips with the figures the API returns, handles errors and empty
  states, fits a phone's width, and its screenshots are not blank; against the
  three-jurisdiction demo (``serve --demo --jurisdictions 3``) it adds the
  province section — cost by jurisdiction and month, staffing per jurisdiction —
  which a one-city installation and a one-jurisdiction token never see. These
  skip, saying why, when Chromium or Playwright is missing.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from graphql import build_schema, parse, validate
from starlette.testclient import TestClient

from api.http.app import create_app
from api.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
STATIC = ROOT / "api" / "static" / "dashboard"

# Colours of the dashboard (dashboard.css) that the screenshots must contain.
ACCENT = (0x1D, 0x5F, 0xA8)  # the chart's bars
SHORT_STRONG = (0xFB, 0xD5, 0xD2)  # a gap of 3 or more
OVER = (0xDD, 0xE9, 0xF8)  # over-staffed
# The first three jurisdictions' colours in the province chart (.series-0, -1, -2).
SERIES = [(0x1D, 0x5F, 0xA8), (0xE6, 0x9F, 0x00), (0x00, 0x9E, 0x73)]


# ---------------------------------------------------------------- without a browser


@pytest.fixture
def served(tmp_path):
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path}/dashboard.db", migrate_on_start=False))
    with TestClient(app) as client:
        yield client


def queries_in(js: str) -> dict[str, str]:
    """The GraphQL documents of the dashboard's QUERIES table."""
    return dict(re.findall(r"^\s{4}(\w+): `((?:query|mutation)[^`]*)`,$", js, flags=re.M))


def test_dashboard_page_and_assets_are_served(served):
    for path in ("/dashboard", "/dashboard/"):
        page = served.get(path)
        assert page.status_code == 200
        assert page.headers["content-type"] == "text/html; charset=utf-8"
        assert '<html lang="zh-CN">' in page.text
        assert "<h1>社区工作者薪酬 · 示例看板</h1>" in page.text
        assert '<script src="/dashboard/dashboard.js" defer></script>' in page.text
        assert '<link rel="stylesheet" href="/dashboard/dashboard.css">' in page.text
        assert page.text == (STATIC / "index.html").read_text(encoding="utf-8")
        # The browser itself keeps the page to this origin.
        csp = page.headers["content-security-policy"]
        assert "connect-src 'self'" in csp and "script-src 'self'" in csp and "default-src 'none'" in csp
    js = served.get("/dashboard/dashboard.js")
    assert js.status_code == 200
    assert js.headers["content-type"] == "text/javascript; charset=utf-8"
    assert js.text == (STATIC / "dashboard.js").read_text(encoding="utf-8")
    css = served.get("/dashboard/dashboard.css")
    assert css.status_code == 200
    assert css.headers["content-type"] == "text/css; charset=utf-8"
    assert served.get("/dashboard/other.js").status_code == 404


def test_dashboard_talks_only_to_graphql(served):
    html = served.get("/dashboard").text
    js = served.get("/dashboard/dashboard.js").text
    css = served.get("/dashboard/dashboard.css").text

    # One fetch, to ENDPOINT, which is /graphql; no other way out of the page.
    assert re.findall(r"\bfetch\(\s*([^,)]+)", js) == ["ENDPOINT"]
    assert re.findall(r'const ENDPOINT = "([^"]*)";', js) == ["/graphql"]
    for other in ("XMLHttpRequest", "WebSocket", "EventSource", "sendBeacon", "import(", "importScripts",
                  "new Worker", "location.href =", "window.open", "innerHTML", "eval("):
        assert other not in js, other
    # Nothing from the internet: the only absolute URL is the SVG namespace.
    for text in (html, js, css):
        assert set(re.findall(r"(?:https?:)?//[\w.-]+\.[a-z]{2,}[^\s\"'`)]*", text)) <= {"http://www.w3.org/2000/svg"}
    assert "@import" not in css and "url(" not in css
    for link in re.findall(r'\b(?:src|href|action)="([^"]*)"', html):
        assert link.startswith(("/dashboard/", "/graphql", "#", "data:")), link


def test_dashboard_queries_are_valid_against_the_schema(served):
    schema = build_schema((ROOT / "schema.graphql").read_text(encoding="utf-8"))
    documents = queries_in(served.get("/dashboard/dashboard.js").text)
    assert set(documents) == {"viewer", "postTitles", "latestPeriod", "costByStreet", "staffing", "searchWorkers",
                              "workerPayslips", "jurisdictions", "costByJurisdiction", "jurisdictionStaffing"}
    for name, document in documents.items():
        assert validate(schema, parse(document)) == [], name
    # The calls the issue names, as the dashboard makes them.
    assert "payrollTotals(period: $period, groupBy: STREET)" in documents["costByStreet"]
    assert "payrollPeriods(first: 1)" in documents["latestPeriod"]
    assert "workers(first: 20, where: {search: $search})" in documents["searchWorkers"]
    assert "payslips(first: 12)" in documents["workerPayslips"]
    assert "explanation { item labelZh rule calculation value }" in documents["workerPayslips"]
    assert "payrollCostByJurisdiction(year: $year)" in documents["costByJurisdiction"]
    assert "jurisdictionStaffing(date: $date)" in documents["jurisdictionStaffing"]
    assert "me { name role jurisdictionCodes streetCodes communityCodes }" in documents["viewer"]


# ---------------------------------------------------------------- the demo service


def chromium_path() -> str | None:
    for candidate in (os.environ.get("CHROMIUM"), shutil.which("chromium"), "/usr/bin/chromium"):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed: pip install -e '.[test]'")
    path = chromium_path()
    if path is None:
        pytest.skip("Chromium is not installed (Debian: apt-get install chromium); the browser test needs it")
    args = ["--disable-dev-shm-usage", "--disable-gpu"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        args.append("--no-sandbox")  # Chromium refuses to sandbox as root (CI containers)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=path, args=args)
        try:
            yield chromium
        finally:
            chromium.close()


@dataclass
class Service:
    url: str
    env: dict[str, str]

    def create_token(self, *args: str) -> str:
        """A token made with the CLI (``community-payroll token create``) in the service's database."""
        done = subprocess.run([*community_payroll(), "token", "create", *args], env=self.env, capture_output=True,
                              text=True, check=True, timeout=60)
        return done.stdout.strip()

    def graphql(self, query: str, variables: dict | None = None) -> dict:
        request = urllib.request.Request(
            self.url + "/graphql",
            data=json.dumps({"query": query, "variables": variables or {}}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            body = json.load(response)
        assert "errors" not in body, body["errors"]
        return body["data"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def community_payroll() -> list[str]:
    script = Path(sys.executable).with_name("community-payroll")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from api.cli import main; sys.exit(main())"]


@contextmanager
def demo_service(folder: Path, *options: str):
    """``community-payroll serve --demo [options]`` on a fresh SQLite database in ``folder``."""
    port = free_port()
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{folder}/demo.db", PAYROLL_DEV_ADMIN="1")
    log_path = folder / "serve.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [*community_payroll(), "serve", "--demo", *options, "--host", "127.0.0.1", "--port", str(port)],
            env=env, stdout=log, stderr=subprocess.STDOUT, cwd=folder,
        )
    service = Service(f"http://127.0.0.1:{port}", env)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                pytest.fail("the demo service stopped:\n" + log_path.read_text(errors="replace"))
            try:
                with urllib.request.urlopen(service.url + "/healthz", timeout=2) as response:
                    if response.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                log = log_path.read_text(errors="replace")
                pytest.fail("the demo service did not answer /healthz in 60 s:\n" + log)
            time.sleep(0.2)
        yield service
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def demo(tmp_path_factory, browser) -> Service:
    """The one-city demo."""
    with demo_service(tmp_path_factory.mktemp("dashboard-demo")) as service:
        # The demo has runs for the months before this one; in January there are
        # none yet, so make this month's run for the chart to show.
        if not service.graphql("{ payrollRuns(first: 1) { nodes { id } } }")["payrollRuns"]["nodes"]:
            period = time.strftime("%Y-%m")
            made = service.graphql(
                "mutation($p: Period!) { createPayrollRun(input: {period: $p}) { errors { message } } }", {"p": period})
            assert made["createPayrollRun"]["errors"] == []
        yield service


@pytest.fixture(scope="module")
def province_demo(tmp_path_factory, browser) -> Service:
    """The three-jurisdiction demo: 许昌市, 三门峡市 and 禹州市 (a county under 许昌市), each with its own policy."""
    with demo_service(tmp_path_factory.mktemp("dashboard-province"), "--jurisdictions", "3") as service:
        if not service.graphql("{ payrollRuns(first: 1) { nodes { id } } }")["payrollRuns"]["nodes"]:
            # January: this month's run of each jurisdiction (each has a policy of its own).
            period = time.strftime("%Y-%m")
            for jurisdiction in service.graphql("{ jurisdictions { id } }")["jurisdictions"]:
                made = service.graphql(
                    "mutation($p: Period!, $j: ID!) { createPayrollRun(input: {period: $p, jurisdictionId: $j}) "
                    "{ errors { message } } }", {"p": period, "j": jurisdiction["id"]})
                assert made["createPayrollRun"]["errors"] == []
        yield service


# ---------------------------------------------------------------- helpers


def yuan(text: str) -> str:
    """"760984.51" → "760,984.51", worked out with Decimal."""
    return f"{Decimal(text):,.2f}"


def pixels(png: bytes):
    from PIL import Image

    return Image.open(io.BytesIO(png)).convert("RGB")


def assert_not_blank(png: bytes, what: str, min_colours: int = 20) -> None:
    """A screenshot with real content: many colours, none covering almost all of it."""
    image = pixels(png)
    total = image.width * image.height
    colours = image.getcolors(maxcolors=total)
    assert len(colours) >= min_colours, f"{what}: only {len(colours)} colours"
    assert max(count for count, _ in colours) / total < 0.95, f"{what}: almost a single colour"


def share_of(png: bytes, colour: tuple[int, int, int]) -> float:
    image = pixels(png)
    counts = {rgb: count for count, rgb in image.getcolors(maxcolors=image.width * image.height)}
    return counts.get(colour, 0) / (image.width * image.height)


class PageWatch:
    """Every request the page makes, and any script error or failed request."""

    def __init__(self, page, base: str):
        self.base = base
        self.requests: list[tuple[str, str]] = []
        self.authorization: list[str | None] = []  # of each GraphQL request
        self.problems: list[str] = []
        page.on("request", self.on_request)
        page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        page.on("console", lambda m: m.type == "error" and self.problems.append(f"console: {m.text}"))

    def on_request(self, request) -> None:
        self.requests.append((request.method, request.url))
        if request.url.endswith("/graphql"):
            self.authorization.append(request.headers.get("authorization"))

    def assert_only_graphql(self) -> None:
        for method, url in self.requests:
            if url.startswith("data:"):
                continue
            assert url.startswith(self.base + "/dashboard") or (url == self.base + "/graphql" and method == "POST"), \
                (method, url)
        assert ("POST", self.base + "/graphql") in self.requests


def new_page(browser, base: str, **context):
    ctx = browser.new_context(locale="zh-CN", **context)
    page = ctx.new_page()
    page.set_default_timeout(10_000)
    return ctx, page, PageWatch(page, base)


# ---------------------------------------------------------------- in the browser


def test_dashboard_shows_demo_data_and_a_payslip(browser, demo, tmp_path):
    period = demo.graphql("{ payrollRuns(first: 1) { nodes { period } } }")["payrollRuns"]["nodes"][0]["period"]
    totals = demo.graphql(
        "query($p: Period!) { payrollTotals(period: $p, groupBy: STREET) { "
        "street { name } payslipCount employerCost gross } }",
        {"p": period},
    )["payrollTotals"]
    assert len(totals) == 6  # the demo's streets

    context, page, watch = new_page(browser, demo.url, viewport={"width": 1280, "height": 900})
    page.goto(demo.url + "/dashboard")
    assert page.title() == "社区工作者薪酬 · 示例看板"
    page.wait_for_selector("#cost-chart svg .bar rect")
    assert page.text_content("#identity").startswith("当前身份：dev-admin（管理员）")

    # The chart: the latest month with runs, one bar per street, the API's amounts.
    assert page.input_value("#cost-month") == period
    bars = page.locator("#cost-chart svg .bar")
    assert bars.count() == len(totals)
    assert page.locator("#cost-chart .bar .label").all_text_contents() == [t["street"]["name"] for t in totals]
    assert page.locator("#cost-chart .bar .value").all_text_contents() == [yuan(t["employerCost"]) for t in totals]
    widths = [float(r.get_attribute("width")) for r in page.locator("#cost-chart .bar rect").all()]
    costs = [Decimal(t["employerCost"]) for t in totals]
    # Bars are proportional to the amounts (to a pixel).
    for width, cost in zip(widths, costs):
        assert abs(width / max(widths) - float(cost / max(costs))) * max(widths) < 1
    total = sum(costs)
    payslips = sum(t["payslipCount"] for t in totals)
    assert page.text_content("#cost-summary") == (
        f"{period} · 6 个街道 · {payslips} 张工资条 · 单位用人成本合计 {total:,.2f} 元")
    page.select_option("#cost-metric", "gross")
    assert page.locator("#cost-chart .bar .value").all_text_contents() == [yuan(t["gross"]) for t in totals]

    # The staffing table on the page's date, ordered by gap, coloured by gap.
    page.wait_for_selector("#staffing-table tbody tr")
    date = page.input_value("#staffing-date")
    report = demo.graphql(
        "query($d: Date!) { staffing(date: $d) { rows { community { code } gap } "
        "totals { required actual shortage communitiesShort } } }",
        {"d": date},
    )["staffing"]
    rows = sorted(report["rows"], key=lambda r: (-r["gap"], r["community"]["code"]))
    assert len(rows) == 60  # the demo's communities
    codes = page.locator("#staffing-table tbody th .code").all_text_contents()
    assert codes == [r["community"]["code"] for r in rows]
    chips = page.locator("#staffing-table tbody .chip").all_text_contents()
    assert chips == [f"缺 {r['gap']}" if r["gap"] > 0 else f"超 {-r['gap']}" if r["gap"] < 0 else "持平" for r in rows]
    t = report["totals"]
    assert page.locator("#staffing-totals dd").all_text_contents()[:4] == [
        str(t["required"]), str(t["actual"]), f"{t['shortage']} 人", f"{t['communitiesShort']} 个"]
    assert rows[0]["gap"] >= 3 and rows[-1]["gap"] < 0  # the demo has both
    background = "el => getComputedStyle(el).backgroundColor"
    assert page.locator("#staffing-table tbody .chip").first.evaluate(background) == "rgb(%d, %d, %d)" % SHORT_STRONG
    assert page.locator("#staffing-table tbody .chip").last.evaluate(background) == "rgb(%d, %d, %d)" % OVER
    page.check("#staffing-short-only")
    assert page.locator("#staffing-table tbody tr").count() == sum(1 for r in rows if r["gap"] > 0)
    page.uncheck("#staffing-short-only")

    # Screenshots: the top of the page, the chart, the table.
    shots = tmp_path / "screenshots"
    shots.mkdir()
    top = page.screenshot(path=shots / "desktop-top.png")
    assert_not_blank(top, "desktop, top of the page", min_colours=100)
    chart = page.locator("#cost-chart").screenshot(path=shots / "chart.png")
    assert_not_blank(chart, "chart")
    assert share_of(chart, ACCENT) > 0.10, "the chart's bars are not drawn"
    # The table scrolls inside its card: the largest gaps at the top, the over-staffed at the bottom.
    table = page.locator("#staffing-scroll")
    top_rows = table.screenshot(path=shots / "staffing-top.png")
    assert_not_blank(top_rows, "staffing table")
    assert share_of(top_rows, SHORT_STRONG) > 0.001, "the shortages are not coloured"
    table.evaluate("el => { el.scrollTop = el.scrollHeight; }")
    bottom_rows = table.screenshot(path=shots / "staffing-bottom.png")
    assert_not_blank(bottom_rows, "staffing table, scrolled")
    assert share_of(bottom_rows, OVER) > 0.001, "the over-staffed communities are not coloured"

    # A worker with payslips in that month, found and opened with the keyboard only.
    worker = demo.graphql(
        "query($p: Period!) { payslips(period: $p, first: 1) { nodes { worker { id code name } } } }", {"p": period}
    )["payslips"]["nodes"][0]["worker"]
    expected = demo.graphql(
        "query($id: ID!) { worker(id: $id) { payslips(first: 12) { totalCount nodes { period gross net "
        "explanation { item labelZh value } } } } }",
        {"id": worker["id"]},
    )["worker"]["payslips"]
    page.focus("#search-input")
    page.keyboard.type(worker["code"])
    page.keyboard.press("Enter")
    page.wait_for_selector("#search-results button.worker")
    assert page.locator("#search-results .name").all_text_contents() == [worker["name"]]
    page.keyboard.press("Tab")  # the search button
    page.keyboard.press("Tab")  # the first result
    assert page.evaluate("document.activeElement.dataset.workerId") == worker["id"]
    page.keyboard.press("Enter")
    page.wait_for_selector("#payslips-list details[open] .explanation li")
    assert page.evaluate("document.activeElement.id") == "payslips-title"
    assert page.text_content("#payslips-title") == f"{worker['name']}（{worker['code']}）的工资条"
    slips = page.locator("#payslips-list details.payslip")
    assert slips.count() == len(expected["nodes"]) == min(12, expected["totalCount"])
    first = expected["nodes"][0]
    assert first["period"] == period
    assert page.locator("#payslips-list details[open]").count() == 1
    opened = slips.first
    assert opened.get_attribute("open") == "" and opened.get_attribute("data-period") == period
    assert opened.locator(".amounts").text_content() == f"应发 {yuan(first['gross'])} · 实发 {yuan(first['net'])}"
    shown = opened.evaluate(
        "d => [...d.querySelectorAll('.explanation li')].map(li => "
        "[li.dataset.item, li.querySelector('.label').textContent, li.querySelector('.value').textContent])")
    assert shown == [[line["item"], line["labelZh"], line["value"]] for line in first["explanation"]]
    net_line = opened.locator('.explanation li[data-item="net"]')
    assert net_line.locator(".value").text_content() == first["net"]
    assert net_line.locator(".rule").text_content().startswith("§")
    assert " = " in net_line.locator(".calculation").text_content()
    # Another month opens with the keyboard too (summary elements are focusable).
    slips.nth(1).locator("summary").focus()
    page.keyboard.press("Enter")
    assert slips.nth(1).evaluate("d => d.open")
    payslip_shot = opened.screenshot(path=shots / "payslip.png")
    assert_not_blank(payslip_shot, "payslip")

    # Accessible: one h1, a heading per section, every control labelled.
    assert page.locator("h1").count() == 1
    # One city: no province section.
    assert page.locator("main h2:visible").all_text_contents() == ["各街道工资成本", "各社区职数缺口", "工作者与工资条"]
    assert page.locator("#province").is_hidden()
    unlabelled = page.evaluate(
        "[...document.querySelectorAll('input, select')].filter(e => !e.labels.length && !e.getAttribute('aria-label'))"
        ".map(e => e.id)")
    assert unlabelled == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280

    watch.assert_only_graphql()
    assert watch.problems == []
    context.close()


def test_dashboard_fits_a_phone(browser, demo, tmp_path):
    context, page, watch = new_page(browser, demo.url, viewport={"width": 390, "height": 844}, is_mobile=True,
                                    has_touch=True, device_scale_factor=1)
    page.goto(demo.url + "/dashboard/")
    page.wait_for_selector("#cost-chart svg .bar rect")
    page.wait_for_selector("#staffing-table tbody tr")
    width = "[document.documentElement.scrollWidth, window.innerWidth]"
    assert page.evaluate(width) == [390, 390]
    # The chart is drawn for the phone's width, not scaled down from a desktop one.
    chart_width = page.eval_on_selector("#cost-chart svg", "s => s.getBoundingClientRect().width")
    assert 250 < chart_width <= 390
    assert_not_blank(page.screenshot(path=tmp_path / "phone-top.png"), "phone, top of the page", min_colours=100)

    page.fill("#search-input", "王")
    page.click("#search-form button[type=submit]")
    page.locator("#search-results button.worker").first.click()
    page.wait_for_selector("#payslips-list details[open] .explanation li")
    assert page.evaluate(width) == [390, 390]
    shot = page.locator("#payslips").screenshot(path=tmp_path / "phone-payslips.png")
    assert_not_blank(shot, "phone, payslips")
    assert page.eval_on_selector("#payslips", "e => e.getBoundingClientRect().right") <= 390

    watch.assert_only_graphql()
    assert watch.problems == []
    context.close()


def test_dashboard_sends_the_token(browser, demo):
    """A street's HR token sees that street only: the token reaches the API."""
    from playwright.sync_api import expect

    token = demo.create_token("--role", "HR", "--street", "S01", "--name", "看板测试")
    assert token.startswith("cp_")
    street = demo.graphql('{ street(code: "S01") { name communities(first: 100) { totalCount } } }')["street"]
    period = demo.graphql("{ payrollRuns(first: 1) { nodes { period } } }")["payrollRuns"]["nodes"][0]["period"]
    context, page, watch = new_page(browser, demo.url, viewport={"width": 1024, "height": 800})
    page.goto(demo.url + "/dashboard")
    page.wait_for_selector("#cost-chart svg .bar rect")
    assert page.locator("#cost-chart .bar").count() == 6
    page.fill("#token-input", token)
    page.click("#token-form button[type=submit]")
    page.wait_for_selector("#identity >> text=当前身份：看板测试（人事），范围：S01")
    # The token sees no city-wide run: the month is found from its payslips.
    expect(page.locator("#cost-chart .bar")).to_have_count(1)
    assert page.input_value("#cost-month") == period
    assert page.locator("#cost-chart .bar .label").all_text_contents() == [street["name"]]
    expect(page.locator("#staffing-table tbody tr")).to_have_count(street["communities"]["totalCount"])
    assert set(page.locator("#staffing-table tbody td:nth-child(2)").all_text_contents()) == {street["name"]}
    # Without a token no header at all (development mode), then the token as a bearer.
    first_with = watch.authorization.index(f"Bearer {token}")
    assert first_with > 0 and set(watch.authorization[:first_with]) == {None}
    assert set(watch.authorization[first_with:]) == {f"Bearer {token}"}
    watch.assert_only_graphql()
    assert watch.problems == []
    context.close()


def test_dashboard_reports_errors_and_empty_states(browser, demo):
    from playwright.sync_api import expect

    context, page, watch = new_page(browser, demo.url, viewport={"width": 1024, "height": 800})
    page.goto(demo.url + "/dashboard")
    page.wait_for_selector("#cost-chart svg .bar rect")

    # A wrong token: a clear message, and nothing else is loaded.
    page.fill("#token-input", "cp_not_a_real_token")
    page.click("#token-form button[type=submit]")
    error = page.locator("#global-error")
    error.wait_for(state="visible")
    assert error.get_attribute("data-code") == "UNAUTHENTICATED"
    assert error.locator("strong").text_content().startswith("身份验证失败")
    assert "the token is unknown, expired or revoked" in error.text_content()
    assert page.locator("#cost-chart svg").count() == 0
    assert page.text_content("#staffing-status") == "未加载：请先处理页面顶部的提示。"
    # The token is kept in localStorage: after a reload it is still used.
    page.reload()
    error.wait_for(state="visible")
    assert page.input_value("#token-input") == "cp_not_a_real_token"
    assert page.evaluate("localStorage.getItem('communityPayroll.dashboardToken')") == "cp_not_a_real_token"
    # Cleared: the empty token works in development mode.
    page.click("#token-clear")
    page.wait_for_selector("#cost-chart svg .bar rect")
    assert error.is_hidden()
    assert page.evaluate("localStorage.getItem('communityPayroll.dashboardToken')") is None

    # Empty states: a month without payroll, a search without match.
    page.fill("#cost-month", "2020-01")
    page.click("#cost-form button[type=submit]")
    expect(page.locator("#cost-summary")).to_have_text(re.compile("^2020-01 没有工资数据"))
    assert page.locator("#cost-chart svg").count() == 0
    page.fill("#search-input", "查无此人")
    page.click("#search-form button[type=submit]")
    expect(page.locator("#search-status")).to_have_text("没有找到匹配“查无此人”的工作者。")
    assert page.locator("#search-results li").count() == 0

    # The network down.
    page.route("**/graphql", lambda route: route.abort("connectionrefused"))
    page.click("#search-form button[type=submit]")
    search_error = page.locator("#search-error")
    search_error.wait_for(state="visible")
    assert search_error.get_attribute("data-code") == "NETWORK"
    assert search_error.locator("strong").text_content().startswith("网络错误：无法连接到服务器")
    page.unroute("**/graphql")

    # FORBIDDEN, as the service reports it (a response stubbed in the browser:
    # the demo's ADMIN may read everything the dashboard asks for).
    page.route("**/graphql", lambda route: route.fulfill(status=200, content_type="application/json", body=json.dumps({
        "data": None,
        "errors": [{"message": "staffing: outside this token's scope", "extensions": {"code": "FORBIDDEN"}}],
    })))
    page.click("#staffing-form button[type=submit]")
    staffing_error = page.locator("#staffing-error")
    staffing_error.wait_for(state="visible")
    assert staffing_error.get_attribute("data-code") == "FORBIDDEN"
    assert staffing_error.locator("strong").text_content().startswith("权限不足")
    assert page.locator("#staffing-scroll").is_hidden()
    page.unroute("**/graphql")

    # And back: the next request succeeds and clears the message.
    page.click("#staffing-form button[type=submit]")
    page.wait_for_selector("#staffing-table tbody tr")
    assert staffing_error.is_hidden()

    # No payroll at all (a new installation): the service's answers stubbed in the browser.
    def no_payroll_yet(route):
        body = json.loads(route.request.post_data)
        if "DashboardLatestPeriod" in body["query"]:
            route.fulfill(json={"data": {"payrollPeriods": []}})
        else:
            route.continue_()

    page.route("**/graphql", no_payroll_yet)
    page.reload()
    expect(page.locator("#cost-summary")).to_have_text(re.compile("^尚无发放批次"))
    assert page.input_value("#cost-month") == time.strftime("%Y-%m")
    assert page.locator("#cost-chart svg").count() == 0
    page.unroute("**/graphql")

    watch.assert_only_graphql()
    # The aborted request is the only failure the page saw.
    # The wrong token is answered 401 (the browser notes the status), the stopped
    # server with a refused connection; nothing else went wrong.
    expected = ("ERR_CONNECTION_REFUSED", "status of 401 (Unauthorized)")
    assert [p for p in watch.problems if not any(e in p for e in expected)] == []
    context.close()


# ---------------------------------------------------------------- a province


PROVINCE_COST = """query($y: Int!) { payrollCostByJurisdiction(year: $y) {
  jurisdiction { code name } period runs draftRuns payslipCount gross net employerCost } }"""
PROVINCE_STAFFING = """query($d: Date!) { jurisdictionStaffing(date: $d) {
  jurisdiction { code name level parent { name } } population requiredByStandard requiredByCommunities required actual
  gap } }"""


def fen(text: str) -> int:
    """"1563846.30" → 156384630, exactly."""
    return int(Decimal(text) * 100)


def staffing_chip(gap: int) -> str:
    return f"缺 {gap} / short {gap}" if gap > 0 else f"超 {-gap} / over {-gap}" if gap < 0 else "持平 / even"


def test_dashboard_rolls_up_a_province(browser, province_demo, tmp_path):
    demo = province_demo
    latest = demo.graphql("{ payrollPeriods(first: 1) }")["payrollPeriods"][0]
    year = int(latest[:4])
    costs = demo.graphql(PROVINCE_COST, {"y": year})["payrollCostByJurisdiction"]
    # The demo's three jurisdictions, each paying its own runs, by code.
    names = {"411000": "许昌市", "411081": "禹州市", "411200": "三门峡市"}
    codes = list(dict.fromkeys(row["jurisdiction"]["code"] for row in costs))
    assert codes == sorted(names)
    periods = sorted({row["period"] for row in costs})
    assert periods[-1] == latest and len(costs) == 3 * len(periods)

    context, page, watch = new_page(browser, demo.url, viewport={"width": 1280, "height": 900})
    page.goto(demo.url + "/dashboard")
    page.wait_for_selector("#province-chart svg rect.segment")
    page.wait_for_selector("#province-staffing-table tbody tr")
    assert page.locator("main h2:visible").first.text_content() == "各辖区人力成本 / Cost by jurisdiction"
    assert page.input_value("#province-year") == str(year)

    # The legend and the chart: one segment per jurisdiction and month, in the API's order and amounts.
    legend = page.locator("#province-legend li")
    assert legend.evaluate_all("items => items.map(li => li.dataset.code)") == codes
    assert [text.removesuffix(code) for text, code in zip(legend.all_text_contents(), codes)] == \
        [names[code] for code in codes]
    segments = page.locator("#province-chart rect.segment").evaluate_all(
        "rects => rects.map(r => [r.parentNode.dataset.period, r.dataset.code, Number(r.dataset.fen),"
        " Number(r.getAttribute('height')), r.querySelector('title').textContent])")
    expected = sorted((row["period"], row["jurisdiction"]["code"]) for row in costs)
    assert sorted((period, code) for period, code, *_ in segments) == expected
    by_key = {(row["period"], row["jurisdiction"]["code"]): row for row in costs}
    tallest = max(height for *_, height, _ in segments)
    largest = max(amount for _, _, amount, _, _ in segments)
    for period, code, amount, height, title in segments:
        row = by_key[(period, code)]
        assert amount == fen(row["employerCost"])
        assert title == f"{names[code]} {period}：{yuan(row['employerCost'])} 元 / yuan"
        assert abs(height / tallest - amount / largest) * tallest < 1  # proportional, to a pixel
    # Stacked: in each month the segments sit on one another, 许昌市 at the bottom.
    for period in periods:
        month = page.locator(f'#province-chart g.month[data-period="{period}"] rect.segment')
        tops = month.evaluate_all("rs => rs.map(r => [Number(r.getAttribute('y')), Number(r.getAttribute('height'))])")
        assert len(tops) == 3
        for (y_low, _), (y_high, height_high) in zip(tops, tops[1:]):
            assert y_high + height_high == pytest.approx(y_low)
    assert page.locator("#province-chart g.month").count() == 12  # the whole year, months to come empty

    runs = sum(row["runs"] for row in costs)
    total = sum(Decimal(row["employerCost"]) for row in costs)
    assert page.text_content("#province-summary") == (
        f"{year} 年 · 3 个辖区 · {runs} 个批次 · 单位用人成本合计 {total:,.2f} 元 / "
        f"{year}: 3 jurisdictions, {runs} runs, employer cost {total:,.2f} yuan")

    # The table: a row per jurisdiction (each month and the year), and the months' totals.
    table = page.locator("#province-cost-table")
    assert table.locator("thead th").all_text_contents() == (
        ["辖区 / Jurisdiction"] + [f"{int(p[5:])}月 / {p}" for p in periods] + ["全年 / Year"])
    for code in codes:
        cells = table.locator(f'tbody tr[data-code="{code}"] td').all_text_contents()
        amounts = [Decimal(by_key[(p, code)]["employerCost"]) for p in periods]
        assert cells == [f"{a:,.2f}" for a in amounts] + [f"{sum(amounts):,.2f}"]
    totals = table.locator("tbody tr.total td").all_text_contents()
    assert totals[-1] == f"{total:,.2f}"
    assert totals[0] == f"{sum(Decimal(by_key[(periods[0], c)]['employerCost']) for c in codes):,.2f}"

    # Another figure: net pay, the same layout.
    page.select_option("#province-metric", "net")
    assert page.locator('#province-cost-table tbody tr[data-code="411200"] td').first.text_content() == \
        yuan(by_key[(periods[0], "411200")]["net"])

    # Staffing per jurisdiction against its standard, as the API reports it on the page's date.
    date = page.input_value("#province-date")
    staffing = demo.graphql(PROVINCE_STAFFING, {"d": date})["jurisdictionStaffing"]
    assert [row["jurisdiction"]["code"] for row in staffing] == codes
    rows = page.locator("#province-staffing-table tbody tr")
    assert rows.evaluate_all("trs => trs.map(tr => tr.dataset.code)") == codes
    levels = {"CITY": "市 / City", "COUNTY": "县 / County"}
    for i, row in enumerate(staffing):
        j = row["jurisdiction"]
        parent = f"（{j['parent']['name']}）" if j["parent"] else ""
        assert rows.nth(i).locator("th").text_content() == j["name"] + j["code"]
        assert rows.nth(i).locator("td").all_text_contents() == [
            levels[j["level"]] + parent, f"{row['population']:,}",
            "—" if row["requiredByStandard"] is None else f"{row['requiredByStandard']:,}",
            f"{row['requiredByCommunities']:,}", f"{row['required']:,}", f"{row['actual']:,}",
            staffing_chip(row["gap"])]
        assert row["required"] - row["actual"] == row["gap"]
    assert staffing[1]["jurisdiction"]["parent"] == {"name": "许昌市"}  # 禹州市, a county under 许昌市
    short = sum(1 for row in staffing if row["gap"] > 0)
    assert page.text_content("#province-staffing-status") == (
        f"{date}：3 个辖区，其中 {short} 个缺员 / {date}: 3 jurisdictions, {short} short.")

    # Looked at: the section, its chart in the three jurisdictions' colours.
    page.select_option("#province-metric", "employerCost")
    shot = page.locator("#province").screenshot(path=tmp_path / "province.png")
    assert_not_blank(shot, "province section", min_colours=100)
    chart = page.locator("#province-chart").screenshot(path=tmp_path / "province-chart.png")
    for colour in SERIES:
        assert share_of(chart, colour) > 0.03, f"a jurisdiction's colour {colour} is missing from the chart"
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280

    watch.assert_only_graphql()
    assert watch.problems == []
    context.close()


def test_dashboard_province_section_follows_the_token(browser, province_demo):
    """PROVINCE sees every jurisdiction; a city's token sees the section for itself
    and its county; a city without counties sees the page as a one-city installation."""
    from playwright.sync_api import expect

    demo = province_demo
    year = demo.graphql("{ payrollPeriods(first: 1) }")["payrollPeriods"][0][:4]
    context, page, watch = new_page(browser, demo.url, viewport={"width": 1024, "height": 800})
    page.goto(demo.url + "/dashboard")
    page.wait_for_selector("#province-chart svg rect.segment")

    province = demo.create_token("--role", "PROVINCE", "--name", "省厅")
    page.fill("#token-input", province)
    page.click("#token-form button[type=submit]")
    page.wait_for_selector("#identity >> text=当前身份：省厅（省级 / Province）")
    expect(page.locator("#province-legend li")).to_have_count(3)

    xuchang = demo.create_token("--role", "VIEWER", "--jurisdiction", "411000", "--name", "许昌市看板")
    page.fill("#token-input", xuchang)
    page.click("#token-form button[type=submit]")
    page.wait_for_selector("#identity >> text=当前身份：许昌市看板（只读），范围：411000")
    expect(page.locator("#province-staffing-table tbody tr")).to_have_count(2)
    assert page.locator("#province-legend li").evaluate_all("lis => lis.map(li => li.dataset.code)") == [
        "411000", "411081"]
    assert page.locator("#province-staffing-table tbody tr").evaluate_all("trs => trs.map(tr => tr.dataset.code)") == [
        "411000", "411081"]
    # What the token itself is answered: the chart holds its runs and no one else's.
    headers = {"Authorization": f"Bearer {xuchang}"}
    request = urllib.request.Request(demo.url + "/graphql", headers={"Content-Type": "application/json", **headers},
                                     data=json.dumps({"query": PROVINCE_COST, "variables": {"y": int(year)}}).encode())
    with urllib.request.urlopen(request, timeout=30) as response:
        own = json.load(response)["data"]["payrollCostByJurisdiction"]
    shown = page.locator("#province-chart rect.segment").evaluate_all(
        "rs => rs.map(r => [r.parentNode.dataset.period, r.dataset.code, Number(r.dataset.fen)])")
    assert sorted(shown) == sorted([row["period"], row["jurisdiction"]["code"], fen(row["employerCost"])]
                                   for row in own)
    assert {code for _, code, _ in shown} == {"411000", "411081"}

    sanmenxia = demo.create_token("--role", "VIEWER", "--jurisdiction", "411200", "--name", "三门峡市看板")
    page.fill("#token-input", sanmenxia)
    page.click("#token-form button[type=submit]")
    page.wait_for_selector("#identity >> text=当前身份：三门峡市看板（只读），范围：411200")
    page.wait_for_selector("#cost-chart svg .bar rect")
    expect(page.locator("#province")).to_be_hidden()
    assert page.locator("#province-chart svg").count() == 0
    assert page.locator("main h2:visible").all_text_contents() == ["各街道工资成本", "各社区职数缺口", "工作者与工资条"]

    watch.assert_only_graphql()
    assert watch.problems == []
    context.close()
