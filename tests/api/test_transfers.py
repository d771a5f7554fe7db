"""Transfers end old posts: a worker moved to another community (updateWorker
``communityId``, or an import row with another 社区代码) leaves the posts held
in the old one — each ends the day before the move (today), or is left vacant
if it had not begun — with an audit entry per position; the paid post follows
the posts still held."""

from __future__ import annotations

import datetime as dt

from .conftest import GraphQLClient
from .uploads import IMPORT_WORKERS, csv_bytes, payload

CREATE_POSITION = """mutation($input: CreatePositionInput!) {
  createPosition(input: $input) { position { id } errors { field code message } } }"""
POSITIONS = """query($c: ID) { positions(first: 20, where: {communityId: $c}) {
  nodes { id title startDate endDate version worker { code } } } }"""
MOVE = """mutation($input: UpdateWorkerInput!) {
  updateWorker(input: $input) { worker { code post version community { code } } errors { field code message } } }"""
AUDIT = """query($op: String) { auditLog(first: 20, where: {operation: $op}) {
  nodes { actor operation recordType recordId before after } } }"""


def positions(gql: GraphQLClient, community_id: str) -> dict[str, dict]:
    return {p["title"]: p for p in gql.data(POSITIONS, {"c": community_id})["positions"]["nodes"]}


def held_posts(gql: GraphQLClient, city, today: dt.date) -> dict[str, str]:
    """Three positions of W001 in C01: held since 2020, starting next month, and one ended last year."""
    ids = {}
    for title, post, start, end in (("党组织书记", "CHIEF", "2020-01-01", None),
                                    ("居委会主任", "CHIEF", (today + dt.timedelta(days=31)).isoformat(), None),
                                    ("网格员", "STAFF", "2015-01-01", "2019-12-31")):
        created = gql.mutate(CREATE_POSITION, {"input": {"communityId": city.communities["C01"], "post": post,
                                                         "title": title, "workerId": city.workers["W001"],
                                                         "startDate": start, "endDate": end}})
        ids[title] = created["position"]["id"]
    return ids


def test_a_transfer_ends_the_posts_of_the_old_community(gql, city):
    today = dt.date.today()
    ids = held_posts(gql, city, today)
    version = gql.data("query($id: ID) { worker(id: $id) { version } }", {"id": city.workers["W001"]})["worker"]["version"]
    moved = gql.mutate(MOVE, {"input": {"id": city.workers["W001"], "version": version,
                                        "communityId": city.communities["C02"]}})["worker"]
    assert moved["community"] == {"code": "C02"}
    after = positions(gql, city.communities["C01"])
    yesterday = (today - dt.timedelta(days=1)).isoformat()
    assert (after["党组织书记"]["endDate"], after["党组织书记"]["worker"]) == (yesterday, {"code": "W001"})
    assert (after["居委会主任"]["endDate"], after["居委会主任"]["worker"]) == (None, None)  # not begun: vacant
    assert (after["网格员"]["endDate"], after["网格员"]["version"]) == ("2019-12-31", 1)  # history stays
    ended = gql.data(AUDIT, {"op": "transferEndedPosition"})["auditLog"]["nodes"]
    vacated = gql.data(AUDIT, {"op": "transferVacatedPosition"})["auditLog"]["nodes"]
    assert [(e["actor"], e["recordType"], f"Position:{e['recordId']}") for e in ended] == [
        ("admin", "Position", ids["党组织书记"])]
    assert (ended[0]["before"]["end_date"], ended[0]["after"]["end_date"]) == (None, yesterday)
    assert [f"Position:{e['recordId']}" for e in vacated] == [ids["居委会主任"]]
    assert (vacated[0]["before"]["worker_id"], vacated[0]["after"]["worker_id"]) == (
        int(city.workers["W001"].split(":")[1]), None)
    # A post in the new community makes it the paid post.
    gql.mutate(CREATE_POSITION, {"input": {"communityId": city.communities["C02"], "post": "STAFF", "title": "网格员",
                                           "workerId": city.workers["W001"], "startDate": today.isoformat()}})
    worker = gql.data("query($id: ID) { worker(id: $id) { post } }", {"id": city.workers["W001"]})["worker"]
    assert worker["post"] == "STAFF"


def test_an_update_that_keeps_the_community_ends_nothing(gql, city):
    held_posts(gql, city, dt.date.today())
    gql.mutate(MOVE, {"input": {"id": city.workers["W001"], "version": 1, "communityId": city.communities["C01"],
                                "phone": "13900000000"}})
    assert gql.data(AUDIT, {"op": "transferEndedPosition"})["auditLog"]["nodes"] == []
    assert positions(gql, city.communities["C01"])["党组织书记"]["endDate"] is None


def test_an_import_that_moves_a_worker_ends_the_old_posts(gql, city):
    today = dt.date.today()
    held_posts(gql, city, today)
    report = payload(gql, IMPORT_WORKERS, csv_bytes("工号,社区代码", "W001,C02"), "workers.csv")["report"]
    assert (report["updated"], report["written"]) == (1, True)
    after = positions(gql, city.communities["C01"])
    assert after["党组织书记"]["endDate"] == (today - dt.timedelta(days=1)).isoformat()
    assert after["居委会主任"]["worker"] is None
    ended = gql.data(AUDIT, {"op": "transferEndedPosition"})["auditLog"]["nodes"]
    assert [(e["actor"], e["recordType"]) for e in ended] == [("admin", "Position")]
