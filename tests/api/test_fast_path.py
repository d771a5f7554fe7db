"""The list fast path (api/fastpath/completion.py) answers exactly what
graphql-core's ordinary completion answers, and is actually taken.

Every query runs twice through HTTP: once as served, once with the fast path
switched off; the two responses must be identical, errors included."""

from __future__ import annotations

import pytest

from api.fastpath import completion as fastpath
from api.fastpath import render as sqlrender


@pytest.fixture(autouse=True)
def objects_built_in_python(monkeypatch):
    """Pages rendered by the database (api/fastpath/render.py) skip the
    fast path altogether; these tests are about the lists built in Python."""
    monkeypatch.setattr(sqlrender, "ENABLED", False)

QUERIES = [
    # The benchmark's page: scalars, money, a period, two prefetched relations.
    """{ payslips(period: "2026-03", first: 100) { nodes { period gross net incomeTax
        worker { code name } community { code name } } pageInfo { endCursor hasNextPage } } }""",
    # Aliases, __typename, repeated fields merged, inline fragments, nested relations two levels deep,
    # enums, nullable fields that are null for some rows, and ids.
    """{ payslips(period: "2026-02", first: 40) { edges { cursor node { __typename id n: net net
        worker { id code serviceEnd education certificate community { name street { code } } }
        ... on Payslip { grade countedYears post street { name } payrollRun { status period } } } } } }""",
    # Fields with arguments or resolvers inside items take the ordinary path for the whole list.
    """{ workers(first: 50) { nodes { code name nextPromotion { grade } assessments { year result } } } }""",
    # Fragment spreads and directives.
    """query($withCommunity: Boolean!) { payslips(period: "2026-01", first: 30) { nodes { ...Slip
        community @include(if: $withCommunity) { code } } } }
       fragment Slip on Payslip { net worker { code } }""",
    # A list the user cannot fully see: errors in items must be the ordinary path's errors.
    """{ communities(first: 20) { nodes { code households population street { code name } } } }""",
]


@pytest.mark.parametrize("number", range(len(QUERIES)))
def test_fast_path_answers_what_the_ordinary_path_answers(demo_gql, monkeypatch, number):
    query = QUERIES[number]
    variables = {"withCommunity": True}
    fast = demo_gql.post(query, variables)
    compiled = []
    original_compile = fastpath.compile_plan
    monkeypatch.setattr(fastpath, "compile_plan", lambda *a: compiled.append(a) or None)
    monkeypatch.setattr(fastpath.FastListExecutionContext, "_plans", {})
    ordinary = demo_gql.post(query, variables)
    monkeypatch.setattr(fastpath, "compile_plan", original_compile)
    assert "errors" not in fast, fast["errors"]
    assert fast == ordinary
    assert compiled, "the query has no list of objects"


def test_the_benchmark_page_takes_the_fast_path(demo_gql, monkeypatch):
    fast_lists = []
    original = fastpath.FastListExecutionContext.complete_iterable_value

    def spy(self, item_type, field_details_list, info, path, items, position_context):
        plan = self._plan_for(item_type, field_details_list)
        fast_lists.append((str(item_type), plan is not None, len(items)))
        return original(self, item_type, field_details_list, info, path, items, position_context)

    monkeypatch.setattr(fastpath.FastListExecutionContext, "complete_iterable_value", spy)
    data = demo_gql.data(QUERIES[0])
    assert len(data["payslips"]["nodes"]) == 100
    assert fast_lists == [("Payslip!", True, 100)]


def test_a_null_in_a_non_null_field_falls_back_to_the_ordinary_error(demo_gql, monkeypatch, caplog):
    # A Payslip whose (non-null) period is missing: the fast path must not invent a value or
    # drop the error; graphql-core's completion reports it (masked for the client, in full in
    # the log) and nulls the data up to the nullable root.
    from api.graphql.payroll.types import Payslip

    original = Payslip.from_values

    def broken(values):
        payslip = original(values)
        object.__setattr__(payslip, "period", None)
        return payslip

    monkeypatch.setattr(Payslip, "from_values", staticmethod(broken))
    body = demo_gql.post('{ payslips(period: "2026-03", first: 3) { nodes { net period } } }')
    assert body["data"] is None
    assert body["errors"][0]["message"].startswith("服务器内部错误（请求编号 ")
    assert body["errors"][0]["path"] == ["payslips", "nodes", 0, "period"]
    assert "Cannot return null for non-nullable field Payslip.period." in caplog.text
