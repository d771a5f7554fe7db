"""GraphiQL in headless Chromium with the internet switched off.

The service runs as in production (tokens, no development mode) with the demo
city.  Chromium resolves no host name but 127.0.0.1 (``--host-resolver-rules``)
and every request to another host is aborted (Playwright route interception)
and recorded: GraphiQL must render from the service's own files, show the
example tabs with their bilingual titles, take a token in its Headers tab,
load the schema for Docs, and run the welcome query into the result pane with
the same data the API returns.  The screenshot is saved to
``test-results/graphiql-offline.png``.

Skips, saying why, without Chromium or Playwright (like the dashboard test,
whose helpers it uses).
"""

from __future__ import annotations

import json
import os
import urllib.request
from pathlib import Path

import pytest

from api.http.graphiql import WELCOME, WELCOME_TITLE, example_tabs
from tests.live_service import running_service
from tests.test_dashboard_browser import assert_not_blank, chromium_path

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOT = ROOT / "test-results" / "graphiql-offline.png"


@pytest.fixture(scope="module")
def offline_browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed: pip install -e '.[test]'")
    path = chromium_path()
    if path is None:
        pytest.skip("Chromium is not installed (Debian: apt-get install chromium); the browser test needs it")
    args = ["--disable-dev-shm-usage", "--disable-gpu",
            # No name resolves except the test server's address: nothing can be fetched from outside.
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        args.append("--no-sandbox")  # Chromium refuses to sandbox as root (CI containers)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=path, args=args)
        try:
            yield chromium
        finally:
            chromium.close()


def graphql(url: str, token: str, query: str) -> dict:
    request = urllib.request.Request(url + "/graphql", data=json.dumps({"query": query}).encode(),
                                     headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def editor_text(page, selector: str) -> str:
    """The text of a CodeMirror editor of GraphiQL (its wrapper element holds the editor)."""
    return page.locator(selector).evaluate("el => el.CodeMirror.getValue()")


def test_graphiql_works_offline(offline_browser, tmp_path):
    with running_service(tmp_path, demo=True) as service:
        token = service.create_token("--role", "ADMIN", "--name", "GraphiQL 测试")
        expected = graphql(service.url, token, WELCOME)
        assert "errors" not in expected and expected["data"]["streets"]["totalCount"] == 6

        context = offline_browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 900})
        page = context.new_page()
        page.set_default_timeout(15_000)
        requests: list[str] = []
        outside: list[str] = []
        problems: list[str] = []

        def only_the_service(route) -> None:
            url = route.request.url
            if url.startswith(service.url + "/") or url.startswith("data:"):
                requests.append(f"{route.request.method} {url[len(service.url):]}")
                route.continue_()
            else:
                outside.append(url)
                route.abort("blockedbyclient")

        page.route("**/*", only_the_service)
        page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
        page.on("console", lambda m: m.type == "error" and problems.append(f"console: {m.text}"))

        page.goto(service.url + "/graphql")
        tabs = page.locator(".graphiql-tab-button")
        tabs.first.wait_for()
        titles = [WELCOME_TITLE, *(t.title for t in example_tabs())]
        page.wait_for_function("n => document.querySelector('.graphiql-tab-button').textContent === n", arg=titles[0])
        assert tabs.all_text_contents() == titles
        assert titles[1] == "查找工作者 / Find a worker" and "写入" in titles[3] and "WRITES" in titles[3]
        assert editor_text(page, ".graphiql-query-editor .CodeMirror") == WELCOME

        # Without a token the schema is refused, and GraphiQL says why in the result pane.
        page.wait_for_function(
            "() => document.querySelector('.result-window .CodeMirror').CodeMirror.getValue().includes('UNAUTHENTICATED')")
        assert "查看接口结构（__schema、__type）需要令牌" in editor_text(page, ".result-window .CodeMirror")
        # The token goes into the Headers tab, then the schema is fetched again.
        page.get_by_role("button", name="Headers").click()
        # The section is labelled after the editor it shows; the headers editor is its second.
        headers_editor = page.locator('section.graphiql-editor-tool[aria-label="Headers"] '
                                      ".graphiql-editor:not(.hidden) .CodeMirror")
        headers_editor.evaluate("(el, value) => el.CodeMirror.setValue(value)",
                                json.dumps({"Authorization": f"Bearer {token}"}))
        # GraphiQL takes an edit after a pause, keeping the headers in this browser (shouldPersistHeaders).
        page.wait_for_function("t => (localStorage.getItem('graphiql:headers') || '').includes(t)", arg=token)
        page.get_by_role("button", name="Re-fetch GraphQL schema").click()
        # Docs, from the book icon of the left sidebar: the schema's Chinese descriptions.
        page.get_by_role("button", name="Show Documentation Explorer").click()
        docs = page.locator(".graphiql-doc-explorer")
        docs.get_by_text("Query", exact=True).first.click()
        docs.get_by_text("查询 / Queries.").wait_for()
        docs.get_by_text("当前令牌的身份与范围 / The current token: name, role and scope.").wait_for()

        page.locator(".graphiql-execute-button").click()
        page.wait_for_function(
            "() => document.querySelector('.result-window .CodeMirror').CodeMirror.getValue().includes('totalCount')")
        shown = json.loads(editor_text(page, ".result-window .CodeMirror"))
        assert shown == expected
        assert shown["data"]["me"] == {"name": "GraphiQL 测试", "role": "ADMIN"}

        SCREENSHOT.parent.mkdir(exist_ok=True)
        assert_not_blank(page.screenshot(path=SCREENSHOT), "GraphiQL", min_colours=100)
        context.close()

    assert outside == []
    assert "GET /graphql" in requests and "POST /graphql" in requests
    assert {r.split("?")[0] for r in requests} <= {"GET /graphql", "POST /graphql", *(
        f"GET /static/graphiql/{name}" for name in ("react.production.min.js", "react-dom.production.min.js",
                                                    "graphiql.min.js", "plugin-explorer.umd.js", "graphiql-page.js",
                                                    "graphiql.min.css", "plugin-explorer.css", "graphiql-page.css"))}
    # The schema request before the token was refused (401); nothing else went wrong.
    assert [p for p in problems if "status of 401" not in p] == []
