"""The Starlette application: GraphQL (and GraphiQL) at ``/graphql``,
``/healthz``, streamed exports, the example dashboard and the workers'
payslip page (电子工资条, :mod:`api.http.payslips`).

:func:`create_app` configures the database from the settings, migrates it on
start, and wraps the routes in small middlewares: a request id for every
response and log line, a request body size limit, authentication
(:mod:`api.access.authentication`), CORS for the origins configured (none by
default) and, in development mode, a guard against requests from other
origins.  The GraphQL view, its JSON errors and the guard are in
:mod:`api.http.graphql_view`, GraphiQL's page in :mod:`api.http.graphiql`.
"""

from __future__ import annotations

import gc
import itertools
import logging
import secrets

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.authentication import AuthenticationMiddleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.access.authentication import BearerTokenBackend, authentication_error
from api.db.database import configure, connection, is_postgres
from api.db.migrate import migrate
from api.db.threads import run_db, set_thread_capacity
from api.http.dashboard import DASHBOARD, dashboard_routes
from api.http.dev_origin import DevOriginGuard
from api.http.graphiql import graphiql_page
from api.http.graphql_view import EXCEPTION_HANDLERS, GraphQLApp
from api.http.payslips import PAYSLIPS_PAGE, payslip_routes
from api.services.audit import request_id
from api.settings import Settings

logger = logging.getLogger("community_payroll")


#: Request ids: a random prefix per process and a counter (cheaper than a UUID
#: per request, and still unique across processes and restarts).
_PROCESS_ID = secrets.token_hex(4) + "-"
_request_numbers = itertools.count(1)


class RequestContextMiddleware:
    """A request id (``X-Request-Id``) for every request, and a body size limit."""

    def __init__(self, app: ASGIApp, max_body_bytes: int, max_upload_bytes: int):
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_upload_bytes = max_upload_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = f"{_PROCESS_ID}{next(_request_numbers):x}"
        token = request_id.set(rid)
        headers = dict(scope.get("headers") or [])
        # File uploads (imports) are multipart and may be larger than queries.
        multipart = headers.get(b"content-type", b"").startswith(b"multipart/form-data")
        limit = self.max_upload_bytes if multipart else self.max_body_bytes
        length = headers.get(b"content-length")
        if length is not None and length.isdigit() and int(length) > limit:
            response = JSONResponse(
                {"errors": [{"message": f"请求体过大：{int(length)} 字节，上限为 {limit} 字节 / request body limit: "
                                        f"{int(length)} bytes is above the limit of {limit} bytes",
                             "extensions": {"code": "LIMIT_EXCEEDED"}}]},
                status_code=413,
                headers={"x-request-id": rid},
            )
            await response(scope, receive, send)
            request_id.reset(token)
            return
        received = 0
        too_large = False

        async def limited_receive() -> Message:
            nonlocal received, too_large
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    too_large = True
                    raise BodyTooLarge()
            return message

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = list(message["headers"]) + [(b"x-request-id", rid.encode())]
            await send(message)

        try:
            await self.app(scope, limited_receive, send_with_id)
        except BodyTooLarge:
            response = JSONResponse(
                {"errors": [{"message": f"请求体过大：超过 {limit} 字节 / request body limit: more than {limit} bytes",
                             "extensions": {"code": "LIMIT_EXCEEDED"}}]},
                status_code=413,
            )
            await response(scope, receive, send_with_id)
        finally:
            request_id.reset(token)


class BodyTooLarge(Exception):
    pass


async def healthz(request: Request) -> Response:
    def check() -> str:
        with connection() as db:
            db.execute_sql("SELECT 1").fetchone()
        return "postgresql" if is_postgres() else "sqlite"

    try:
        backend = await run_db(check)
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
        logger.warning("health check failed: %s", exc)
        return JSONResponse({"status": "error", "database": "unreachable"}, status_code=503)
    return JSONResponse({"status": "ok", "database": backend})


def create_app(settings: Settings | None = None) -> Starlette:
    from api.graphql.schema import build_schema
    from api.http.exports import export_routes

    settings = settings or Settings.from_env()
    db = configure(settings.database_url, settings.db_pool, settings.statement_timeout_ms, settings.pg_random_page_cost)
    set_thread_capacity(settings.db_pool or (20 if is_postgres(db) else 16))
    if settings.migrate_on_start:
        migrate()
    graphiql = graphiql_page()
    graphql_app = GraphQLApp(build_schema(settings), settings, graphiql)
    authentication = BearerTokenBackend(settings)
    routes = [
        Route("/graphql", graphql_app),  # every method: the view answers 405 itself, as JSON
        *graphiql.routes(),
        Route("/healthz", healthz, methods=["GET"]),
        *export_routes(settings),
        # A refused payslip link counts as a failed authentication, like a bad token.
        *payslip_routes(settings, authentication.failures),
        *dashboard_routes(),
    ]
    # Read now: served from memory even if the installed package is replaced.
    DASHBOARD.preload()
    PAYSLIPS_PAGE.preload()
    middleware = [
        Middleware(
            RequestContextMiddleware,
            max_body_bytes=settings.max_body_bytes,
            max_upload_bytes=settings.max_upload_bytes,
        ),
        Middleware(AuthenticationMiddleware, backend=authentication, on_error=authentication_error),
    ]
    if settings.cors_origins:
        middleware.append(
            Middleware(
                CORSMiddleware,
                allow_origins=list(settings.cors_origins),
                allow_methods=["GET", "POST", "OPTIONS"],
                allow_headers=["authorization", "content-type"],
                expose_headers=["x-request-id"],
                max_age=600,
            )
        )
    if settings.dev_admin:
        middleware.append(Middleware(DevOriginGuard, allowed_origins=settings.cors_origins))
        logger.warning(
            "开发模式：无令牌的请求视为管理员 / DEVELOPMENT MODE: requests without a token act as ADMIN "
            "(PAYROLL_DEV_ADMIN=1). Never use this on a network."
        )
    app = Starlette(routes=routes, middleware=middleware, exception_handlers=EXCEPTION_HANDLERS)
    app.state.settings = settings
    _tune_garbage_collector()
    return app


def _tune_garbage_collector() -> None:
    """Requests allocate many short-lived objects (result dicts, nodes); with the
    default thresholds the collector ran every few requests and, every few
    dozen, scanned the whole heap for ~100 ms.  Objects alive at start-up (the
    schema, modules) are moved out of its way and young collections happen less
    often."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
