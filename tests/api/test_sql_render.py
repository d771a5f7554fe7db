"""Pages rendered by the database (api/fastpath/render.py) answer
exactly what the objects built in Python answer, and are actually taken.

Every query runs through HTTP twice, rendered and with rendering switched off,
on SQLite and on PostgreSQL; the responses must be identical."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from payroll.money import format_fen

from api.access.principal import Role
from api.db.database import connection
from api.db.fetch import is_sqlite
from api.fastpath import render as sqlrender
from api.services.tokens import create_token

from .test_queries import counting_statements

MONEY = ("basicPay performancePay educationAllowance certificateAllowance tenureAllowance fixedAllowances "
         "differenceAllowance backPay gross "
         "siBase employeePension employeeMedical employeeUnemployment housingFundEmployee incomeTax bonusTax net "
         "employerPension employerMedical employerUnemployment employerWorkInjury housingFundEmployer "
         "accidentInsurance employerCost")

RENDERED = [
    # The benchmark's page.
    """{ payslips(period: "2026-03", first: 100) { nodes { period gross net incomeTax
        worker { code name } community { code name } } pageInfo { endCursor hasNextPage } } }""",
    # Every declared field of a payslip, its worker (nullable money included), community and
    # street, two levels deep; aliases, __typename and a field repeated under its own name.
    """query($after: String) { payslips(period: "2026-02", first: 60, after: $after,
        orderBy: [{field: NET, direction: DESC}]) {
      totalCount pageInfo { startCursor endCursor hasNextPage hasPreviousPage }
      nodes { __typename id period post grade countedYears days %s net pay: net
        w: worker { id code name bankName post priorServiceYears incompetentYearsBefore specialDeductionMonthly
                    previousMonthlyPay openingMonths openingIncome openingDeductions openingTax openingReserve
                    version community { id code street { id name } } }
        community { id code name households population version street { __typename id code name version } }
        street { name } } } }""" % MONEY,
    # Backwards.
    """{ payslips(period: "2026-01", last: 25, orderBy: [{field: GROSS, direction: ASC}]) {
        pageInfo { startCursor endCursor hasNextPage hasPreviousPage } nodes { id gross worker { name } } } }""",
    # Another list of a declared type.
    """{ communities(first: 20) { nodes { id code households population street { code name } } } }""",
]

ORDINARY = [
    # Masked personal data, enums and dates are converted in Python.
    """{ payslips(period: "2026-03", first: 20) { nodes { net worker { code idNumber education serviceStart } } } }""",
    # edges, fragments and directives.
    """{ payslips(period: "2026-03", first: 20) { edges { cursor node { net } } } }""",
    """query($c: Boolean!) { payslips(period: "2026-03", first: 20) { nodes { ...Slip community @include(if: $c) {
        code } } } } fragment Slip on Payslip { net worker { code } }""",
    # A relation not declared for rendering.
    """{ payslips(period: "2026-03", first: 20) { nodes { net payrollRun { status } } } }""",
]


def _both(gql, query, variables=None):
    rendered = []
    original = sqlrender.rendering_for

    def spy(*args):
        result = original(*args)
        if sqlrender.ENABLED:  # the served request, not the ordinary one
            rendered.append(result is not None)
        return result

    sqlrender.rendering_for, saved = spy, sqlrender.rendering_for
    try:
        from api.graphql.core import connection as connection_module

        connection_module.rendering_for = spy
        served = gql.post(query, variables)
        sqlrender.ENABLED = False
        try:
            ordinary = gql.post(query, variables)
        finally:
            sqlrender.ENABLED = True
    finally:
        sqlrender.rendering_for = saved
        connection_module.rendering_for = original
    return served, ordinary, rendered


@pytest.mark.parametrize("number", range(len(RENDERED)))
def test_rendered_pages_answer_what_python_answers(demo_gql, number):
    served, ordinary, rendered = _both(demo_gql, RENDERED[number], {"c": True})
    assert "errors" not in served, served["errors"]
    assert served == ordinary
    assert rendered == [True]
    nodes = next(iter(served["data"].values()))["nodes"]
    assert len(nodes) >= 12


def test_the_next_pages_follow_the_cursor(demo_gql):
    query = RENDERED[1]
    after, seen = None, []
    while True:
        served, ordinary, rendered = _both(demo_gql, query, {"after": after})
        assert served == ordinary and rendered == [True]
        page = served["data"]["payslips"]
        seen += [node["id"] for node in page["nodes"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(seen) == len(set(seen)) == page["totalCount"] > 60


@pytest.mark.parametrize("number", range(len(ORDINARY)))
def test_other_selections_take_the_ordinary_path(demo_gql, number):
    served, ordinary, rendered = _both(demo_gql, ORDINARY[number], {"c": True})
    assert "errors" not in served, served["errors"]
    assert served == ordinary
    assert not any(rendered)


def test_a_scoped_token_sees_only_its_streets_payslips(demo_gql):
    street = demo_gql.data("{ streets(first: 1) { nodes { code } } }")["streets"]["nodes"][0]["code"]
    with connection():
        token = create_token("hr", Role.HR, [street]).token
    query = '{ payslips(period: "2026-03", first: 100) { nodes { id street { code } worker { code } } } }'
    served, ordinary, rendered = _both(demo_gql.as_(token), query)
    assert served == ordinary and rendered == [True]
    codes = {node["street"]["code"] for node in served["data"]["payslips"]["nodes"]}
    assert codes == {street}


def test_a_rendered_page_is_one_statement_whatever_its_size(demo_gql):
    query = """query($n: Int) { payslips(period: "2026-03", first: $n) { nodes { net
        worker { name community { name street { name } } } community { code } street { code } } } }"""
    demo_gql.data("{ me { name } }")  # the token's first use is recorded; not part of the page
    counts = {}
    for size in (10, 100):
        with counting_statements() as counter:
            served, _, rendered = _both(demo_gql, query, {"n": size})
        assert len(served["data"]["payslips"]["nodes"]) == size and rendered == [True]
        counts[size] = counter.count
    # The rendered page is one statement; the same page built in Python is the
    # page and one per relation and level (workers, their communities and
    # streets, the payslips' communities and streets).
    assert counts == {10: 1 + 6, 100: 1 + 6}


# The database is only read: one for all the examples.
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(fen=st.one_of(st.integers(-10**15, 10**15), st.sampled_from([0, 1, -1, 9, -9, 10, 99, -99, 100, -100, 101,
                                                                      -101, 123456, -123456])))
def test_money_is_formatted_in_sql_as_format_fen(database_url, fen):
    with connection() as db:
        sqlite = is_sqlite(db)
        value = "?" if sqlite else "%s::bigint"
        expression = sqlrender.money_sql('"v"."x"', sqlite)
        (text,) = db.execute_sql(f'SELECT {expression} FROM (SELECT {value} AS x) AS "v"', (fen,)).fetchone()
    assert text == format_fen(fen)


def test_callers_outside_http_get_the_objects(demo_gql):
    # Over HTTP the rendered JSON goes into the response as it is (orjson
    # fragments); a caller executing the schema itself gets plain objects.
    import asyncio

    from api.access.principal import DEV_ADMIN
    from api.graphql.core.context import Context
    from api.graphql.core.loaders import Loaders
    from api.schema import schema

    query = RENDERED[0]
    served = demo_gql.data(query)
    context = Context(request=None, response=None, principal_or_none=DEV_ADMIN, loaders=Loaders(DEV_ADMIN))
    result = asyncio.run(schema.execute(query, context_value=context))
    assert result.errors is None
    assert result.data == served
    assert type(result.data["payslips"]["nodes"]) is list and len(result.data["payslips"]["nodes"]) == 100
