"""The example dashboard at ``/dashboard``: static HTML, JavaScript and CSS
from ``api/static/dashboard/`` that talk only to the public GraphQL API.

The files ship as package data and are served as they are: no build step, no
templating. A Content-Security-Policy keeps the page to this origin — scripts,
styles and requests (``connect-src``) — so the dashboard cannot quietly grow a
dependency on a CDN or on an endpoint other than the ones it is served with.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

#: The dashboard's files and their media types.
FILES = {
    "index.html": "text/html; charset=utf-8",
    "dashboard.js": "text/javascript; charset=utf-8",
    "dashboard.css": "text/css; charset=utf-8",
}

SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    # Small files, changed with the package: always revalidate.
    "cache-control": "no-cache",
}


@lru_cache(maxsize=len(FILES))
def read_file(name: str) -> bytes:
    return (resources.files("api") / "static" / "dashboard" / name).read_bytes()


def _serve(name: str):
    async def endpoint(request: Request) -> Response:
        return Response(read_file(name), media_type=FILES[name], headers=SECURITY_HEADERS)

    return endpoint


def dashboard_routes() -> list[Route]:
    """``/dashboard`` and ``/dashboard/`` (the page) and its two assets."""
    page = _serve("index.html")
    return [
        Route("/dashboard", page, methods=["GET", "HEAD"], name="dashboard"),
        Route("/dashboard/", page, methods=["GET", "HEAD"]),
        *(Route(f"/dashboard/{name}", _serve(name), methods=["GET", "HEAD"]) for name in FILES if name != "index.html"),
    ]
