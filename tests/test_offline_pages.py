"""Pages that work without the internet, and keep working while the package
on disk changes.

* Every page and file the service ships to browsers (GraphiQL's page as
  served, its scripts and styles, the dashboard's and the payslip page's
  HTML, JavaScript and CSS) loads nothing from another host: no ``src=``/``href=`` to an http(s) host,
  no ``@import`` or ``url()`` of one, no ``fetch("http…")``, no CDN name.
  Our own files contain no absolute URL at all (XML namespace names aside).
  The vendored GraphiQL files (api/static/graphiql, from npm) mention URLs in
  comments, error messages and credits; :data:`VENDORED_HOSTS` lists the hosts
  each one mentions and why none is loaded, so a refresh that adds one fails
  here until someone has looked.
* The vendored files are the ones vendor.json describes (sha384), with their
  licences, and the package ships them.
* A running service whose installed package is removed (``pip install -e .``
  replacing a ``pip install .`` beside a running demo) still serves GraphiQL,
  its files, the dashboard, the payslip page and queries: everything a
  request needs is read and imported at start-up.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shutil
import subprocess
import sys
import tomllib
import urllib.request
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from api.http.app import create_app
from api.http.graphiql import SCRIPTS, STYLES, WELCOME, vendored_files
from api.settings import Settings
from tests.live_service import running_service

ROOT = Path(__file__).resolve().parent.parent
GRAPHIQL = ROOT / "api" / "static" / "graphiql"
OURS = ("graphiql-page.js", "graphiql-page.css", "index.html")
DASHBOARD_FILES = ("/dashboard/", "/dashboard/dashboard.js", "/dashboard/dashboard.css")
PAYSLIP_FILES = ("/payslips/", "/payslips/payslips.js", "/payslips/payslips.css")

#: What would make a browser load something from another host.
LOADS = [
    re.compile(r"""\b(?:src|srcset|href|action|poster|data)\s*=\s*\\?["']?\s*(?:https?:|wss?:)?//[\w.-]+""", re.I),
    re.compile(r"""\b(?:src|srcSet|href)\s*:\s*["'`](?:https?:)?//[\w.-]+"""),  # createElement("img", {src: …})
    re.compile(r"""@import\b[^;]*""", re.I),
    re.compile(r"""url\(\s*\\?["']?\s*(?:https?:)?//[^)]*""", re.I),
    re.compile(r"""\b(?:fetch|import|importScripts|EventSource|WebSocket|Worker|SharedWorker|sendBeacon)\s*\(\s*"""
               r"""["'`](?:https?:|wss?:)?//[^"'`]*""", re.I),
    re.compile(r"""\b(?:unpkg\.com|jsdelivr\.net|cdnjs\.cloudflare\.com|googleapis\.com|gstatic\.com|esm\.sh|"""
               r"""skypack\.dev|bootcdn\.net|staticfile\.org|bootcss\.com|cdn\.[\w-]+\.[a-z]+)""", re.I),
]

#: Matches of LOADS in vendored files that load nothing, each with the reason.
NOT_LOADS = {
    ("graphiql.min.js", 'href="//example.com'):
        "a comment in markdown-it's linkify: '<a href=\"//example.com/\">' is what it avoids producing",
    ("plugin-explorer.umd.js", 'href:"https://www.onegraph.com'):
        "the explorer's credit link 'GraphiQL Explorer by OneGraph' (a link a user may click, not a load)",
    ("plugin-explorer.umd.js", 'href:"https://github.com'):
        "the explorer's credit link 'Contribute on GitHub' (a link, not a load)",
    ("graphiql.min.js", 'href: "https://codemirror.net'):
        "a link to CodeMirror's key map manual in GraphiQL's keyboard shortcuts dialog (a link, not a load)",
    ("graphiql.min.js", 'href: "https://github.com'):
        "the GraphiQL logo's link to its repository (a link, not a load)",
}

#: Hosts the vendored files mention, and how (none is requested by the page:
#: tests/test_graphiql_browser.py sees every request stay on the service).
VENDORED_HOSTS = {
    "react.production.min.js": set(),
    "graphiql.min.css": set(),  # its fonts are data: URLs
    "plugin-explorer.css": set(),
    # Error messages link to React's error decoder; the others are XML namespace names.
    "react-dom.production.min.js": {"reactjs.org", "www.w3.org"},
    # Credit links (see NOT_LOADS) and the SVG namespace name.
    "plugin-explorer.umd.js": {"www.onegraph.com", "github.com", "www.w3.org"},
    # Comments, licence headers and error messages of the bundled libraries
    # (graphql-js, CodeMirror, markdown-it, mdurl, linkify, floating-ui, radix,
    # framer-motion…), examples in comments (a, foo, host, test1, example.org),
    # the SVG namespace, and the JSON Schema draft id of the variables editor.
    "graphiql.min.js": {
        "a", "bugs.chromium.org", "codemirror.net", "commonmark.org", "daringfireball.net", "datatracker.ietf.org",
        "developer.mozilla.org", "en.wikipedia.org", "esbench.com", "example.org", "expressjs.com", "floating-ui.com",
        "foo", "foo.com", "gist.github.com", "github.com", "github.github.com", "graphiql-test.netlify.app",
        "highlightjs.org", "host", "html.spec.whatwg.org", "json-schema.org", "marijnhaverbeke.nl",
        "mathiasbynens.be", "microsoft.github.io", "radix-ui.com", "reactjs.org", "serverfault.com",
        "spec.commonmark.org", "spec.graphql.org", "test1", "tools.ietf.org", "trac.webkit.org", "unicode.org",
        "webpack.js.org", "www.framer.com", "www.nayuki.io", "www.w3.org", "yarnpkg.com",
    },
}
NAMESPACES = {"http://www.w3.org/2000/svg"}


