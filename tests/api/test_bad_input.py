"""Issue 12's inputs, quoted: each is answered with a user error, a request
error or data — never INTERNAL_SERVER_ERROR, never an HTTP 500 — on both
databases."""

from __future__ import annotations

import pytest

from .conftest import GraphQLClient

WORKER = """query($id: ID) { worker(id: $id) { code education certificate priorServiceYears specialDeductionMonthly
    version } }"""
UPDATE_WORKER = """mutation($input: UpdateWorkerInput!) {
  updateWorker(input: $input) { worker { code education certificate priorServiceYears specialDeductionMonthly
    serviceEnd bankName version } errors { field code message } } }"""


def codes(body: dict) -> list[str]:
    return [e.get("extensions", {}).get("code") for e in body.get("errors") or ()]


def read_worker(gql: GraphQLClient, worker_id: str) -> dict:
    return gql.data(WORKER, {"id": worker_id})["worker"]


# --- absent is not null ----------------------------------------------------------------------


@pytest.mark.parametrize(("field", "camel"), [
    ("education", "education"),
    ("certificate", "certificate"),
    ("prior_service_years", "priorServiceYears"),
    ("special_deduction_monthly", "specialDeductionMonthly"),
])
def test_an_explicit_null_on_a_pay_input_is_refused_and_changes_nothing(gql, city, field, camel):
    worker_id = city.workers["W001"]
    gql.mutate(UPDATE_WORKER, {"input": {"id": worker_id, "version": 1, "education": "DOCTOR",
                                         "certificate": "SOCIAL_WORKER", "certificateDate": "2020-01-01",
                                         "priorServiceYears": 3, "specialDeductionMonthly": "1500.00"}})
    before = read_worker(gql, worker_id)
    assert (before["education"], before["certificate"], before["priorServiceYears"],
            before["specialDeductionMonthly"]) == ("DOCTOR", "SOCIAL_WORKER", 3, "1500.00")
    payload = gql.data(UPDATE_WORKER, {"input": {"id": worker_id, "version": 2, camel: None}})["updateWorker"]
    assert payload["worker"] is None
    assert payload["errors"] == [{"field": camel, "code": "REQUIRED",
                                  "message": f"{camel}：不能为 null，不填则保持不变 / {camel}: cannot be null; leave it "
                                             "out to keep the current value"}]
    assert read_worker(gql, worker_id) == before


def test_an_omitted_field_is_unchanged_and_a_clearable_one_clears(gql, city):
    worker_id = city.workers["W001"]
    gql.mutate(UPDATE_WORKER, {"input": {"id": worker_id, "version": 1, "education": "DOCTOR",
                                         "bankName": "中国工商银行许昌分行"}})
    payload = gql.mutate(UPDATE_WORKER, {"input": {"id": worker_id, "version": 2, "bankName": None}})
    assert payload["worker"]["education"] == "DOCTOR"  # omitted: unchanged
    assert payload["worker"]["bankName"] is None  # clearable: cleared
    assert payload["worker"]["version"] == 3


# --- ids ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [
    "Worker:" + "9" * 20, "Worker:" + "1" * 5000, "Worker:-1", "Worker:１", "Worker:1.0", "Worker: 1",
    "Worker:9223372036854775808", "Community:1", "", ":", "Worker:",
])
def test_bad_worker_ids_are_bad_user_input(gql, city, value):
    body = gql.post("query($id: ID) { worker(id: $id) { code } }", {"id": value})
    assert codes(body) == ["BAD_USER_INPUT"], body
    assert body["data"] == {"worker": None}


def test_the_largest_id_is_simply_not_found(gql, city):
    body = gql.post("query($id: ID) { worker(id: $id) { code } }", {"id": "Worker:9223372036854775807"})
    assert body == {"data": {"worker": None}}


def test_a_payroll_run_id_of_two_to_the_seventy(gql, city):
    value = f"PayrollRun:{2**70}"
    body = gql.post("query($id: ID!) { payrollRun(id: $id) { period } }", {"id": value})
    assert codes(body) == ["BAD_USER_INPUT"]
    payload = gql.data("mutation($id: ID!) { deletePayrollRun(input: {id: $id}) { errors { field code } } }",
                       {"id": value})["deletePayrollRun"]
    assert payload["errors"] == [{"field": "id", "code": "INVALID"}]


def test_huge_ids_in_mutation_inputs_are_user_errors(gql, city):
    payload = gql.data(UPDATE_WORKER, {"input": {"id": "Worker:" + "9" * 20, "version": 1, "phone": "13900000000"}})
    assert [(e["field"], e["code"]) for e in payload["updateWorker"]["errors"]] == [("id", "INVALID")]
    payload = gql.data(UPDATE_WORKER, {"input": {"id": city.workers["W001"], "version": 1,
                                                 "communityId": f"Community:{2**70}"}})
    assert [(e["field"], e["code"]) for e in payload["updateWorker"]["errors"]] == [("communityId", "INVALID")]


