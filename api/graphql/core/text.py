"""Text the database can store: no NUL characters.

PostgreSQL refuses the NUL character (U+0000) in any text value, SQLite keeps
it; no name, code or number of ours can contain it.  A NUL in a document's
string literal fails validation (:class:`NoNulCharacters`, cached with the
document), one in the variables fails with the validation errors
(:mod:`.operations`); both say where it is, the same on either database, and
nothing runs."""

from __future__ import annotations

from typing import Any

from graphql import ArgumentNode, GraphQLError, ObjectFieldNode, StringValueNode, ValidationRule

from payroll.texts import Text

NUL = "\x00"
MESSAGE = Text("文字中不能有 NUL 字符（U+0000）", "text must not contain the NUL character (U+0000)")


class NoNulCharacters(ValidationRule):
    def enter_string_value(self, node: StringValueNode, _key: Any, parent: Any, _path: Any, ancestors: Any) -> None:
        if NUL not in node.value:
            return
        names = [a.name.value for a in [*ancestors, parent] if isinstance(a, (ArgumentNode, ObjectFieldNode))]
        where = ".".join(names)
        self.report_error(GraphQLError(str(MESSAGE.about(where)), node))


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

