"""The example dashboard at ``/dashboard``: static HTML, JavaScript and CSS
from ``api/static/dashboard/`` that talk only to the public GraphQL API,
served as they are (:mod:`api.http.static_pages`: no build step, a
Content-Security-Policy keeping the page to this origin)."""

from __future__ import annotations

from starlette.routing import Route

from api.http.static_pages import SECURITY_HEADERS, PackagedPage

#: The dashboard's files and their media types.
FILES = {
    "index.html": "text/html; charset=utf-8",
    "dashboard.js": "text/javascript; charset=utf-8",
    "dashboard.css": "text/css; charset=utf-8",
}

DASHBOARD = PackagedPage("dashboard", FILES, SECURITY_HEADERS)


def read_file(name: str) -> bytes:
    return DASHBOARD.read(name)


def dashboard_routes() -> list[Route]:
    """``/dashboard`` and ``/dashboard/`` (the page) and its two assets."""
    return DASHBOARD.routes()
