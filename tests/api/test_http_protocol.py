"""GraphQL over HTTP (api/http/graphql_view.py): media types and status codes,
GET, request bodies, error codes, HTTP errors as JSON, introspection without a
token, multipart only for uploads, and development mode's origin guard."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from graphql import build_schema
from starlette.testclient import TestClient

from api.db.database import connection
from api.db.models import Street
from api.http.app import create_app
from api.http.graphql_view import response_media_type, upload_mutations
from api.settings import Settings

from .uploads import IMPORT_COMMUNITIES, csv_bytes

GQL = "application/graphql-response+json"
APOLLO = "application/graphql-response+json, application/json;q=0.9"


def post(client, body, accept: str | None = None, token: str | None = None, **headers):
    if accept:
        headers["accept"] = accept
    if token:
        headers["authorization"] = f"Bearer {token}"
    return client.post("/graphql", content=json.dumps(body), headers={"content-type": "application/json", **headers})


def streets() -> int:
    with connection():
        return Street.select().count()


# ---------------------------------------------------------------- media types and status codes


@pytest.mark.parametrize(("accept", "media_type"), [
    (None, "application/json"),
    ("*/*", "application/json"),
    ("application/json", "application/json"),
    (GQL, GQL),
    (APOLLO, GQL),
    ("application/json, application/graphql-response+json;q=0.5", "application/json"),
    ("application/graphql-response+json;q=0, application/json", "application/json"),
    ("text/html", "application/json"),
])
def test_the_response_media_type_follows_accept(accept, media_type):
    assert response_media_type(accept) == media_type


def test_graphql_response_json_uses_the_spec_status_codes(client, tokens):
    cases = [
        ("{", None, 400, "GRAPHQL_PARSE_FAILED", "查询语句有语法错误（检查括号和引号是否成对） / Syntax Error: Expected Name, "
                                                 "found <EOF>."),
        ("{ nope }", None, 400, "GRAPHQL_VALIDATION_FAILED", "类型 Query 没有字段 nope / Cannot query field 'nope' on type "
                                                             "'Query'."),
        ("query($p: Period!) { payslips(period: $p, first: 1) { totalCount } }", {"p": None}, 400, "BAD_USER_INPUT",
         "变量 $p 的值无效：须提供 Period! 类型的值，不能为 null / Variable '$p' has invalid value: Expected value of "
         "non-null type 'Period!' not to be None."),
        ("query($p: Period!) { payslips(period: $p, first: 1) { totalCount } }", {"p": "2026-13"}, 400, "BAD_USER_INPUT",
         None),
    ]
    for query, variables, status, code, message in cases:
        response = post(client, {"query": query, "variables": variables}, GQL, tokens.admin)
        assert response.status_code == status, (query, response.text)
        assert response.headers["content-type"] == "application/graphql-response+json; charset=utf-8"
        body = response.json()
        assert "data" not in body, query  # execution never started
        assert body["errors"][0]["extensions"]["code"] == code
        if message:
            assert body["errors"][0]["message"] == message
        # The same request as plain JSON: 200, the same errors.
        legacy = post(client, {"query": query, "variables": variables}, "application/json", tokens.admin)
        assert legacy.status_code == 200 and legacy.headers["content-type"] == "application/json"
        assert legacy.json() == body


def test_execution_errors_are_200_with_data(client, tokens):
    # No token: the field fails while executing, so `data` is there (null) and the status is 200.
    response = post(client, {"query": "{ me { name } }"}, GQL)
    assert response.status_code == 200
    body = response.json()
    assert body["data"] is None and body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert body["errors"][0]["path"] == ["me"]
    ok = post(client, {"query": "{ me { name role } }"}, APOLLO, tokens.admin)
    assert ok.status_code == 200 and ok.json() == {"data": {"me": {"name": "admin", "role": "ADMIN"}}}
    assert ok.headers["content-type"] == "application/graphql-response+json; charset=utf-8"


def test_every_limit_is_limit_exceeded(client, tokens):
    nested = ("{ workers(first: 1) { nodes { community { street { communities(first: 1) { nodes { workers(first: 1) "
              "{ nodes { community { street { communities(first: 1) { nodes { code } } } } } } } } } } } } }")
    queries = {
        "depth": nested,
        "aliases": "{ " + " ".join(f"a{i}: me {{ name }}" for i in range(31)) + " }",
        "tokens": "{ me { " + " ".join(["name"] * 4001) + " } }",
        "cost": "{ workers(first: 100) { nodes { payslips(first: 100) { nodes { net explanation { value } } } } } }",
    }
    for limit, query in queries.items():
        response = post(client, {"query": query}, GQL, tokens.admin)
        assert response.status_code == 400, limit
        assert [e["extensions"]["code"] for e in response.json()["errors"]] == ["LIMIT_EXCEEDED"], limit
    assert "Document contains more than 4000 tokens" in post(
        client, {"query": queries["tokens"]}, GQL, tokens.admin).json()["errors"][0]["message"]


# ---------------------------------------------------------------- GET


def test_get_runs_queries(client, tokens):
    headers = {"authorization": f"Bearer {tokens.admin}", "accept": GQL}
    response = client.get("/graphql", params={"query": "query($c: String!) { street(code: $c) { name } }",
                                              "variables": json.dumps({"c": "S1"})}, headers=headers)
    assert response.status_code == 200
    assert response.json() == {"data": {"street": {"name": "颍川街道"}}}
    bad = client.get("/graphql", params={"query": "{ me { name } }", "variables": "{nope"}, headers=headers)
    assert bad.status_code == 400 and bad.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    assert bad.json()["errors"][0]["message"].startswith("参数 variables 不是有效的 JSON / the parameter variables is "
                                                         "not valid JSON")


def test_get_never_runs_a_mutation(client, tokens):
    before = streets()
    for accept in (GQL, "application/json"):
        response = client.get("/graphql", params={"query": 'mutation { createStreet(input: {code: "G1", name: "x"}) '
                                                           "{ errors { code } } }"},
                              headers={"authorization": f"Bearer {tokens.admin}", "accept": accept})
        assert response.status_code == 405
        assert response.headers["allow"] == "POST"
        assert response.json() == {"errors": [{
            "message": "GET 只能用于查询，变更请用 POST / GET runs queries only: send mutations with POST",
            "extensions": {"code": "METHOD_NOT_ALLOWED"}}]}
    assert streets() == before


# ---------------------------------------------------------------- request bodies


@pytest.mark.parametrize(("body", "message"), [
    ("null", "请求须为 JSON 对象，如 {\"query\": \"{ me { name } }\"} / the request must be a JSON object such as "
             "{\"query\": \"{ me { name } }\"}, not null"),
    ('"x"', "请求须为 JSON 对象，如 {\"query\": \"{ me { name } }\"} / the request must be a JSON object such as "
            "{\"query\": \"{ me { name } }\"}, not a string"),
    ("[null]", "请求[0]须为 JSON 对象，如 {\"query\": \"{ me { name } }\"} / the request[0] must be a JSON object such as "
               "{\"query\": \"{ me { name } }\"}, not null"),
    ("[1,2]", "请求[0]须为 JSON 对象，如 {\"query\": \"{ me { name } }\"} / the request[0] must be a JSON object such as "
              "{\"query\": \"{ me { name } }\"}, not a number"),
    ("{}", "请求缺少 query / the request has no query"),
    ("[]", "批量请求为空 / an empty batch: send at least one operation"),
    ('{"query": 1}', "query：须为字符串 / query: must be a string, not a number"),
    ('{"query": "{ me { name } }", "variables": "x"}',
     "variables：须为对象或 null / variables: must be an object or null, not a string"),
    ('{"query": "{ me { name } }", "variables": [1]}',
     "variables：须为对象或 null / variables: must be an object or null, not an array"),
    ('{"query": "{ me { name } }", "variables": 0}',
     "variables：须为对象或 null / variables: must be an object or null, not a number"),
    ('{"query": "{ me { name } }", "operationName": false}',
     "operationName：须为字符串或 null / operationName: must be a string or null, not a boolean"),
    ('{"query": "{ me { name } }", "extensions": "x"}',
     "extensions：须为对象或 null / extensions: must be an object or null, not a string"),
    ('[{"query": "{ me { name } }"}, {"query": "{ me { name } }", "variables": 1}]',
     "variables[1]：须为对象或 null / variables[1]: must be an object or null, not a number"),
    ('{"query": ', "请求体不是有效的 JSON / the body is not valid JSON: unexpected end of data: line 1 column 11 (char 10)"),
    ("", "请求体不是有效的 JSON / the body is not valid JSON: Input is a zero-length, empty document: line 1 column 1 "
         "(char 0)"),
])
def test_malformed_bodies_are_400_with_a_json_error(client, tokens, body, message):
    for accept in (None, GQL):
        response = client.post("/graphql", content=body.encode(), headers={
            "content-type": "application/json", "authorization": f"Bearer {tokens.admin}", **(
                {"accept": accept} if accept else {})})
        assert response.status_code == 400, response.text
        assert response.headers["content-type"].startswith(accept or "application/json")
        assert response.json() == {"errors": [{"message": message, "extensions": {"code": "BAD_REQUEST"}}]}


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/graphql", "application/x-www-form-urlencoded"])
def test_other_content_types_are_415(client, content_type):
    headers = {"content-type": content_type} if content_type else {}
    response = client.post("/graphql", content=b'{"query": "{ __typename }"}', headers=headers)
    assert response.status_code == 415
    body = response.json()
    assert body["errors"][0]["extensions"]["code"] == "UNSUPPORTED_MEDIA_TYPE"
    assert body["errors"][0]["message"].endswith(f"not {content_type or 'none'}")


def test_json_in_another_charset_is_415(client):
    response = client.post("/graphql", content='{"query": "{ __typename }"}'.encode("utf-16"),
                           headers={"content-type": "application/json; charset=utf-16"})
    assert response.status_code == 415
    assert response.json()["errors"][0]["message"] == "请求体须为 UTF-8 编码 / the body must be UTF-8, not utf-16"


def test_an_unknown_operation_name_is_400(client, tokens):
    response = post(client, {"query": "query A { __typename } query B { __typename }", "operationName": "C"},
                    GQL, tokens.admin)
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "OPERATION_RESOLUTION_FAILURE"


# ---------------------------------------------------------------- HTTP errors


def test_http_errors_are_json(client):
    missing = client.get("/nowhere")
    assert missing.status_code == 404 and missing.headers["content-type"] == "application/json"
    assert missing.json() == {"errors": [{"message": "找不到该地址 / not found: /nowhere",
                                          "extensions": {"code": "NOT_FOUND"}}]}
    wrong = client.post("/healthz")
    assert wrong.status_code == 405 and set(wrong.headers["allow"].split(", ")) == {"GET", "HEAD"}
    assert wrong.json()["errors"][0] == {
        "message": "该地址不支持 POST 请求 / method not allowed: POST /healthz (allowed: GET, HEAD)",
        "extensions": {"code": "METHOD_NOT_ALLOWED"}}
    put = client.put("/graphql", headers={"accept": GQL})
    assert put.status_code == 405 and put.headers["allow"] == "GET, POST"
    assert put.headers["content-type"] == "application/graphql-response+json; charset=utf-8"
    assert put.json()["errors"][0]["extensions"]["code"] == "METHOD_NOT_ALLOWED"
    asset = client.get("/static/graphiql/nothing.js")
    assert asset.status_code == 404 and asset.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"


# ---------------------------------------------------------------- introspection


def test_introspection_needs_a_token(client, tokens):
    schema_types = "{ __schema { types { name } } }"
    refused = post(client, {"query": schema_types}, GQL)
    assert refused.status_code == 401
    assert refused.headers["www-authenticate"] == "Bearer"
    assert refused.json() == {"errors": [{
        "message": "查看接口结构（__schema、__type）需要令牌 / introspection (__schema, __type) needs a token: send "
                   "Authorization: Bearer <token>",
        "extensions": {"code": "UNAUTHENTICATED"}}]}
    assert post(client, {"query": schema_types}, "application/json").status_code == 200  # legacy clients: 200 …
    assert post(client, {"query": schema_types}).json() == refused.json()  # … and the same error
    # 30 aliases of the whole schema, or one hidden in a fragment: refused as well.
    many = "{ " + " ".join(f"s{i}: __schema {{ types {{ name fields {{ name }} }} }}" for i in range(30)) + " }"
    assert post(client, {"query": many}, GQL).status_code == 401
    hidden = "query { ...F } fragment F on Query { t: __type(name: \"Worker\") { name } }"
    assert post(client, {"query": hidden}, GQL).status_code == 401
    # __typename is not introspection; a token opens the schema.
    assert post(client, {"query": "{ __typename }"}, GQL).json() == {"data": {"__typename": "Query"}}
    allowed = post(client, {"query": '{ __type(name: "Worker") { name } }'}, GQL, tokens.viewer)
    assert allowed.status_code == 200 and allowed.json() == {"data": {"__type": {"name": "Worker"}}}


def test_development_mode_needs_no_token_for_introspection(tmp_path):
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path}/dev.db", dev_admin=True))
    with TestClient(app) as client:
        response = post(client, {"query": '{ __type(name: "Worker") { name } }'}, GQL)
    assert response.status_code == 200 and response.json() == {"data": {"__type": {"name": "Worker"}}}


# ---------------------------------------------------------------- multipart


def multipart(client, query: str, variables: dict | None = None, token: str | None = None, **headers):
    operations = {"query": query, "variables": variables or {}}
    files = {"0": ("upload.csv", csv_bytes("code,name", "S7,七里街道"), "text/csv")}
    data = {"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.input.file"]} if variables else {})}
    if token:
        headers["authorization"] = f"Bearer {token}"
    return client.post("/graphql", data=data, files=files, headers=headers)


UPLOAD_REFUSED = ("multipart/form-data 只用于上传文件的导入变更（importAssessments、importCommunities、importWorkers）；其他操作请用 "
                  "application/json / multipart/form-data is accepted only for the upload mutations (importAssessments, "
                  "importCommunities, importWorkers); send other operations as application/json")


def test_upload_mutations_are_found_in_the_schema():
    schema = build_schema((Path(__file__).parents[2] / "schema.graphql").read_text(encoding="utf-8"))
    assert upload_mutations(schema) == {"importCommunities", "importWorkers", "importAssessments"}


def test_multipart_is_only_for_the_upload_mutations(client, tokens):
    before = streets()
    for query in (
        'mutation { createStreet(input: {code: "M1", name: "表单街道"}) { errors { code } } }',
        "{ me { name } }",
        'mutation { a: createStreet(input: {code: "M2", name: "x"}) { errors { code } } '
        "b: importCommunities(input: {file: null}) { errors { code } } }",
        "{",
    ):
        response = multipart(client, query, token=tokens.admin)
        assert response.status_code == 400, query
        assert response.json() == {"errors": [{"message": UPLOAD_REFUSED, "extensions": {"code": "BAD_REQUEST"}}]}
    assert streets() == before
    # The import itself still takes its file.
    done = multipart(client, IMPORT_COMMUNITIES, {"input": {"file": None, "dryRun": True}}, tokens.admin)
    assert done.status_code == 200, done.text
    assert "errors" not in done.json() and done.json()["data"]["importCommunities"]["report"]["dryRun"] is True


# ---------------------------------------------------------------- development mode: other origins


@pytest.fixture
def dev_client(tmp_path):
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path}/dev.db", dev_admin=True,
                              cors_origins=("https://dashboard.example.gov.cn",)))
    with TestClient(app, base_url="http://127.0.0.1:8000") as client:
        yield client


CREATE_STREET = 'mutation { createStreet(input: {code: "X1", name: "跨站街道"}) { street { code } errors { code } } }'


def refused_as_cross_origin(response, origin: str) -> None:
    assert response.status_code == 403, response.text
    assert response.json() == {"errors": [{
        "message": f"开发模式拒绝来自其他来源的请求：{origin} / development mode refuses requests from another origin "
                   f"({origin}); allow it with PAYROLL_CORS_ORIGINS, or run without development mode and use a token",
        "extensions": {"code": "FORBIDDEN"}}]}


def test_development_mode_refuses_a_cross_origin_form_post(dev_client):
    # What a page on another site can make a browser send without asking: a multipart form.
    operations = {"query": CREATE_STREET, "variables": {}}
    response = dev_client.post("/graphql", data={"operations": json.dumps(operations), "map": "{}"},
                               files={"0": ("x.txt", b"x", "text/plain")},
                               headers={"origin": "http://evil.example", "sec-fetch-site": "cross-site"})
    refused_as_cross_origin(response, "http://evil.example")
    assert streets() == 0


def test_development_mode_refuses_other_origins(dev_client):
    refused_as_cross_origin(post(dev_client, {"query": CREATE_STREET}, origin="http://localhost:3000"),
                            "http://localhost:3000")
    refused_as_cross_origin(post(dev_client, {"query": CREATE_STREET}, origin="null"), "null")
    no_origin = post(dev_client, {"query": CREATE_STREET}, **{"sec-fetch-site": "cross-site"})
    assert no_origin.status_code == 403
    assert no_origin.json()["errors"][0]["message"].startswith("开发模式拒绝跨站请求 / development mode refuses cross-site")
    # A GET that runs a query, from another site (an image, a link).
    get = dev_client.get("/graphql", params={"query": "{ me { name } }"}, headers={"sec-fetch-site": "cross-site"})
    assert get.status_code == 403
    assert streets() == 0


def test_development_mode_rejects_dns_rebinding(dev_client):
    # evil.example re-pointed at 127.0.0.1: to the browser the page and the service share an origin.
    for path in ("/graphql", "/dashboard/"):
        response = dev_client.get(path, headers={"host": "evil.example:8000", "sec-fetch-site": "same-origin",
                                                 "accept": "text/html"})
        assert response.status_code == 403, path
        assert response.json()["errors"][0]["message"].startswith(
            "开发模式下浏览器须以 IP 地址或 localhost 访问本服务（当前 Host: evil.example:8000）")
    response = post(dev_client, {"query": CREATE_STREET}, host="evil.example:8000", origin="http://evil.example:8000")
    assert response.status_code == 403
    assert streets() == 0


def test_development_mode_serves_its_own_origin_and_configured_ones(dev_client):
    same = post(dev_client, {"query": "{ me { name } }"}, origin="http://127.0.0.1:8000",
                **{"sec-fetch-site": "same-origin"})
    assert same.status_code == 200 and same.json() == {"data": {"me": {"name": "dev-admin"}}}
    configured = post(dev_client, {"query": CREATE_STREET}, origin="https://dashboard.example.gov.cn",
                      **{"sec-fetch-site": "cross-site"})
    assert configured.status_code == 200
    assert configured.json()["data"]["createStreet"] == {"street": {"code": "X1"}, "errors": []}
    assert configured.headers["access-control-allow-origin"] == "https://dashboard.example.gov.cn"
    # Not from a browser (curl, scripts): no Origin, no Sec-Fetch-Site.
    assert post(dev_client, {"query": "{ me { name } }"}).status_code == 200
    # GraphiQL's page and the dashboard may be opened from a link on another site.
    page = dev_client.get("/graphql", headers={"accept": "text/html", "sec-fetch-site": "cross-site"})
    assert page.status_code == 200 and page.headers["content-type"] == "text/html; charset=utf-8"
    assert dev_client.get("/dashboard/", headers={"sec-fetch-site": "cross-site"}).status_code == 200


def test_without_development_mode_a_cross_origin_request_just_needs_a_token(client):
    # No guard: the bearer token, which no other page can make a browser send, is the protection.
    response = post(client, {"query": CREATE_STREET}, origin="http://evil.example")
    assert response.status_code == 200
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert streets() == 0


def test_an_unexpected_exception_outside_graphql_is_a_json_500(tmp_path, monkeypatch):
    from api.http.graphiql import GraphiQLPage

    async def broken(self, request):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(GraphiQLPage, "serve_asset", broken)
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path}/broken.db"))
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/static/graphiql/graphiql.min.js")
    assert response.status_code == 500 and response.headers["content-type"] == "application/json"
    error = response.json()["errors"][0]
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR"}
    assert error["message"] == "服务器内部错误 / Unexpected error; the details are in the server log."
    assert "disk on fire" not in response.text
