"""GraphQL over HTTP at ``/graphql``, as the GraphQL-over-HTTP specification
asks (graphql.github.io/graphql-over-http; its audit, the npm package
``graphql-http``, runs in CI with no failure and no warning).

Strawberry's view parses, runs and encodes; this module decides what goes in
and out:

* **Media types.** A client that accepts ``application/graphql-response+json``
  (Apollo Client, urql, graphql-http) gets it, with the spec's status codes: a
  request that never started executing (a parse, validation or variable
  error, a limit, introspection without a token) is 4xx and its body has no
  ``data`` key.  Anyone else gets ``application/json`` with 200 for every
  well-formed request, as before.  Execution errors are 200 for both.
* **GET** runs queries (urql sends queries as GET); a mutation by GET is
  405 with ``Allow: POST``, so a link or an image can never write.
* **Bodies.** POST takes ``application/json`` (UTF-8), and
  ``multipart/form-data`` only for the upload mutations (the imports): a
  form is the one body a page on another site can send without asking, so
  nothing else may arrive that way.  ``null``, a string, ``[null]``, ``{}``,
  a non-object ``variables`` and the like are 400 with a JSON error, never a
  500; a batch above ``PAYROLL_MAX_BATCH`` is 400 ``LIMIT_EXCEEDED``.
* **Errors.** Every error, GraphQL's or HTTP's, is JSON
  ``{"errors": [{"message", "extensions": {"code"}}]}`` (see
  :data:`STATUS_CODES`); messages we write are Chinese first, then English.
* **Introspection** (``__schema``, ``__type``) needs a token unless
  development mode is on: 401 ``UNAUTHENTICATED``.
* **Development mode** (no token acts as ADMIN): :class:`DevOriginGuard`
  refuses browsers' requests from other origins.

Authentication is :mod:`api.access.authentication` (Starlette's
authentication middleware); the view reads the principal it set.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Mapping

import orjson
from cross_web import HTTPException as StrawberryHTTPException
from graphql import (
    BREAK,
    FieldNode,
    GraphQLError,
    GraphQLInputObjectType,
    GraphQLSchema,
    OperationDefinitionNode,
    Visitor,
    build_schema,
    get_named_type,
    get_operation_ast,
    parse,
    visit,
)
from graphql.language import OperationType as DocumentOperationType
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.exceptions import MissingQueryError
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData, process_result
from strawberry.http.parse_content_type import parse_content_type
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from api.access.authentication import Anonymous, principal_of
from api.graphql.core.context import Context
from api.graphql.core.loaders import Loaders
from api.http.graphiql import GraphiQLPage, graphiql_page
from api.services.audit import request_id
from api.settings import Settings

logger = logging.getLogger("community_payroll")

JSON = "application/json"
GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"

#: ``extensions.code`` of HTTP errors, by status.
STATUS_CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHENTICATED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    413: "LIMIT_EXCEEDED",
    415: "UNSUPPORTED_MEDIA_TYPE",
    500: "INTERNAL_SERVER_ERROR",
}

#: Status of a request that never started executing, by its first error's
#: code (with ``application/graphql-response+json``; JSON clients get 200).
REQUEST_ERROR_STATUS = {"UNAUTHENTICATED": 401, "FORBIDDEN": 403, "INTERNAL_SERVER_ERROR": 500}



# ---------------------------------------------------------------- errors


def error_body(message: str, code: str) -> dict[str, list[dict[str, Any]]]:
    """A GraphQL response holding one request error (no ``data``: nothing ran)."""
    return {"errors": [{"message": message, "extensions": {"code": code}}]}


def response_media_type(accept: str | None) -> str:
    """``application/graphql-response+json`` when the client accepts it at least
    as much as ``application/json``; otherwise ``application/json`` (also for
    ``*/*``, no Accept, or only other types: the spec's legacy default)."""
    if not accept or GRAPHQL_RESPONSE_JSON not in accept:
        return JSON
    weights = {JSON: -1.0, GRAPHQL_RESPONSE_JSON: -1.0}
    for media_range in accept.split(","):
        media_type, _, parameters = media_range.partition(";")
        media_type = media_type.strip().lower()
        if media_type in weights:
            quality = 1.0
            for parameter in parameters.split(";"):
                name, _, value = parameter.partition("=")
                if name.strip() == "q":
                    try:
                        quality = float(value)
                    except ValueError:
                        quality = 0.0
            weights[media_type] = max(weights[media_type], quality)
    preferred = weights[GRAPHQL_RESPONSE_JSON]
    return GRAPHQL_RESPONSE_JSON if preferred > 0 and preferred >= weights[JSON] else JSON


def content_type_header(media_type: str) -> str:
    return media_type + "; charset=utf-8" if media_type == GRAPHQL_RESPONSE_JSON else media_type


@dataclass
class HTTPProblem(Exception):
    """A request refused before GraphQL runs it: status, code and message."""

    status: int
    message: str
    code: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)

    def response(self, media_type: str = JSON) -> Response:
        return Response(
            orjson.dumps(error_body(self.message, self.code or STATUS_CODES.get(self.status, f"HTTP_{self.status}"))),
            status_code=self.status,
            headers=dict(self.headers),
            media_type=content_type_header(media_type),
        )


async def http_exception_handler(request: Request, exc: Exception) -> Response:
    """Starlette's HTTP errors (no route, a method a route does not take, …) as JSON."""
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        message = f"找不到该地址 / not found: {request.url.path}"
    elif exc.status_code == 405:
        # Starlette keeps a route's methods in a set: sorted, the message is the same every run.
        allowed = ", ".join(sorted(m.strip() for m in (exc.headers or {}).get("Allow", "").split(",") if m.strip()))
        message = f"该地址不支持 {request.method} 请求 / method not allowed: {request.method} {request.url.path}" + (
            f" (allowed: {allowed})" if allowed else "")
    else:
        message = exc.detail
    problem = HTTPProblem(exc.status_code, message, headers=exc.headers or {})
    return problem.response(response_media_type(request.headers.get("accept")))


async def server_error_handler(request: Request, exc: Exception) -> Response:
    """An unexpected exception outside GraphQL: a JSON 500 (the traceback goes to the log)."""
    rid = request_id.get()  # usually None: the request-id middleware runs inside this handler and has reset it
    message = (f"服务器内部错误（请求编号 {rid}）/ Unexpected error (request id {rid}); the details are in the server log."
               if rid else "服务器内部错误 / Unexpected error; the details are in the server log.")
    return HTTPProblem(500, message).response(response_media_type(request.headers.get("accept")))


#: For ``Starlette(exception_handlers=…)``.
EXCEPTION_HANDLERS = {HTTPException: http_exception_handler, Exception: server_error_handler}


# ---------------------------------------------------------------- operations


_INTROSPECTION_TEXT = re.compile(r"__(?:schema|type)\b")


class _FindsIntrospection(Visitor):
    found = False

    def enter_field(self, node: FieldNode, *_args: Any) -> Any:
        if node.name.value in ("__schema", "__type"):
            self.found = True
            return BREAK
        return None


def asks_for_introspection(query: str | None) -> bool:
    """Whether a document selects ``__schema`` or ``__type`` anywhere
    (``__typename`` is not introspection of the schema)."""
    if not query or not _INTROSPECTION_TEXT.search(query):
        return False
    try:
        document = parse(query)
    except GraphQLError:
        return False  # reported as a parse error when it runs
    visitor = _FindsIntrospection()
    visit(document, visitor)
    return visitor.found


def upload_mutations(schema: GraphQLSchema) -> frozenset[str]:
    """The mutations that take a file (an ``Upload`` argument or input field)."""

    def takes_upload(graphql_type: Any, seen: set[str]) -> bool:
        named = get_named_type(graphql_type)
        if named.name == "Upload":
            return True
        if isinstance(named, GraphQLInputObjectType) and named.name not in seen:
            seen.add(named.name)
            return any(takes_upload(f.type, seen) for f in named.fields.values())
        return False

    mutation = schema.mutation_type
    if mutation is None:
        return frozenset()
    return frozenset(name for name, f in mutation.fields.items()
                     if any(takes_upload(a.type, set()) for a in f.args.values()))


def _is_request_error(result: ExecutionResult) -> bool:
    """Execution never started: no data, and no error belongs to a field."""
    return result.data is None and bool(result.errors) and all(e.path is None for e in result.errors)


# ---------------------------------------------------------------- the view


class GraphQLApp(GraphQL):
    """The ``/graphql`` endpoint: GraphiQL for browsers, GraphQL over HTTP for clients."""

    def __init__(self, schema: Any, settings: Settings, page: GraphiQLPage | None = None):
        super().__init__(schema, graphql_ide="graphiql", allow_queries_via_get=True, multipart_uploads_enabled=True)
        self.settings = settings
        self.page = page or graphiql_page()

    @cached_property
    def upload_fields(self) -> frozenset[str]:
        """Computed on the first multipart request, from the schema's SDL."""
        return upload_mutations(build_schema(self.schema.as_str()))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope, receive)
        media_type = response_media_type(request.headers.get("accept"))
        try:
            if request.method not in ("GET", "POST"):
                raise HTTPProblem(405, f"/graphql 只接受 GET（查询）和 POST / /graphql takes GET (queries) and POST, "
                                       f"not {request.method}", headers={"Allow": "GET, POST"})
            response = await self.run(request)
        except HTTPProblem as problem:
            response = problem.response(media_type)
        except StrawberryHTTPException as exc:
            # Raised inside strawberry (e.g. a multipart body it cannot read).
            response = HTTPProblem(exc.status_code, exc.reason).response(media_type)
        try:
            await response(scope, receive, send)
        finally:
            await request.close()  # an uploaded file's temporary file, also when the request was refused

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

    async def get_sub_response(self, request: Request) -> Response:
        sub_response = await super().get_sub_response(request)
        # Remembered for create_response, which is not given the request.
        sub_response.media_type = response_media_type(request.headers.get("accept"))
        return sub_response

    async def render_graphql_ide(self, request: Request) -> Response:
        return self.page.response()

    # ------------------------------------------------------------ requests

    async def parse_http_body(self, request: Any) -> GraphQLRequestData | list[GraphQLRequestData]:
        multipart = False
        if request.method == "GET":
            data: object = self._query_parameters(request.query_params)
        else:
            media_type, parameters = parse_content_type(request.content_type or "")
            if media_type == JSON:
                charset = parameters.get("charset", "utf-8").lower()
                if charset not in ("utf-8", "utf8"):
                    raise HTTPProblem(415, f"请求体须为 UTF-8 编码 / the body must be UTF-8, not {charset}")
                data = self._decode(await request.get_body(), "请求体", "the body")
            elif media_type == "multipart/form-data":
                data = await self.parse_multipart(request)
                multipart = True
            else:
                raise HTTPProblem(415, "POST 请求体须为 application/json（上传文件用 multipart/form-data）/ POST a body of "
                                       "Content-Type application/json (multipart/form-data only to upload files), "
                                       f"not {media_type or 'none'}")
        if isinstance(data, list):
            if multipart:
                raise HTTPProblem(400, "上传文件的请求只能包含一个操作 / an upload holds one operation, not a batch")
            return self._batch(data)
        operation = self._operation(data)
        if multipart:
            self._require_upload_mutation(operation)
        return operation

    def _decode(self, text: str | bytes, zh: str, en: str) -> object:
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError as exc:
            raise HTTPProblem(400, f"{zh}不是有效的 JSON / {en} is not valid JSON: {exc}") from None

    def _query_parameters(self, parameters: Mapping[str, Any]) -> dict[str, object]:
        data: dict[str, object] = {}
        for name in ("query", "operationName"):
            if name in parameters:
                data[name] = parameters[name]
        for name in ("variables", "extensions"):
            if parameters.get(name):
                data[name] = self._decode(parameters[name], f"参数 {name} ", f"the parameter {name}")
        return data

    def _batch(self, items: list[object]) -> list[GraphQLRequestData]:
        limit = self.settings.max_batch
        if not items:
            raise HTTPProblem(400, "批量请求为空 / an empty batch: send at least one operation")
        if len(items) > limit:
            raise HTTPProblem(400, f"批量请求过多：{len(items)} 个操作，上限为 {limit} 个 / batch limit: {len(items)} "
                                   f"operations in one request is above the limit of {limit}", "LIMIT_EXCEEDED")
        return [self._operation(item, index) for index, item in enumerate(items)]

    def _operation(self, data: object, index: int | None = None) -> GraphQLRequestData:
        where = "" if index is None else f"[{index}]"
        if not isinstance(data, dict):
            raise HTTPProblem(400, f"请求{where}须为 JSON 对象，如 {{\"query\": \"{{ me {{ name }} }}\"}} / the request{where} "
                                   f"must be a JSON object such as {{\"query\": \"{{ me {{ name }} }}\"}}, not "
                                   f"{_json_kind(data)}")
        query = data.get("query")
        if query is None:
            raise HTTPProblem(400, f"请求{where}缺少 query / the request{where} has no query")
        if not isinstance(query, str):
            raise HTTPProblem(400, f"query{where}：须为字符串 / query{where}: must be a string, not {_json_kind(query)}")
        expected = (("operationName", str, "字符串", "a string"), ("variables", dict, "对象", "an object"),
                    ("extensions", dict, "对象", "an object"))
        for name, kind, zh, en in expected:
            value = data.get(name)
            if value is not None and not isinstance(value, kind):
                raise HTTPProblem(400, f"{name}{where}：须为{zh}或 null / {name}{where}: must be {en} or null, not "
                                       f"{_json_kind(value)}")
        return GraphQLRequestData(query=query, variables=data.get("variables"),
                                  operation_name=data.get("operationName"), extensions=data.get("extensions"))

    def _require_upload_mutation(self, operation: GraphQLRequestData) -> None:
        """multipart/form-data only for a mutation whose fields all take files."""
        allowed = sorted(self.upload_fields)
        refusal = HTTPProblem(400, "multipart/form-data 只用于上传文件的导入变更（" + "、".join(allowed) + "）；其他操作请用 "
                                   "application/json / multipart/form-data is accepted only for the upload mutations ("
                                   + ", ".join(allowed) + "); send other operations as application/json")
        try:
            document = parse(operation.query or "")
        except GraphQLError:
            raise refusal from None
        definition = get_operation_ast(document, operation.operation_name)
        if not isinstance(definition, OperationDefinitionNode) or definition.operation != DocumentOperationType.MUTATION:
            raise refusal
        selections = definition.selection_set.selections
        names = [s.name.value if isinstance(s, FieldNode) else None for s in selections]
        if not any(name in self.upload_fields for name in names) or not all(
                name in self.upload_fields or name == "__typename" for name in names):
            raise refusal

    async def execute_single(self, request: Request, request_adapter: Any, sub_response: Response, context: Context,
                             root_value: Any, request_data: GraphQLRequestData) -> ExecutionResult:
        get = request_adapter.method == "GET"
        if context.principal_or_none is None and asks_for_introspection(request_data.query):
            return ExecutionResult(data=None, errors=[GraphQLError(
                "查看接口结构（__schema、__type）需要令牌 / introspection (__schema, __type) needs a token: send "
                "Authorization: Bearer <token>", extensions={"code": "UNAUTHENTICATED"})])
        try:
            return await self.schema.execute(
                request_data.query,
                root_value=root_value,
                variable_values=request_data.variables,
                context_value=context,
                operation_name=request_data.operation_name,
                allowed_operation_types={OperationType.QUERY} if get else {OperationType.QUERY, OperationType.MUTATION},
                operation_extensions=request_data.extensions,
            )
        except InvalidOperationTypeError as exc:
            if get and exc.operation_type == OperationType.MUTATION:
                raise HTTPProblem(405, "GET 只能用于查询，变更请用 POST / GET runs queries only: send mutations with POST",
                                  headers={"Allow": "POST"}) from None
            raise HTTPProblem(400, f"不支持该类操作 / {exc.operation_type.value} operations are not supported") from None
        except CannotGetOperationTypeError as exc:
            raise HTTPProblem(400, f"找不到要执行的操作 / {exc.as_http_error_reason()}",
                              "OPERATION_RESOLUTION_FAILURE") from None
        except MissingQueryError:
            raise HTTPProblem(400, "请求缺少 query / the request has no query") from None

    # ------------------------------------------------------------ responses

    async def process_result(self, request: Request, result: ExecutionResult) -> GraphQLHTTPResponse:
        if _is_request_error(result):
            # Nothing ran: the GraphQL spec leaves `data` out.
            body: GraphQLHTTPResponse = {"errors": [e.formatted for e in result.errors or ()]}
            if result.extensions:
                body["extensions"] = result.extensions
            return body
        return process_result(result)

    def create_response(self, response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse],
                        sub_response: Response) -> Response:
        media_type = sub_response.media_type or JSON
        status = 200
        if media_type == GRAPHQL_RESPONSE_JSON and isinstance(response_data, dict) and "data" not in response_data:
            first = (response_data.get("errors") or [{}])[0]
            code = (first.get("extensions") or {}).get("code") if isinstance(first, dict) else None
            status = REQUEST_ERROR_STATUS.get(code, 400) if code else 500
        response = Response(self.encode_json(response_data), status_code=status,
                            media_type=content_type_header(media_type))
        response.headers.raw.extend(sub_response.headers.raw)
        if status == 401:
            response.headers["www-authenticate"] = "Bearer"
        if sub_response.background:
            response.background = sub_response.background
        if sub_response.status_code:
            response.status_code = sub_response.status_code
        return response


def _json_kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"
