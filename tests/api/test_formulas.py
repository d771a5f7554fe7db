"""Spreadsheet formulas (CSV injection, issue 12): text that Excel would run is
refused on input with a message naming the field, and every CSV the service
writes neutralises what was stored before the rule existed."""

from __future__ import annotations

import csv
import io

import pytest

from api.db.database import connection
from api.db.models import Community, Payslip, Worker

from .conftest import CREATE_COMMUNITY, CREATE_WORKER, City, GraphQLClient, Tokens
from .test_exports import create_run, get
from .test_frozen_runs import APPROVE
from .test_records import UPDATE_WORKER, base_worker

#: The inputs of the issue, and the other characters OWASP lists.
HOSTILE = ['=HYPERLINK("http://evil.example/","工资")', "+cmd|' /C calc'!A0", "@SUM(1+1)", "-2+3+cmd|' /C calc'!A0"]


def formula_message(field: str) -> str:
    return (f"{field}：不能以 =、+、-、@、制表符或回车开头（电子表格会当作公式）/ {field}: must not start with =, +, -, @, "
            "a tab or a carriage return (spreadsheets run it as a formula)")


def errors_of(payload: dict) -> list[tuple[str, str, str]]:
    return [(e["field"], e["code"], e["message"]) for e in payload["errors"]]


@pytest.mark.parametrize("text", HOSTILE)
def test_create_worker_refuses_a_name_or_bank_name_that_is_a_formula(gql: GraphQLClient, city: City, text: str):
    payload = gql.data(CREATE_WORKER, {"input": base_worker(city.communities["C01"], name=text)})["createWorker"]
    assert payload["worker"] is None
    assert errors_of(payload) == [("name", "INVALID", formula_message("name"))]
    payload = gql.data(CREATE_WORKER, {"input": base_worker(city.communities["C01"], bankName=text)})["createWorker"]
    assert errors_of(payload) == [("bankName", "INVALID", formula_message("bankName"))]
    payload = gql.data(CREATE_WORKER, {"input": base_worker(city.communities["C01"], code=text)})["createWorker"]
    assert errors_of(payload) == [("code", "INVALID", formula_message("code"))]
    assert "N001" not in {w["code"] for w in gql.data("{ workers(first: 100) { nodes { code } } }")["workers"]["nodes"]}


def test_a_tab_or_carriage_return_before_a_formula_is_refused_and_plain_text_passes(gql: GraphQLClient, city: City):
    payload = gql.data(CREATE_WORKER, {"input": base_worker(city.communities["C01"], bankName="\t=1+1")})["createWorker"]
    assert errors_of(payload) == [("bankName", "INVALID", formula_message("bankName"))]
    payload = gql.data(CREATE_WORKER, {"input": base_worker(city.communities["C01"], bankName="\r@x")})["createWorker"]
    assert errors_of(payload) == [("bankName", "INVALID", formula_message("bankName"))]
    # A hyphen inside a name, or a name that merely contains "=", is ordinary text.
    created = gql.mutate(CREATE_WORKER, {"input": base_worker(city.communities["C01"], name="欧阳-娜=1",
                                                              bankName="中国银行 A+")})
    assert created["worker"]["code"] == "N001"


def test_update_worker_street_community_and_position_refuse_formulas(gql: GraphQLClient, city: City):
    payload = gql.data(UPDATE_WORKER, {"input": {"id": city.workers["W003"], "version": 1,
                                                 "name": "@SUM(1+1)"}})["updateWorker"]
    assert errors_of(payload) == [("name", "INVALID", formula_message("name"))]
    assert gql.data('query($id: ID!) { worker(id: $id) { name version } }',
                    {"id": city.workers["W003"]})["worker"] == {"name": "王芳", "version": 1}
    street = gql.data('mutation { createStreet(input: {code: "S9", name: "=1+1"}) { errors { field code message } } }')
    assert errors_of(street["createStreet"]) == [("name", "INVALID", formula_message("name"))]
    community = gql.data(CREATE_COMMUNITY, {"input": {"code": "+C9", "name": "新社区", "streetId": city.streets["S1"]}})
    assert errors_of(community["createCommunity"]) == [("code", "INVALID", formula_message("code"))]
    position = gql.data("""mutation($input: CreatePositionInput!) { createPosition(input: $input) {
        errors { field code message } } }""", {"input": {"communityId": city.communities["C01"], "post": "STAFF",
                                                         "title": "-网格员"}})
    assert errors_of(position["createPosition"]) == [("title", "INVALID", formula_message("title"))]


def test_a_policy_whose_titles_are_formulas_is_refused_naming_the_path(gql: GraphQLClient):
    from ..conftest import EXAMPLE_POLICY

    document = EXAMPLE_POLICY.read_text(encoding="utf-8").replace("{title: 正职（书记、主任）", '{title: "=1+1"', 1)
    payload = gql.data("""mutation($document: String!) { importPolicy(input: {document: $document}) {
        errors { field code message } } }""", {"document": document})["importPolicy"]
    assert errors_of(payload) == [("document", "INVALID", formula_message("versions[0].posts.CHIEF.title"))]


def test_every_csv_of_a_run_neutralises_formulas_stored_before_the_rule(client, gql: GraphQLClient, city: City,
                                                                        tokens: Tokens):
    """Records written before the input rule (or straight into the database)
    still come out as text: on SQLite through the vectorized encoder, on
    PostgreSQL through the database's own COPY; drafts and approved runs alike."""
    with connection():
        Worker.update(code="@SUM(1+1)", name=HOSTILE[0], bank_name=HOSTILE[1], bank_account="6228480012345678901") \
            .where(Worker.code == "W001").execute()
        Community.update(name=HOSTILE[3]).where(Community.code == "C01").execute()
    run = create_run(gql, "2026-01")
    with connection():
        Payslip.update(basic_pay=-1234).where(Payslip.run == 1, Payslip.worker_code == "@SUM(1+1)").execute()
    for status in ("DRAFT", "APPROVED"):
        if status == "APPROVED":
            gql.mutate(APPROVE, {"id": run})
        bank = list(csv.reader(io.StringIO(get(client, "/exports/payroll-runs/1/bank.csv", tokens.finance)
                                           .content.decode("utf-8-sig"))))
        assert bank[1][:5] == ["1", "'@SUM(1+1)", "'" + HOSTILE[0], "'" + HOSTILE[1], "6228480012345678901"], status
        payslips = get(client, "/exports/payroll-runs/1.csv", tokens.finance).text.splitlines()
        # The code is text and neutralised; the negative amount stays a number.
        assert payslips[1].startswith("'@SUM(1+1),2026-01,CHIEF,11,13,31,-12.34,"), status
        contributions = list(csv.reader(io.StringIO(get(client, "/exports/payroll-runs/1/contributions.csv",
                                                        tokens.finance).content.decode("utf-8-sig"))))
        assert contributions[1][:5] == ["COMMUNITY", "S1", "颍川街道", "C01", "'" + HOSTILE[3]], status
