"""The migrated schema and the models agree: every model's table has exactly
the model's columns, with the same nullability, and its indexes (each
migration adds to the schema that the models describe as a whole)."""

from __future__ import annotations

from api.db.database import connection
from api.db.models import ALL_MODELS


def test_migrated_tables_have_the_models_columns(client):
    with connection() as db:
        for model in ALL_MODELS:
            table = model._meta.table_name
            columns = {c.name: c.null for c in db.get_columns(table)}
            expected = {f.column_name: f.null for f in model._meta.sorted_fields}
            # SQLite reports "INTEGER PRIMARY KEY" as nullable; the id is not.
            columns[model._meta.primary_key.column_name] = False
            assert columns == expected, table
            indexed = {tuple(index.columns) for index in db.get_indexes(table)}
            for field in model._meta.sorted_fields:
                if field.index or field.unique:
                    assert (field.column_name,) in indexed, (table, field.column_name)
