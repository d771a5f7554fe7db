"""电子工资条: the workers' payslip page at ``/payslips/``, and the exchange of
a one-time link's code for a worker token.

The page (``api/static/payslips/``, served as it is, like the dashboard:
:mod:`api.http.static_pages`) is made for a phone.  It reads everything
through the public GraphQL API with the worker's token, which it keeps in
the phone's ``localStorage``.  The token comes from a one-time link
``/payslips/#code=…`` (:mod:`api.services.payslip_links`): the page sends the
code to ``POST /payslips/claim`` and gets the token back, once.

``POST /payslips/claim`` takes ``{"code": "…"}`` (``application/json``) and
answers ``{"token", "expiresAt", "worker": {"code", "name"}}`` — or 401
``UNAUTHENTICATED`` for a code that is unknown, used, expired or revoked
(never told apart).  Each refused code counts as a failed authentication of
the client's address (:class:`api.access.authentication.FailedAttempts`), so
codes cannot be guessed at speed: after the limit the address gets 429.
"""

from __future__ import annotations

import logging

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from api.access.authentication import FailedAttempts, TooManyFailures, authentication_error
from api.db.threads import run_db
from api.http.graphql_view import HTTPProblem
from api.http.static_pages import PackagedPage
from api.services.payslip_links import INVALID_LINK, claim_link
from api.settings import Settings

logger = logging.getLogger("community_payroll.auth")

#: The page's files and their media types.
FILES = {
    "index.html": "text/html; charset=utf-8",
    "payslips.js": "text/javascript; charset=utf-8",
    "payslips.css": "text/css; charset=utf-8",
}

PAYSLIPS_PAGE = PackagedPage("payslips", FILES)
#: The longest claim body read (a code is 32 characters).
MAX_CLAIM_BYTES = 1000


def payslip_routes(settings: Settings, failures: FailedAttempts) -> list[Route]:
    """The page, its assets, and ``POST /payslips/claim``."""

    async def claim(request: Request) -> Response:
        address = request.client.host if request.client else "-"
        retry_after = failures.locked(address)
        if retry_after:
            return authentication_error(request, TooManyFailures(retry_after))
        content_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
        if content_type != "application/json":
            return HTTPProblem(415, "请以 application/json 提交 {\"code\": …} / send {\"code\": …} as application/json",
                               "UNSUPPORTED_MEDIA_TYPE").response()
        body = await request.body()
        try:
            code = orjson.loads(body).get("code") if len(body) <= MAX_CLAIM_BYTES else None
        except (orjson.JSONDecodeError, AttributeError):
            code = None
        if not isinstance(code, str) or not code:
            return HTTPProblem(400, "请求体应为 {\"code\": \"链接中的代码\"} / the body must be {\"code\": \"the link's "
                                    "code\"}", "BAD_REQUEST").response()
        claimed = await run_db(claim_link, code, settings.worker_token_days)
        if claimed is None:
            failures.fail(address)
            logger.warning("payslip link refused from %s", address)
            return HTTPProblem(401, INVALID_LINK, "UNAUTHENTICATED").response()
        body = {"token": claimed.token, "expiresAt": claimed.expires_at.isoformat(timespec="seconds"),
                "worker": {"code": claimed.worker_code, "name": claimed.worker_name}}
        # The token is shown once: no cache may keep it.
        return Response(orjson.dumps(body), media_type="application/json", headers={"cache-control": "no-store"})

    return [*PAYSLIPS_PAGE.routes(), Route("/payslips/claim", claim, methods=["POST"])]
