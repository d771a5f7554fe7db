"""Development mode's guard against browser pages on other origins (a request
without a token acts as ADMIN there): :class:`DevOriginGuard`."""

from __future__ import annotations

import ipaddress
import logging
from typing import Iterable
from urllib.parse import parse_qs

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from api.http.graphql_view import HTTPProblem, response_media_type

logger = logging.getLogger("community_payroll")


class DevOriginGuard:
    """In development mode a request without a token acts as ADMIN, so any page
    the browser has open could act as ADMIN too.  This middleware refuses such
    requests (403 ``FORBIDDEN``) before they reach a route.

    Browsers say where a request comes from (``Origin``, ``Sec-Fetch-Site``);
    a request carrying neither is not from a browser page (curl, scripts) and
    passes.  A browser's request passes when its ``Origin`` is one of
    ``PAYROLL_CORS_ORIGINS``; otherwise:

    * the service must be addressed by an IP address or ``localhost``: a page
      on ``evil.example`` whose name is re-pointed at 127.0.0.1 (DNS
      rebinding) would otherwise be "same-origin" and read every export;
    * every request other than GET/HEAD/OPTIONS, and GET requests that run a
      GraphQL operation (``/graphql?query=…``), must come from the service's
      own origin: not another ``Origin`` (``null`` included), and not
      ``Sec-Fetch-Site: cross-site``.  A cross-site form POST (multipart or
      not) therefore runs nothing.  GraphiQL's page itself (``/graphql``
      without a query) and the dashboard may be opened from a link.

    With development mode off every request needs a bearer token, which a page
    on another origin cannot make a browser send, so this guard is not
    installed.
    """

    def __init__(self, app: ASGIApp, allowed_origins: Iterable[str] = (), graphql_path: str = "/graphql"):
        self.app = app
        self.allowed_origins = frozenset(_normal_origin(o) for o in allowed_origins)
        self.graphql_path = graphql_path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            refusal = self.refusal(scope)
            if refusal is not None:
                logger.warning("development mode: refused %s %s: %s", scope["method"], scope["path"], refusal)
                headers = Headers(scope=scope)
                await HTTPProblem(403, refusal).response(response_media_type(headers.get("accept")))(scope, receive, send)
                return
        await self.app(scope, receive, send)

    def refusal(self, scope: Scope) -> str | None:
        """Why a request is refused, or None."""
        headers = Headers(scope=scope)
        origin = headers.get("origin")
        site = headers.get("sec-fetch-site")
        if origin is None and site is None:
            return None
        if origin is not None and _normal_origin(origin) in self.allowed_origins:
            return None
        host = headers.get("host", "")
        if not _is_local_host(host):
            return (f"开发模式下浏览器须以 IP 地址或 localhost 访问本服务（当前 Host: {host}）/ in development mode browsers "
                    f"must address the service by IP address or localhost, not {host!r} (DNS rebinding); or list the "
                    "origin in PAYROLL_CORS_ORIGINS")
        if not self._runs_something(scope):
            return None
        own = _normal_origin(f"{scope.get('scheme', 'http')}://{host}")
        if origin is not None and _normal_origin(origin) != own:
            return (f"开发模式拒绝来自其他来源的请求：{origin} / development mode refuses requests from another origin "
                    f"({origin}); allow it with PAYROLL_CORS_ORIGINS, or run without development mode and use a token")
        if site == "cross-site":
            return ("开发模式拒绝跨站请求 / development mode refuses cross-site requests (Sec-Fetch-Site: cross-site); "
                    "allow the origin with PAYROLL_CORS_ORIGINS, or run without development mode and use a token")
        return None

    def _runs_something(self, scope: Scope) -> bool:
        if scope["method"] not in ("GET", "HEAD", "OPTIONS"):
            return True
        if scope["method"] == "OPTIONS" or scope["path"].rstrip("/") != self.graphql_path:
            return False
        return "query" in parse_qs(scope.get("query_string", b"").decode("latin-1"))


def _normal_origin(origin: str) -> str:
    """``HTTP://Host:80/`` → ``http://host``: lower case, no default port, no slash."""
    origin = origin.strip().rstrip("/").lower()
    for scheme, port in (("http://", ":80"), ("https://", ":443")):
        if origin.startswith(scheme) and origin.endswith(port):
            return origin[: -len(port)]
    return origin


def _is_local_host(host: str) -> bool:
    """An IP address (which no DNS answer can re-point) or localhost."""
    name = host.lower()
    if name.startswith("["):
        name = name[1:].split("]", 1)[0]
    elif name.count(":") == 1:
        name = name.split(":", 1)[0]
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True