@pytest.mark.parametrize("path", [
    "/exports/payroll-runs/" + "9" * 20 + ".csv",
    "/exports/payroll-runs/" + "1" * 5000 + ".xlsx",
    f"/exports/payroll-runs/{2**70}/bank.csv",
    "/exports/staffing.xlsx?date=2026-11-01&streetId=" + "9" * 20,
    "/exports/staffing.xlsx?date=2026-11-01&communityId=Community:１",
    "/exports/budget.xlsx?year=²",
    "/exports/budget.xlsx?year=2027&streetId=Street:-1",
])
def test_bad_ids_in_export_urls_are_4xx(client, tokens, city, path):
    response = client.get(path, headers={"Authorization": f"Bearer {tokens.admin}"})
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:300])
    assert response.json()["errors"][0]["extensions"]["code"] in ("BAD_USER_INPUT", "NOT_FOUND")


# --- cursors ------------------------------------------------------------------------------------


def _cursor(text: str) -> str:
    import base64

    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.parametrize("cursor", [
    _cursor(f'["W001", {2**70}]'), _cursor('["W001", 1.5]'), _cursor('["W001", 1e400]'), _cursor("[\"W001\"]"),
    _cursor('[null, 1]'), _cursor("{}"), "!!!", "x" * 5000,
])
def test_crafted_cursors_are_bad_user_input(gql, city, cursor):
    body = gql.post('query($c: String) { workers(first: 2, after: $c, orderBy: [{field: CODE}]) { nodes { code } } }',
                    {"c": cursor})
    assert codes(body) == ["BAD_USER_INPUT"], body


@pytest.mark.parametrize("cursor", [_cursor('["2026-13-45", 1]'), _cursor('["99999-01-01", 1]'),
                                    _cursor('[20260101, 1]')])
def test_cursors_with_bad_dates_are_bad_user_input(gql, city, cursor):
    body = gql.post('query($c: String) { workers(first: 2, after: $c, orderBy: [{field: SERVICE_START}]) '
                    '{ nodes { code } } }', {"c": cursor})
    assert codes(body) == ["BAD_USER_INPUT"], body


# --- dates --------------------------------------------------------------------------------------


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_next_promotion_far_from_today(gql, city, day):
    body = gql.post('query($on: Date) { workers(first: 2) { nodes { code nextPromotion(on: $on) { grade } } } }',
                    {"on": day})
    assert codes(body) == ["BAD_USER_INPUT", "BAD_USER_INPUT"], body
    assert "1990-01-01" in body["errors"][0]["message"] and "2100-12-31" in body["errors"][0]["message"]


# --- relations ----------------------------------------------------------------------------------


def test_position_community_for_every_role(gql, city, tokens):
    created = gql.mutate("""mutation($c: ID!) { createPosition(input: {communityId: $c, post: "STAFF", title: "网格员"}) {
        position { id } errors { code } } }""", {"c": city.communities["C01"]})
    position_id = created["position"]["id"]
    for token in (tokens.admin, tokens.hr, tokens.hr_other, tokens.finance, tokens.viewer):
        body = gql.as_(token).post("query($id: ID!) { position(id: $id) { community { code } } }", {"id": position_id})
        assert "errors" not in body, body
        visible = body["data"]["position"]
        assert visible is None or visible == {"community": {"code": "C01"}}


# --- text that does not fit its column ---------------------------------------------------------


def test_a_bank_name_longer_than_its_column_is_refused(gql, city):
    payload = gql.data(UPDATE_WORKER, {"input": {"id": city.workers["W001"], "version": 1,
                                                 "bankName": "银" * 190}})["updateWorker"]
    assert payload["errors"] == [{"field": "bankName", "code": "INVALID",
                                  "message": "bankName：最长 100 字，收到 190 字 / bankName: at most 100 characters, "
                                             "got 190"}]
    assert read_worker(gql, city.workers["W001"])["version"] == 1


# --- bodies -------------------------------------------------------------------------------------


@pytest.mark.parametrize("body", [b"null", b'"x"', b"[null]", b"[1,2]", b"[]", b"{}", b"1", b"true", b"\xff",
                                  b'{"query": null}', b'{"query": 1}', b'{"query": "{ me { name } }", "variables": []}'])
def test_odd_json_bodies_are_400(client, tokens, body):
    response = client.post("/graphql", content=body, headers={"content-type": "application/json",
                                                              "Authorization": f"Bearer {tokens.admin}"})
    assert response.status_code == 400, response.text
    assert response.json()["errors"][0]["extensions"]["code"] in ("BAD_REQUEST", "LIMIT_EXCEEDED")


LONG = "长" * 5000

