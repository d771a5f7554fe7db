"""Pages served from the package as they are: plain HTML, JavaScript and CSS
from ``api/static/<folder>/``, no build step, no templating.

A Content-Security-Policy keeps each page to this origin — scripts, styles
and requests (``connect-src``) — so a page cannot quietly grow a dependency
on a CDN or on an endpoint other than the ones it is served with.  The files
are read once and kept in memory (:meth:`PackagedPage.preload` at start-up),
so a running service keeps serving them even if the installed package is
replaced under it.
"""

from __future__ import annotations

from importlib import resources

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

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


class PackagedPage:
    """A page at ``/<folder>/`` (``index.html``) and its assets ``/<folder>/<name>``."""

    def __init__(self, folder: str, files: dict[str, str], headers: dict[str, str] | None = None):
        #: The folder under api/static, also the page's path.
        self.folder = folder
        #: File name → media type; ``index.html`` is the page itself.
        self.files = files
        self.headers = headers or SECURITY_HEADERS
        self._contents: dict[str, bytes] = {}

    def read(self, name: str) -> bytes:
        if name not in self._contents:
            self._contents[name] = (resources.files("api") / "static" / self.folder / name).read_bytes()
        return self._contents[name]

    def preload(self) -> None:
        for name in self.files:
            self.read(name)

    def _serve(self, name: str):
        async def endpoint(request: Request) -> Response:
            return Response(self.read(name), media_type=self.files[name], headers=self.headers)

        return endpoint

    def routes(self) -> list[Route]:
        """``/<folder>`` and ``/<folder>/`` (the page) and each asset."""
        page = self._serve("index.html")
        base = f"/{self.folder}"
        return [
            Route(base, page, methods=["GET", "HEAD"], name=self.folder),
            Route(f"{base}/", page, methods=["GET", "HEAD"]),
            *(Route(f"{base}/{name}", self._serve(name), methods=["GET", "HEAD"])
              for name in self.files if name != "index.html"),
        ]