def shipped(client: TestClient) -> dict[str, str]:
    """Every page and file the service sends to browsers, as served: name → text."""
    files = {"GraphiQL page": client.get("/graphql", headers={"accept": "text/html"}).text}
    for name in (*SCRIPTS, *STYLES):
        response = client.get(f"/static/graphiql/{name}")
        assert response.status_code == 200, name
        files[name] = response.text
    for path in (*DASHBOARD_FILES, *PAYSLIP_FILES):
        response = client.get(path)
        assert response.status_code == 200, path
        files[path] = response.text
    return files


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    folder = tmp_path_factory.mktemp("offline")
    with TestClient(create_app(Settings(database_url=f"sqlite:///{folder}/offline.db"))) as test_client:
        yield test_client


def test_no_shipped_file_loads_anything_from_another_host(client):
    files = shipped(client)
    assert len(files) == len(SCRIPTS) + len(STYLES) + 1 + len(DASHBOARD_FILES) + len(PAYSLIP_FILES)
    found = []
    for name, text in files.items():
        for pattern in LOADS:
            for match in pattern.finditer(text):
                if (name, match.group(0)) not in NOT_LOADS:
                    found.append(f"{name}: {match.group(0)!r}")
    assert found == []


def test_our_own_files_hold_no_absolute_url(client):
    files = shipped(client)
    vendored = vendored_files()
    ours = {name: text for name, text in files.items() if name not in vendored}
    assert set(ours) == {"GraphiQL page", "graphiql-page.js", "graphiql-page.css", *DASHBOARD_FILES, *PAYSLIP_FILES}
    for name, text in ours.items():
        urls = set(re.findall(r"""(?:https?:|wss?:)?//[\w.-]+\.[a-z]{2,}[^\s"'`)<]*""", text))
        assert urls <= NAMESPACES, name
    # GraphiQL's page: its own scripts and styles only, each with its integrity, no inline script.
    page = files["GraphiQL page"]
    assert re.findall(r'<script src="([^"]+)"', page) == [f"/static/graphiql/{n}" for n in SCRIPTS]
    assert re.findall(r'<link rel="stylesheet" href="([^"]+)"', page) == [f"/static/graphiql/{n}" for n in STYLES]
    assert page.count("<script") == len(SCRIPTS) + 1  # + the JSON settings, which are not run
    assert '<script type="application/json" id="graphiql-config">' in page
    for name, integrity in vendored.items():
        if name in SCRIPTS + STYLES:
            assert f'/static/graphiql/{name}" integrity="{integrity}"' in page, name
    csp = client.get("/graphql", headers={"accept": "text/html"}).headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src 'self';" in csp and "connect-src 'self'" in csp


def test_the_page_carries_the_examples_with_their_titles(client):
    page = client.get("/graphql", headers={"accept": "text/html"}).text
    config = json.loads(re.search(r'id="graphiql-config">(.*?)</script>', page, re.S).group(1))
    assert config["endpoint"] == "/graphql"
    assert config["tabs"][0] == {"query": WELCOME}
    queries = sorted((ROOT / "api" / "queries").glob("*.graphql"))
    assert [t["query"] for t in config["tabs"][1:]] == [q.read_text(encoding="utf-8") for q in queries]
    assert config["titles"] == {
        "Welcome": "欢迎 / Welcome",
        "FindWorker": "查找工作者 / Find a worker",
        "QuoteSalary": "工资试算 / Quote a salary",
        "RunTheMonth": "计算本月工资（写入！）/ Run the month (WRITES!)",
        "MonthPayslips": "月度工资条 / A month's payslips",
        "StaffingAndCost": "职数与成本 / Staffing and cost",
    }
    # The welcome tab: Docs from the sidebar's book icon, and the rule book.
    assert "点左侧边栏的书本图标（Docs）" in WELCOME and "book icon in the left" in WELCOME
    assert "top right" not in WELCOME and "docs/salary-model.md" in WELCOME
    # The one example that writes says so first, and how to undo it.
    run = (ROOT / "api" / "queries" / "03-hr-run-the-month.graphql").read_text(encoding="utf-8")
    head = run.split("mutation RunTheMonth", 1)[0]
    assert "WRITES to the database" in head and "会写入数据库" in head
    assert "deletePayrollRun" in head


