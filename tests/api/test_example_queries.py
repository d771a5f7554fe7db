"""The example documents of docs/queries/ (shown as GraphiQL tabs) are valid
against schema.graphql and run against the demo city without errors."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from graphql import build_schema, parse, validate

from api.access.principal import Role
from api.db.database import connection
from api.http.graphiql import example_tabs
from api.services.demo import load_demo
from api.services.tokens import create_token

from .conftest import GraphQLClient

ROOT = Path(__file__).resolve().parents[2]
QUERIES = sorted((ROOT / "docs" / "queries").glob("*.graphql"))


def test_there_are_examples_for_hr_finance_and_frontends():
    names = [q.stem for q in QUERIES]
    assert any("hr-" in n for n in names) and any("finance-" in n for n in names) and any("frontend-" in n for n in names)
    assert len(example_tabs()) == len(QUERIES)


@pytest.mark.parametrize("path", QUERIES, ids=[q.stem for q in QUERIES])
def test_example_is_valid_against_schema_graphql(path):
    schema = build_schema((ROOT / "schema.graphql").read_text(encoding="utf-8"))
    assert validate(schema, parse(path.read_text(encoding="utf-8"))) == []


def run_examples(gql: GraphQLClient, paths: list[Path]) -> None:
    for path in paths:
        variables_file = path.with_suffix(".json")
        variables = json.loads(variables_file.read_text(encoding="utf-8")) if variables_file.exists() else {}
        data = gql.data(path.read_text(encoding="utf-8"), variables)
        for value in data.values():
            assert value, path.name
            if isinstance(value, dict) and "errors" in value:
                assert value["errors"] == [], path.name
            if isinstance(value, dict) and "nodes" in value:
                assert value["nodes"], f"{path.name}: found nothing"  # not an empty list for a scoped token


def test_examples_run_against_the_demo(client):
    with connection():
        load_demo(today=dt.date(2026, 11, 21))
        token = create_token("docs", Role.ADMIN).token
    run_examples(GraphQLClient(client, token), QUERIES)


def test_the_hr_and_finance_examples_run_with_the_guide_s_tokens(client):
    """Issue 13: with the HR token scoped to S01 that docs/hr-guide.md tells the
    reader to make, the HR tabs answered FORBIDDEN or nothing.  They run with
    it, and the finance tab with a FINANCE token."""
    with connection():
        load_demo(today=dt.date(2026, 11, 21))
        hr = create_token("颍川街道 张三", Role.HR, ["S01"]).token
        finance = create_token("财务科 李四", Role.FINANCE).token
    run_examples(GraphQLClient(client, hr), [q for q in QUERIES if "-hr-" in q.stem])
    run_examples(GraphQLClient(client, finance), [q for q in QUERIES if "-finance-" in q.stem])
