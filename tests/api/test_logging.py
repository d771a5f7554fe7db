"""What the log says about errors: a user's mistake (a request error, a parse
or validation error) in one line — code, where, request id, message — and an
unexpected exception with its traceback, exactly once."""

from __future__ import annotations

import logging

import pytest


def records(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name.startswith(("community_payroll", "strawberry"))]


def send(gql, query: str, variables: dict | None = None):
    response = gql.http.post("/graphql", json={"query": query, "variables": variables or {}},
                             headers={"Authorization": f"Bearer {gql.token}"})
    return response.headers["x-request-id"], response.json()


@pytest.mark.parametrize(("query", "variables", "code", "where", "level"), [
    ("query($id: ID) { worker(id: $id) { code } }", {"id": "Worker:" + "9" * 20}, "BAD_USER_INPUT", "worker",
     logging.INFO),
    ('{ workers(first: 5, where: {search: "%s"}) { nodes { code } } }' % ("a" * 101), None, "BAD_USER_INPUT",
     "workers", logging.INFO),
    ("{ workers(first: 1000) { nodes { code } } }", None, "BAD_USER_INPUT", "workers", logging.INFO),
    ("{ nosuchfield }", None, "GRAPHQL_VALIDATION_FAILED", "operation", logging.INFO),
    ("{ workers(first: ", None, "GRAPHQL_PARSE_FAILED", "operation", logging.INFO),
    ("query($p: Period!) { payslips(period: $p) { nodes { net } } }", {"p": "2026-13"}, "BAD_USER_INPUT",
     "operation", logging.INFO),
    ("{ " + " ".join(f"a{i}: me {{ name }}" for i in range(31)) + " }", None, "LIMIT_EXCEEDED", "operation",
     logging.WARNING),
])
def test_request_errors_are_one_line_each(gql, city, caplog, query, variables, code, where, level):
    caplog.clear()
    with caplog.at_level(logging.INFO):
        rid, body = send(gql, query, variables)
    assert body["errors"][0]["extensions"]["code"] == code
    logged = records(caplog)
    assert len(logged) == len(body["errors"]), [r.getMessage() for r in logged]
    record = logged[0]
    assert (record.name, record.levelno, record.exc_info, record.stack_info) == (
        "community_payroll.requests", level, None, None)
    message = record.getMessage()
    assert message.startswith(f"{code} in {where} (request {rid}): ") and "\n" not in message
    assert body["errors"][0]["message"].replace("\n", " ")[:100] in message


def test_a_user_error_in_a_mutation_payload_is_not_logged(gql, city, caplog):
    with caplog.at_level(logging.INFO):
        send(gql, 'mutation { createStreet(input: {code: "", name: "x"}) { errors { code } } }')
    assert records(caplog) == []


def test_an_unexpected_exception_is_logged_once_with_its_traceback(gql, city, caplog, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("SELECT secret FROM internals")

    monkeypatch.setattr("api.reads.reports.scoped_communities", broken)
    with caplog.at_level(logging.INFO):
        rid, body = send(gql, '{ staffing(date: "2026-11-01") { totals { gap } } }')
    assert body["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    logged = records(caplog)
    assert len(logged) == 1, [r.getMessage() for r in logged]
    assert logged[0].getMessage() == f"unexpected error in staffing (request {rid})"
    assert isinstance(logged[0].exc_info[1], RuntimeError)


def test_failed_authentication_is_one_line_without_a_traceback(client, tokens, caplog):
    with caplog.at_level(logging.INFO):
        response = client.post("/graphql", json={"query": "{ me { name } }"}, headers={"Authorization": "Bearer cp_x"})
    assert response.status_code == 401
    logged = records(caplog)
    assert [(r.name, r.levelno, r.exc_info, r.getMessage()) for r in logged] == [
        ("community_payroll.auth", logging.WARNING, None,
         "authentication failed from testclient: the token is unknown, expired or revoked")]
