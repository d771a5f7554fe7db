"""Sane dates: service, certificate and post dates inside their ranges
(1950-01-01 to a year ahead for a start, ten years ahead for an end), in the
mutations and the imports alike, with Chinese-first messages; a service end
that falls in months already paid is accepted (salary-model.md §13: the next
run corrects it) and nothing downstream fails on it."""

from __future__ import annotations

import datetime as dt

import pytest

from api.services.dates import END_AHEAD, START_AHEAD

from .conftest import GraphQLClient
from .test_payroll_runs import CREATE_RUN, run_year
from .uploads import IMPORT_WORKERS, csv_bytes, payload

CREATE_WORKER = """mutation($input: CreateWorkerInput!) {
  createWorker(input: $input) { worker { code serviceStart } errors { field code message } } }"""
UPDATE_WORKER = """mutation($input: UpdateWorkerInput!) {
  updateWorker(input: $input) { worker { code serviceEnd version } errors { field code message } } }"""
END_SERVICE = """mutation($input: EndWorkerServiceInput!) {
  endWorkerService(input: $input) { worker { code serviceEnd version } errors { field code message } } }"""
CREATE_POSITION = """mutation($input: CreatePositionInput!) {
  createPosition(input: $input) { position { id } errors { field code message } } }"""

def latest_start(days_after: int = 0) -> str:
    """The latest service start accepted (plus ``days_after``), worked out when
    the test runs: a run that crosses midnight must not compare yesterday's."""
    return (dt.date.today() + START_AHEAD + dt.timedelta(days=days_after)).isoformat()


def outside(field: str, value: str, latest: dt.date) -> dict:
    return {"field": field, "code": "INVALID",
            "message": f"{field}：{value} 不在 1950-01-01 至 {latest.isoformat()} 之间 / {field}: {value} is outside "
                       f"1950-01-01 to {latest.isoformat()}"}


def new_worker(city, **fields) -> dict:
    return {"input": {"code": "W900", "name": "新人", "communityId": city.communities["C01"], "post": "STAFF",
                      "serviceStart": "2020-01-01", **fields}}


@pytest.mark.parametrize("start", ["9999-12-31", "0001-01-01", "1949-12-31", "latest+1"])
def test_a_service_start_out_of_range_is_refused(gql, city, start):
    start = latest_start(1) if start == "latest+1" else start
    payload_ = gql.data(CREATE_WORKER, new_worker(city, serviceStart=start))["createWorker"]
    assert payload_ == {"worker": None, "errors": [outside("serviceStart", start, dt.date.today() + START_AHEAD)]}


@pytest.mark.parametrize("start", ["1950-01-01", "latest"])
def test_the_range_ends_are_accepted(gql, city, start):
    start = latest_start() if start == "latest" else start
    created = gql.mutate(CREATE_WORKER, new_worker(city, serviceStart=start))["worker"]
    assert created["serviceStart"] == start


def test_ends_and_certificates_out_of_range(gql, city):
    payload_ = gql.data(UPDATE_WORKER, {"input": {"id": city.workers["W001"], "version": 1,
                                                  "serviceEnd": "9999-12-31"}})["updateWorker"]
    assert payload_["errors"] == [outside("serviceEnd", "9999-12-31", dt.date.today() + END_AHEAD)]
    payload_ = gql.data(UPDATE_WORKER, {"input": {"id": city.workers["W001"], "version": 1,
                                                  "certificateDate": "0001-01-01"}})["updateWorker"]
    assert payload_["errors"] == [outside("certificateDate", "0001-01-01", dt.date.today() + START_AHEAD)]
    payload_ = gql.data(END_SERVICE, {"input": {"id": city.workers["W001"], "version": 1,
                                                "serviceEnd": "1900-01-01"}})["endWorkerService"]
    assert [e["field"] for e in payload_["errors"]] == ["serviceEnd"]


def test_position_dates_out_of_range(gql, city):
    payload_ = gql.data(CREATE_POSITION, {"input": {"communityId": city.communities["C01"], "post": "STAFF",
                                                    "title": "网格员", "startDate": "9999-01-01",
                                                    "endDate": "9999-12-31"}})["createPosition"]
    assert payload_["errors"] == [outside("startDate", "9999-01-01", dt.date.today() + START_AHEAD),
                                  outside("endDate", "9999-12-31", dt.date.today() + END_AHEAD)]


def test_an_import_refuses_the_same_dates_by_row_and_column(gql, city):
    report = payload(gql, IMPORT_WORKERS, csv_bytes(
        "工号,姓名,社区代码,岗位,参加工作时间,离职日期",
        "W900,新人,C01,STAFF,9999-12-31,",
        "W901,新人二,C01,STAFF,2020-01-01,1900-01-01",
    ), "workers.csv")["report"]
    assert [(p["row"], p["column"], p["code"], p["message"]) for p in report["problems"]] == [
        (2, "参加工作时间", "INVALID", outside("serviceStart", "9999-12-31", dt.date.today() + START_AHEAD)["message"]),
        (3, "离职日期", "INVALID", outside("serviceEnd", "1900-01-01", dt.date.today() + END_AHEAD)["message"]),
    ]


def test_a_service_end_in_months_already_paid_is_accepted_and_nothing_fails(gql: GraphQLClient, city):
    """W001 paid January–March, then found to have left on 15 January."""
    runs = run_year(gql, months=range(1, 4))
    assert [r["period"] for r in runs] == ["2026-01", "2026-02", "2026-03"]
    ended = gql.mutate(END_SERVICE, {"input": {"id": city.workers["W001"], "version": 1, "serviceEnd": "2026-01-15"}})
    assert ended["worker"]["serviceEnd"] == "2026-01-15"
    april = gql.data(CREATE_RUN, {"input": {"period": "2026-04"}})["createPayrollRun"]
    assert april["errors"] == [] and april["payrollRun"]["status"] == "DRAFT"
    body = gql.post("""query($w: ID!) {
      worker(id: $w) { code serviceEnd nextPromotion { grade } payslips(first: 20) { nodes { period net } } }
      payslips(period: "2026-04", first: 100) { nodes { worker { code } net } }
    }""", {"w": city.workers["W001"]})
    assert "errors" not in body, body
    paid = {p["period"] for p in body["data"]["worker"]["payslips"]["nodes"]}
    assert {"2026-01", "2026-02", "2026-03"} <= paid
    quote = gql.post('query($w: ID!) { salaryQuote(input: {period: "2026-04", workerId: $w}) { net } }',
                     {"w": city.workers["W001"]})
    assert quote["errors"][0]["message"] == ("工作者 W001 在 2026-04 不在职（当月无工资条）/ worker W001 is not in service "
                                             "in 2026-04 (no payslip that month)")
