"""Abuse limits: depth, aliases, tokens, query cost, page size, body size and
batches are refused with a message that names the limit; unexpected
exceptions are masked and logged with the request id."""

from __future__ import annotations

import logging

from api.db.database import connection
from api.db.models import Community

from .conftest import GraphQLClient


def first_message(body: dict) -> str:
    return body["errors"][0]["message"]


def test_depth_limit(gql: GraphQLClient, city):
    nested = "{ workers(first: 1) { nodes { community { street { communities(first: 1) { nodes { workers(first: 1) { nodes { community { street { communities(first: 1) { nodes { code } } } } } } } } } } } } }"
    body = gql.post(nested)
    assert "exceeds maximum operation depth of 10" in first_message(body)


def test_alias_limit(gql, city):
    query = "{ " + " ".join(f"a{i}: me {{ name }}" for i in range(31)) + " }"
    assert "31 aliases found. Allowed: 30" in first_message(gql.post(query))


def test_token_limit(gql, city):
    query = "{ me { " + " ".join(["name"] * 4001) + " } }"
    assert "Document contains more than 4000 tokens" in first_message(gql.post(query))


def test_cost_limit(gql, city):
    # 100 workers × (1 + payslips: 1 + 100 × (nodes 1 + net 1 + explanation 1 + value 1)) + workers 1 = 40201
    query = "{ workers(first: 100) { nodes { payslips(first: 100) { nodes { net explanation { value } } } } } }"
    body = gql.post(query)
    assert first_message(body).startswith("查询过大：该操作可能返回约 40201 个对象，超过上限 20000；请减小每页条数"
                                          "（first/last）或减少嵌套列表 / query cost limit: the operation may return "
                                          "about 40201 objects, above the limit of 20000")
    assert body["errors"][0]["extensions"]["code"] == "LIMIT_EXCEEDED"


def test_page_size_limit(gql, city):
    body = gql.post('{ payslips(period: "2026-01", first: 1000) { nodes { net } } }')
    assert first_message(body) == "first：1000 超出每页 1–100 条 / first: 1000 is outside the page size limit of 1 to 100"


def test_body_size_limit(client, tokens):
    response = client.post("/graphql", content=b"{" + b" " * 1_000_001 + b"}",
                           headers={"content-type": "application/json", "Authorization": f"Bearer {tokens.admin}"})
    assert response.status_code == 413
    assert "request body limit" in response.json()["errors"][0]["message"]


def test_batch_limit(client, tokens):
    headers = {"Authorization": f"Bearer {tokens.admin}"}
    small = client.post("/graphql", json=[{"query": "{ me { name } }"}] * 2, headers=headers)
    assert small.status_code == 200 and [b["data"]["me"]["name"] for b in small.json()] == ["admin", "admin"]
    large = client.post("/graphql", json=[{"query": "{ me { name } }"}] * 11, headers=headers)
    assert large.status_code == 400
    assert large.headers["content-type"] == "application/json"
    assert large.json() == {"errors": [{
        "message": "批量请求过多：11 个操作，上限为 10 个 / batch limit: 11 operations in one request is above the limit of 10",
        "extensions": {"code": "LIMIT_EXCEEDED"}}]}


def test_unexpected_errors_are_masked_and_logged_with_the_request_id(gql, city, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("SELECT secret FROM internals")

    monkeypatch.setattr("api.reads.reports.scoped_communities", broken)
    with caplog.at_level(logging.ERROR, logger="community_payroll"):
        response = gql.http.post("/graphql", json={"query": '{ staffing(date: "2026-11-01") { totals { gap } } }'},
                                 headers={"Authorization": f"Bearer {gql.token}"})
    body = response.json()
    error = body["errors"][0]
    request_id = response.headers["x-request-id"]
    assert error["message"] == (f"服务器内部错误（请求编号 {request_id}），详情见服务器日志 / Unexpected error (request id "
                                f"{request_id}); the details are in the server log.")
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR", "requestId": request_id}
    assert "SELECT" not in response.text and "Traceback" not in response.text
    logged = [r for r in caplog.records if request_id in r.getMessage()]
    assert logged and "SELECT secret FROM internals" in str(logged[0].exc_info[1])


def test_database_errors_do_not_leave_half_written_state(gql, city, monkeypatch):
    """A database failure inside a mutation rolls the whole mutation back."""
    from api.services import records

    original = records.audit.record

    def failing_audit(*args, **kwargs):
        original(*args, **kwargs)
        raise RuntimeError("disk full")

    monkeypatch.setattr(records.audit, "record", failing_audit)
    body = gql.post("""mutation($id: ID!) { updateCommunity(input: {id: $id, version: 1, households: 9999}) {
        community { households } errors { code } } }""", {"id": city.communities["C01"]})
    assert body["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    with connection():
        community = Community.get(Community.code == "C01")
    assert (community.households, community.version) == (2600, 1)


def test_nul_characters_are_refused_where_they_are_written(gql):
    # PostgreSQL cannot store U+0000; both databases refuse it before any resolver runs.
    from api.db.models import Street

    with connection():
        streets = Street.select().count()
    body = gql.post('mutation { createStreet(input: {code: "S\\u0000", name: "x"}) { errors { field } } }')
    assert body["errors"][0]["message"] == ("input.code：文字中不能有 NUL 字符（U+0000） / input.code: text must not "
                                            "contain the NUL character (U+0000)")
    body = gql.post("mutation($input: CreateStreetInput!) { createStreet(input: $input) { errors { field } } }",
                    {"input": {"code": "S9", "name": "颍\x00川"}})
    # Refused before anything ran: no `data` entry (GraphQL spec, "Response").
    assert body == {"errors": [{
        "message": "$input.name：文字中不能有 NUL 字符（U+0000） / $input.name: text must not contain the NUL character "
                   "(U+0000)",
        "extensions": {"code": "BAD_USER_INPUT"}}]}
    with connection():
        assert Street.select().count() == streets