#: Each mutation with a valid input (built from the city) and its text fields.
TEXT_INPUTS = {
    "createStreet": (lambda c: {"code": "S9", "name": "新街道"}, ["code", "name"]),
    "updateStreet": (lambda c: {"id": c.streets["S1"], "version": 1}, ["code", "name"]),
    "createCommunity": (lambda c: {"code": "C99", "name": "新社区", "streetId": c.streets["S1"]}, ["code", "name"]),
    "updateCommunity": (lambda c: {"id": c.communities["C01"], "version": 1}, ["code", "name"]),
    "createPosition": (lambda c: {"communityId": c.communities["C01"], "post": "STAFF", "title": "网格员"},
                       ["post", "title"]),
    "createWorker": (lambda c: {"code": "W999", "name": "新人", "communityId": c.communities["C01"], "post": "STAFF",
                                "serviceStart": "2026-01-01"},
                     ["code", "name", "post", "idNumber", "phone", "bankName", "bankAccount"]),
    "updateWorker": (lambda c: {"id": c.workers["W001"], "version": 1},
                     ["code", "name", "post", "idNumber", "phone", "bankName", "bankAccount"]),
}


@pytest.mark.parametrize(("mutation", "field"), [(m, f) for m, (_, fields) in TEXT_INPUTS.items() for f in fields])
def test_every_text_input_longer_than_its_column_is_a_user_error(gql, city, mutation, field):
    make, _ = TEXT_INPUTS[mutation]
    input_type = mutation[0].upper() + mutation[1:] + "Input"
    body = gql.post(f"mutation($input: {input_type}!) {{ {mutation}(input: $input) {{ errors {{ field code message }} }} }}",
                    {"input": {**make(city), field: LONG}})
    assert "errors" not in body, body
    errors = body["data"][mutation]["errors"]
    assert [(e["field"], e["code"]) for e in errors] == [(field, "INVALID")], errors


def test_policy_texts_longer_than_their_columns(gql, city):
    from ..conftest import EXAMPLE_POLICY

    document = EXAMPLE_POLICY.read_text(encoding="utf-8").replace("title: 某县级市", "title: " + "长" * 200 + "某县级市", 1)
    payload = gql.data("mutation($d: String!) { importPolicy(input: {document: $d}) { errors { field code message } } }",
                       {"d": document})["importPolicy"]
    assert payload["errors"] == [{"field": "document", "code": "INVALID",
                                  "message": "document.title：最长 200 字，收到 226 字 / document.title: at most 200 "
                                             "characters, got 226"}]


def test_import_cells_longer_than_their_columns_are_refused_by_row_and_column(gql, city):
    from .uploads import IMPORT_COMMUNITIES, IMPORT_WORKERS, csv_bytes, payload

    report = payload(gql, IMPORT_WORKERS, csv_bytes(
        "工号,姓名,社区代码,岗位,参加工作时间,开户行",
        f"{'W' * 65},张三,C01,STAFF,2020-01-01,工商银行",
        f"W900,{'张' * 101},C01,STAFF,2020-01-01,工商银行",
        f"W901,李四,C01,STAFF,2020-01-01,{'银' * 190}",
    ), "workers.csv")["report"]
    assert [(p["row"], p["column"], p["code"], p["message"]) for p in report["problems"]] == [
        (2, "工号", "INVALID", "code：最长 64 字，收到 65 字 / code: at most 64 characters, got 65"),
        (3, "姓名", "INVALID", "name：最长 100 字，收到 101 字 / name: at most 100 characters, got 101"),
        (4, "开户行", "INVALID", "bankName：最长 100 字，收到 190 字 / bankName: at most 100 characters, got 190"),
    ]
    assert (report["refused"], report["written"]) == (3, False)
    report = payload(gql, IMPORT_COMMUNITIES, csv_bytes("社区代码,社区名称,街道", f"{'C' * 33},新社区,S1"),
                     "communities.csv")["report"]
    assert [(p["row"], p["column"], p["code"]) for p in report["problems"]] == [(2, "社区代码", "INVALID")]


def test_a_token_name_longer_than_its_column_is_refused(database_url, app):
    from api.access.principal import Role
    from api.db.database import connection
    from api.services.tokens import create_token

    with connection(), pytest.raises(ValueError, match="令牌名称须为 1–100 字 / the token's name must have 1 to 100"):
        create_token("名" * 101, Role.ADMIN)


@pytest.mark.parametrize(("input_type", "clearable"), [("UpdateWorkerInput", "WORKER_CLEARABLE"),
                                                        ("UpdatePositionInput", "POSITION_CLEARABLE")])
def test_the_update_inputs_say_which_fields_null_clears(input_type, clearable):
    from api.graphql.records import inputs
    from api.schema import schema

    fields = {f.python_name: f.description for f in schema.get_type_by_name(input_type).fields
              if f.python_name not in ("id", "version")}
    says_clears = {name for name, text in fields.items() if "null clears it" in text or "null makes it vacant" in text}
    says_refused = {name for name, text in fields.items() if "null is refused" in text}
    assert says_clears == set(getattr(inputs, clearable))
    assert says_refused == set(fields) - says_clears
