"""Text the database can store: no NUL characters.

PostgreSQL refuses the NUL character (U+0000) in any text value, SQLite keeps
it; no name, code or number of ours can contain it.  A NUL in a document's
string literal fails validation (:class:`NoNulCharacters`, cached with the
document), one in the variables fails with the validation errors
(:class:`RefuseNulVariables`); both say where it is, the same on either
database, and nothing runs."""

from __future__ import annotations

from typing import Any

from graphql import ArgumentNode, GraphQLError, ObjectFieldNode, StringValueNode, ValidationRule, validate
from strawberry.extensions import SchemaExtension

NUL = "\x00"
MESSAGE = "text must not contain the NUL character (U+0000)"


class NoNulCharacters(ValidationRule):
    def enter_string_value(self, node: StringValueNode, _key: Any, parent: Any, _path: Any, ancestors: Any) -> None:
        if NUL not in node.value:
            return
        names = [a.name.value for a in [*ancestors, parent] if isinstance(a, (ArgumentNode, ObjectFieldNode))]
        where = ".".join(names) or "a string"
        self.report_error(GraphQLError(f"{where}: {MESSAGE}", node))


def nul_in_variables(value: Any, path: str = "") -> str | None:
    """The path (``$input.code``) of the first string containing NUL, or None."""
    if isinstance(value, str):
        return path if NUL in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            found = nul_in_variables(item, f"{path}.{key}" if path else f"${key}")
            if found is not None:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = nul_in_variables(item, f"{path}[{index}]")
            if found is not None:
                return found
    return None


class RefuseNulVariables(SchemaExtension):
    """Adds an error for a NUL in the variables to the document's validation
    errors.  Listed after the validation cache, which fills them in first."""

    def on_validate(self):  # noqa: ANN201 - a strawberry hook
        context = self.execution_context
        found = nul_in_variables(context.variables or {})
        if found is not None:
            errors = context.pre_execution_errors
            if errors is None:  # no cache ran: validate here, strawberry skips it when errors are set
                errors = validate(context.schema._schema, context.graphql_document, context.validation_rules)
            error = GraphQLError(f"variables: {found}: {MESSAGE}", extensions={"code": "BAD_USER_INPUT"})
            context.pre_execution_errors = [*errors, error]  # a new list: the cached one is shared
        yield
