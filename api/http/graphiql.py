"""GraphiQL that works without the internet and teaches: it opens on a useful
query and offers the example documents of ``api/queries/`` (also
``docs/queries/``) as tabs named in Chinese first.

HR staff use GraphiQL on government intranets with no internet access, so
the page loads nothing from outside the service.  Strawberry's own page
fetches React, GraphiQL and its explorer plugin from a CDN; here the same
files, at the same versions and byte for byte (``vendor.json`` records their
integrity values, which are the ones strawberry's page gives), are vendored in
``api/static/graphiql/`` with their licences and served from
``/static/graphiql/``.  The page (``index.html``) and its script
(``graphiql-page.js``) are ours: no inline script, so a Content-Security-Policy
of ``'self'`` keeps the browser itself from loading anything from elsewhere.

Every file is read once, when the application is created, and served from
memory: a running service keeps working while the installed package on disk
is replaced (``pip install`` of a new version beside a running demo), which
used to fail with a 500 when a request first touched a file or module.
"""

from __future__ import annotations

import base64
import functools
import gzip
import hashlib
import json
import re
from dataclasses import dataclass
from importlib import resources
from string import Template

from graphql import GraphQLError, OperationDefinitionNode, parse
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

#: Where the page and its files are served.
STATIC_PREFIX = "/static/graphiql"

WELCOME = """# 社区工作者薪酬 GraphQL — 欢迎 / Welcome
#
# 运行：按 Ctrl-Enter，或点右侧的 ▶ 按钮。
# Run: press Ctrl-Enter, or the ▶ button on the right.
#
# 字段说明：点左侧边栏的书本图标（Docs）。
# Docs: open them from the book icon in the left
# sidebar; every type and field is described.
#
# 令牌 / Token: in the Headers tab below, add
#   {"Authorization": "Bearer cp_..."}
# (community-payroll token create --role ADMIN --name me),
# then press the refresh icon in the left sidebar
# (Re-fetch GraphQL schema) for Docs and autocompletion.
# 开发模式（serve --demo）不需要令牌。
# Development mode (serve --demo) needs no token.
#
# 计算规则 / The rules behind every amount:
#   docs/salary-model.md (in the project's repository;
#   each payslip line's `rule`, e.g. "§4.1", points into it).
#
# 其他标签页 / More examples in the other tabs:
# 查找工作者、工资试算、计算本月工资（会写入！/ WRITES!）、
# 月度工资条、职数与成本。

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

#: The welcome tab's title (GraphiQL names a tab after its operation).
WELCOME_TITLE = "欢迎 / Welcome"


@dataclass(frozen=True)
class ExampleTab:
    """One example document as a GraphiQL tab."""

    #: The document's first comment line, e.g. "查找工作者 / Find a worker".
    title: str
    #: Its operation's name: GraphiQL shows it as the tab's name, and the page
    #: replaces it with :attr:`title`.
    operation_name: str
    query: str
    variables: str | None = None


def tab_for(query: str, variables: str | None = None) -> ExampleTab:
    """The tab of a document whose first line is ``# title`` and that holds one named operation."""
    first_line = query.split("\n", 1)[0]
    if not first_line.startswith("# "):
        raise ValueError(f"an example document must start with '# 中文标题 / English title', not {first_line!r}")
    try:
        document = parse(query)
    except GraphQLError as exc:
        raise ValueError(f"{first_line}: {exc.message}") from None
    names = [d.name.value for d in document.definitions if isinstance(d, OperationDefinitionNode) and d.name]
    if len(names) != 1:
        raise ValueError(f"{first_line}: an example document holds exactly one named operation, not {names}")
    return ExampleTab(title=first_line[2:].strip(), operation_name=names[0], query=query, variables=variables)


@functools.lru_cache(maxsize=1)
def example_tabs() -> tuple[ExampleTab, ...]:
    """The example documents shipped with the package, one tab each, in file order."""
    folder = resources.files("api") / "queries"
    tabs = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".graphql"):
            variables_file = folder / entry.name.replace(".graphql", ".json")
            variables = variables_file.read_text(encoding="utf-8") if variables_file.is_file() else None
            tabs.append(tab_for(entry.read_text(encoding="utf-8"), variables))
    return tuple(tabs)


# ---------------------------------------------------------------- files


#: Scripts in the order the page runs them: React, then GraphiQL, its explorer
#: plugin (both use the React global), then ours.
SCRIPTS = ("react.production.min.js", "react-dom.production.min.js", "graphiql.min.js", "plugin-explorer.umd.js",
           "graphiql-page.js")
STYLES = ("graphiql.min.css", "plugin-explorer.css", "graphiql-page.css")

MEDIA_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".html": "text/html; charset=utf-8",
}