def test_vendored_files_are_the_published_ones_with_their_licences(client):
    manifest = json.loads((GRAPHIQL / "vendor.json").read_text(encoding="utf-8"))
    for name, integrity in manifest["integrity"].items():
        digest = hashlib.sha384((GRAPHIQL / name).read_bytes()).digest()
        assert "sha384-" + base64.b64encode(digest).decode() == integrity, name
        served = client.get(f"/static/graphiql/{name}")
        assert served.content == (GRAPHIQL / name).read_bytes()
    listed = {local for package in manifest["packages"] for local in package["files"].values()}
    assert set(manifest["integrity"]) == {n for n in listed if not n.startswith("LICENSE")}
    assert set(VENDORED_HOSTS) == set(manifest["integrity"])
    for licence in ("LICENSE.react", "LICENSE.react-dom", "LICENSE.graphiql", "LICENSE.graphiql-explorer"):
        assert (GRAPHIQL / licence).read_text(encoding="utf-8").startswith("MIT License"), licence
        assert client.get(f"/static/graphiql/{licence}").status_code == 200
    readme = (GRAPHIQL / "README.md").read_text(encoding="utf-8")
    for package in manifest["packages"]:
        assert f"`{package['name']}@{package['version']}`" in readme or f"{package['name']}@{package['version']}" in readme
    # `pip install .` ships them.
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["package-data"]
    patterns = [p.removeprefix("static/graphiql/") for p in data["api"] if p.startswith("static/graphiql/")]
    for name in [*listed, *OURS, "vendor.json"]:
        assert any(Path(name).match(p) for p in patterns), name


def test_vendored_files_mention_only_the_hosts_listed():
    for name, hosts in VENDORED_HOSTS.items():
        text = (GRAPHIQL / name).read_text(encoding="utf-8")
        assert {h.lower() for h in re.findall(r"(?:https?|wss?)://([\w.-]+)", text)} == hosts, name


def test_gzip_and_revalidation(client):
    plain = client.get("/static/graphiql/graphiql.min.js", headers={"accept-encoding": "identity"})
    assert plain.headers.get("content-encoding") is None and len(plain.content) == 3_513_580
    packed = client.get("/static/graphiql/graphiql.min.js", headers={"accept-encoding": "gzip"})
    assert packed.headers["content-encoding"] == "gzip" and packed.content == plain.content  # decoded by the client
    assert int(packed.headers["content-length"]) < 1_000_000
    again = client.get("/static/graphiql/graphiql.min.js", headers={"if-none-match": plain.headers["etag"]})
    assert again.status_code == 304 and again.content == b""


# ---------------------------------------------------------------- the package removed under a running service


def test_a_running_service_survives_its_package_being_removed(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    for package in ("api", "payroll"):
        shutil.copytree(ROOT / package, site / package, ignore=shutil.ignore_patterns("__pycache__"))
    env = {"PYTHONPATH": str(site)}
    python = [sys.executable, "-c", "import sys; from api.cli import main; sys.exit(main())"]
    where = subprocess.run([sys.executable, "-c", "import api; print(api.__file__)"], env={**env, "PATH": ""},
                           capture_output=True, text=True, cwd=tmp_path, check=True)
    assert where.stdout.strip() == str(site / "api" / "__init__.py")
    with running_service(tmp_path, demo=True, dev_admin=True, command=python, env=env, cwd=tmp_path) as service:
        shutil.rmtree(site)  # what `pip install -e .` does to a `pip install .` beside the running demo

        def get(path: str, accept: str = "*/*") -> tuple[int, bytes]:
            request = urllib.request.Request(service.url + path, headers={"Accept": accept})
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, response.read()

        status, page = get("/graphql", "text/html")
        assert status == 200 and "社区工作者薪酬 GraphiQL" in page.decode()
        for name in (*SCRIPTS, *STYLES):
            assert get(f"/static/graphiql/{name}")[0] == 200, name
        for path in (*DASHBOARD_FILES, *PAYSLIP_FILES):
            assert get(path)[0] == 200, path
        data = service.graphql(WELCOME)
        assert data["me"] == {"name": "dev-admin", "role": "ADMIN"} and data["streets"]["totalCount"] == 6


def test_serve_demo_says_what_it_loaded_and_warns_once(tmp_path):
    with running_service(tmp_path, serve_demo=True) as service:
        log = (tmp_path / "serve.log").read_text(encoding="utf-8")
        url = service.url
    assert "community-payroll: 载入演示城市 … / loading the demo city …" in log
    assert (f"community-payroll: 演示城市已载入 sqlite:///{tmp_path}/service.db：6 个街道，60 个社区，800 名工作者，"
            in log)
    assert f" / demo city loaded into sqlite:///{tmp_path}/service.db: 6 streets, 60 communities, 800 workers, " in log
    assert f"  GraphiQL           {url}/graphql\n  看板 / dashboard   {url}/dashboard/" in log
    assert log.count("DEVELOPMENT MODE") == 1
    assert "开发模式：无令牌的请求视为管理员 / DEVELOPMENT MODE: requests without a token act as ADMIN" in log
