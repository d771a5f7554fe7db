"""Every GraphQL snippet in the documentation is valid against the schema, so
a guide never tells HR staff or integrators to type something that fails."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from graphql import parse, validate

from api.schema import schema

DOCS = Path(__file__).resolve().parents[2] / "docs"
FENCE = re.compile(r"```graphql\n(.*?)```", re.S)


def snippets() -> list[tuple[str, int, str]]:
    found = []
    for doc in sorted(DOCS.glob("*.md")):
        text = doc.read_text(encoding="utf-8")
        for match in FENCE.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            found.append((doc.name, line, match.group(1)))
    return found


def test_the_guides_have_graphql_snippets():
    names = {name for name, _, _ in snippets()}
    assert {"hr-guide.md", "finance-and-hr-files.md"} <= names


@pytest.mark.parametrize("doc,line,source", snippets(), ids=[f"{doc}:{line}" for doc, line, _ in snippets()])
def test_snippet_is_valid_against_the_schema(doc, line, source):
    errors = validate(schema._schema, parse(source))
    assert errors == [], f"{doc}:{line}: " + "; ".join(e.message for e in errors)