#: The page's own rules for the browser: scripts, styles, fonts and requests
#: from this origin only (GraphiQL's fonts are data: URLs inside its CSS;
#: React and CodeMirror set element styles, hence 'unsafe-inline' for styles).
PAGE_HEADERS = {
    "content-security-policy": (
        "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; font-src 'self' data:; "
        "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "cache-control": "no-cache",
}


@dataclass(frozen=True)
class Asset:
    """A file served from memory, with its gzip form and validators."""

    name: str
    body: bytes
    media_type: str
    gzipped: bytes | None
    etag: str
    integrity: str

    @classmethod
    def of(cls, name: str, body: bytes) -> Asset:
        suffix = name[name.rfind("."):] if "." in name else ""
        # Compressed once here (GraphiQL's script: 3.5 MB → 0.7 MB), not per request.
        packed = gzip.compress(body, 6, mtime=0) if len(body) > 1024 else None
        digest = hashlib.sha384(body).digest()
        return cls(
            name=name,
            body=body,
            media_type=MEDIA_TYPES.get(suffix, "text/plain; charset=utf-8"),
            gzipped=packed if packed is not None and len(packed) < len(body) else None,
            etag='"' + hashlib.sha256(body).hexdigest()[:32] + '"',
            integrity="sha384-" + base64.b64encode(digest).decode(),
        )

    def response(self, request: Request) -> Response:
        headers = {"etag": self.etag, "cache-control": "no-cache", "x-content-type-options": "nosniff",
                   "vary": "accept-encoding"}
        if self.etag in request.headers.get("if-none-match", ""):
            return Response(status_code=304, headers=headers)
        if self.gzipped is not None and "gzip" in request.headers.get("accept-encoding", ""):
            return Response(self.gzipped, media_type=self.media_type, headers={**headers, "content-encoding": "gzip"})
        return Response(self.body, media_type=self.media_type, headers=headers)


def _folder():
    return resources.files("api") / "static" / "graphiql"


def vendored_files() -> dict[str, str]:
    """Vendored file name → the ``sha384-…`` integrity vendor.json records for it."""
    manifest = json.loads((_folder() / "vendor.json").read_text(encoding="utf-8"))
    return dict(manifest["integrity"])


def _config_json(endpoint: str, tabs: tuple[ExampleTab, ...]) -> str:
    """The page's settings as JSON that is safe inside a ``<script>`` element."""
    config = {
        "endpoint": endpoint,
        "tabs": [{"query": WELCOME}] + [
            {"query": t.query, **({"variables": t.variables} if t.variables else {})} for t in tabs],
        "titles": {"Welcome": WELCOME_TITLE, **{t.operation_name: t.title for t in tabs}},
    }
    text = json.dumps(config, ensure_ascii=False, indent=1)
    return re.sub(r"</", r"<\\/", text)


@dataclass(frozen=True)
class GraphiQLPage:
    """The page and every file it loads, in memory."""

    html: bytes
    assets: dict[str, Asset]

    @classmethod
    def load(cls, endpoint: str = "/graphql") -> GraphiQLPage:
        folder = _folder()
        names = [*SCRIPTS, *STYLES, *(n for n in vendored_files() if n not in SCRIPTS + STYLES)]
        names += sorted(e.name for e in folder.iterdir() if e.name.startswith("LICENSE."))
        assets = {name: Asset.of(name, (folder / name).read_bytes()) for name in names}

        def tag(name: str) -> str:
            url = f"{STATIC_PREFIX}/{name}"
            if name.endswith(".css"):
                return f'<link rel="stylesheet" href="{url}" integrity="{assets[name].integrity}">'
            return f'<script src="{url}" integrity="{assets[name].integrity}"></script>'

        template = Template((folder / "index.html").read_text(encoding="utf-8"))
        html = template.substitute(
            styles="\n    ".join(tag(n) for n in STYLES),
            scripts="\n    ".join(tag(n) for n in SCRIPTS),
            config=_config_json(endpoint, example_tabs()),
        )
        return cls(html=html.encode("utf-8"), assets=assets)

    def response(self) -> Response:
        return Response(self.html, media_type=MEDIA_TYPES[".html"], headers=PAGE_HEADERS)

    async def serve_asset(self, request: Request) -> Response:
        asset = self.assets.get(request.path_params["name"])
        if asset is None:
            raise HTTPException(404)
        return asset.response(request)

    def routes(self) -> list[Route]:
        """``/static/graphiql/{name}``: the page's scripts, styles and licences."""
        return [Route(STATIC_PREFIX + "/{name}", self.serve_asset, methods=["GET", "HEAD"])]


@functools.lru_cache(maxsize=1)
def graphiql_page() -> GraphiQLPage:
    """The page, loaded once per process (applications created in tests share it)."""
    return GraphiQLPage.load()
