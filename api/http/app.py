"""The Starlette application: GraphQL (and GraphiQL) at ``/graphql``,
``/healthz``, streamed exports, and the example dashboard.

:func:`create_app` configures the database from the settings, migrates it on
start, and wraps the routes in small middlewares: a request id for every
response and log line, a request body size limit, and CORS for the origins
configured (none by default).
"""

from __future__ import annotations

import gc
import itertools
import logging
import secrets
from typing import Any

import orjson
from cross_web import HTTPException
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.authentication import AuthenticationMiddleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry import UNSET
from strawberry.asgi import GraphQL

from api.access.authentication import Anonymous, BearerTokenBackend, authentication_error, principal_of
from api.db.database import configure, connection, is_postgres
from api.db.migrate import migrate
from api.db.threads import run_db, set_thread_capacity
from api.graphql.core.context import Context
from api.graphql.core.loaders import Loaders
from api.services.audit import request_id
from api.settings import Settings

logger = logging.getLogger("community_payroll")


class GraphQLApp(GraphQL):
    def __init__(self, schema: Any, settings: Settings):
        super().__init__(schema, graphql_ide="graphiql", allow_queries_via_get=False, multipart_uploads_enabled=True)
        self.settings = settings

    async def run(self, request: Any, context: Any = UNSET, root_value: Any = UNSET) -> Any:
        # Uploaded files are spooled to temporary files; close them whatever
        # happened to the request (a mutation refused by its permission never
        # reads its upload).
        try:
            return await super().run(request, context, root_value)
        finally:
            if isinstance(request, Request):
                await request.close()

    def encode_json(self, data: object) -> bytes:
        # orjson: several times faster than json for a page of payslips.
        return orjson.dumps(data)

    def decode_json(self, data: str | bytes) -> object:
        return orjson.loads(data)

    async def get_context(self, request: Request, response: Any) -> Context:
        principal = principal_of(request)
        return Context(
            request=request,
            response=response,
            principal_or_none=principal,
            auth_problem=None if principal is not None else Anonymous.problem,
            loaders=Loaders(principal),
            json_fragments=True,  # encode_json is orjson
        )

    def _validate_batch_request(self, request_data: list, protocol: Any) -> None:
        limit = self.settings.max_batch
        if len(request_data) > limit:
            raise HTTPException(
                400, f"batch limit: {len(request_data)} operations in one request is above the limit of {limit}"
            )
        super()._validate_batch_request(request_data, protocol)

    async def render_graphql_ide(self, request: Request) -> Response:
        from api.http.graphiql import render_graphiql

        return render_graphiql(self.graphql_ide_html, self.settings)


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
                {"errors": [{"message": f"request body limit: {int(length)} bytes is above the limit of "
                                        f"{limit} bytes", "extensions": {"code": "LIMIT_EXCEEDED"}}]},
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
                {"errors": [{"message": f"request body limit: more than {limit} bytes",
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
    from api.http.exports import export_routes
    from api.schema import build_schema

    settings = settings or Settings.from_env()
    db = configure(settings.database_url, settings.db_pool)
    set_thread_capacity(settings.db_pool or (20 if is_postgres(db) else 16))
    if settings.migrate_on_start:
        migrate()
    graphql_app = GraphQLApp(build_schema(settings), settings)
    routes = [
        Route("/graphql", graphql_app, methods=["GET", "POST"]),
        Route("/healthz", healthz, methods=["GET"]),
        *export_routes(settings),
    ]
    try:
        from api.http.dashboard import dashboard_routes
    except ImportError:  # pragma: no cover - the dashboard ships with the package
        pass
    else:
        routes += dashboard_routes()
    middleware = [
        Middleware(
            RequestContextMiddleware,
            max_body_bytes=settings.max_body_bytes,
            max_upload_bytes=settings.max_upload_bytes,
        ),
        Middleware(AuthenticationMiddleware, backend=BearerTokenBackend(settings), on_error=authentication_error),
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
        logger.warning(
            "DEVELOPMENT MODE: requests without a token act as ADMIN (PAYROLL_DEV_ADMIN=1). "
            "Never use this on a network."
        )
    app = Starlette(routes=routes, middleware=middleware)
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
