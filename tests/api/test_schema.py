"""The schema contract: schema.graphql is the running schema, and every type,
field, argument and enum value is described, Chinese first."""

from __future__ import annotations

import re
from pathlib import Path

from graphql import GraphQLEnumType, GraphQLInputObjectType, GraphQLInterfaceType, GraphQLObjectType

from api.schema import schema

ROOT = Path(__file__).resolve().parents[2]
_CHINESE = re.compile(r"[\u4e00-\u9fff]")
_BUILT_IN = {"String", "Int", "Boolean", "ID", "Float"}


def test_schema_graphql_is_the_running_schema():
    checked_in = (ROOT / "schema.graphql").read_text(encoding="utf-8")
    assert checked_in == schema.as_str() + "\n", "schema.graphql is stale: run strawberry export-schema"


def undescribed() -> list[str]:
    def bilingual(text: str | None) -> bool:
        return bool(text) and bool(_CHINESE.search(text)) and bool(re.search(r"[A-Za-z]{3}", text))

    missing = []
    for name, graphql_type in schema._schema.type_map.items():
        if name.startswith("__") or name in _BUILT_IN:
            continue
        if not bilingual(graphql_type.description):
            missing.append(f"type {name}")
        if isinstance(graphql_type, (GraphQLObjectType, GraphQLInputObjectType, GraphQLInterfaceType)):
            for field_name, field in graphql_type.fields.items():
                if not bilingual(field.description):
                    missing.append(f"{name}.{field_name}")
                for argument_name, argument in getattr(field, "args", {}).items():
                    if not bilingual(argument.description):
                        missing.append(f"{name}.{field_name}({argument_name})")
        if isinstance(graphql_type, GraphQLEnumType):
            for value_name, value in graphql_type.values.items():
                if not bilingual(value.description):
                    missing.append(f"{name}.{value_name}")
    return missing


def test_everything_is_described_in_chinese_and_english():
    assert undescribed() == []
