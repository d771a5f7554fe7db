"""Uploading files to GraphQL import mutations (the multipart request protocol)."""

from __future__ import annotations

import json
from pathlib import Path

from .conftest import GraphQLClient

IMPORTS = Path(__file__).parents[1] / "data" / "imports"

REPORT = """report {
  kind fileName format sheet headingRow dryRun errorPolicy written importId
  totalRows created updated unchanged refused summary
  columns { heading field }
  problems { row column code message }
  warnings { row column code message }
  rows { row key action changedColumns }
}
errors { field code message }"""


def mutation(field: str, input_type: str) -> str:
    return f"mutation($input: {input_type}!) {{ {field}(input: $input) {{ {REPORT} }} }}"


IMPORT_COMMUNITIES = mutation("importCommunities", "ImportCommunitiesInput")
IMPORT_WORKERS = mutation("importWorkers", "ImportWorkersInput")
IMPORT_ASSESSMENTS = mutation("importAssessments", "ImportAssessmentsInput")


def upload(gql: GraphQLClient, query: str, content: bytes | Path, name: str | None = None, **input_values) -> dict:
    """POST a multipart GraphQL request with one file as ``input.file``; the response body."""
    if isinstance(content, Path):
        name = name or content.name
        content = content.read_bytes()
    operations = {"query": query, "variables": {"input": {"file": None, **input_values}}}
    headers = {"Authorization": f"Bearer {gql.token}"} if gql.token else {}
    response = gql.http.post(
        "/graphql",
        data={"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.input.file"]})},
        files={"0": (name or "upload.csv", content, "application/octet-stream")},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    return response.json()


def payload(gql: GraphQLClient, query: str, content: bytes | Path, name: str | None = None, **input_values) -> dict:
    """The mutation's payload (report and errors); fails on a GraphQL error."""
    body = upload(gql, query, content, name, **input_values)
    assert "errors" not in body, body["errors"]
    return next(iter(body["data"].values()))


def csv_bytes(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode("utf-8")
