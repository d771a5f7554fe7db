"""``api.schema:schema`` — the schema as ``strawberry export-schema`` and the
service load it (built in :mod:`api.graphql.schema`)."""

from api.graphql.schema import build_schema

schema = build_schema()
