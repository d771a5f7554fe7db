"""GraphiQL that teaches: it opens on a useful query and offers the example
documents of ``api/queries/`` (also in ``docs/queries/``) as tabs.

Strawberry's GraphiQL page is kept as is; only its example query is replaced
and the example documents are added as default tabs.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources

from starlette.responses import HTMLResponse

from api.settings import Settings

WELCOME = """# 社区工作者薪酬 GraphQL — 欢迎 / Welcome
#
# 按 Ctrl-Enter 运行；左侧“Docs”查看全部字段说明（中文在前）。
# Press Ctrl-Enter to run; open "Docs" for every type and field.
#
# 令牌 / Token: in the Headers tab below, add
#   {"Authorization": "Bearer cp_..."}
# (create one with: community-payroll token create --role ADMIN --name me)
#
# More examples are in the other tabs: find a worker, quote a salary,
# run the month, fetch a month's payslips, staffing by community.

query Welcome {
  me { name role }
  streets(first: 10) {
    totalCount
    nodes {
      code
      name
      communities(first: 5) { nodes { code name households population } }
    }
  }
  payrollRuns(first: 3) {
    nodes { period status payslipCount gross net employerCost }
  }
}
"""


@lru_cache(maxsize=1)
def example_tabs() -> list[dict[str, str]]:
    """The example documents shipped with the package, one tab each."""
    folder = resources.files("api") / "queries"
    tabs = []
    if folder.is_dir():
        for entry in sorted(folder.iterdir(), key=lambda e: e.name):
            if entry.name.endswith(".graphql"):
                text = entry.read_text(encoding="utf-8")
                variables_file = folder / entry.name.replace(".graphql", ".json")
                tab = {"query": text}
                if variables_file.is_file():
                    tab["variables"] = variables_file.read_text(encoding="utf-8")
                tabs.append(tab)
    return tabs


def render_graphiql(template: str, settings: Settings) -> HTMLResponse:
    html = re.sub(
        r"const EXAMPLE_QUERY = `.*?`;",
        lambda _: "const EXAMPLE_QUERY = " + json.dumps(WELCOME, ensure_ascii=False) + ";",
        template,
        count=1,
        flags=re.S,
    )
    tabs = [{"query": WELCOME}, *example_tabs()]
    html = html.replace(
        "inputValueDeprecation: true,",
        "inputValueDeprecation: true,\n          defaultTabs: " + json.dumps(tabs, ensure_ascii=False) + ",",
        1,
    )
    html = html.replace("<title>Strawberry GraphiQL</title>", "<title>社区工作者薪酬 GraphiQL</title>", 1)
    return HTMLResponse(html)
