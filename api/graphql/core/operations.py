"""Preparing an operation once per document: parse, limits, validation.

Clients repeat the same few documents, so each distinct query text is parsed
and validated once and the result reused.  This one extension does what
strawberry's ``ParserCache``, ``ValidationCache``, ``MaxTokensLimiter`` and
``AddValidationRules`` do together, with two differences that matter at a few
hundred requests a second:

* validation results are looked up by the parsed document's identity (the
  parse cache returns the same document for the same text) — graphql-core's
  AST nodes are frozen dataclasses whose hash walks the whole tree on every
  lookup, about a hundred hash calls per request;
* one extension instead of four: strawberry enters every extension's hooks
  for every phase of every request.

It also refuses NUL characters in the variables (see :mod:`.text`); in string
literals the validation rule :class:`~.text.NoNulCharacters` does it.

Every error it reports carries ``extensions.code``, so that clients can branch
on it and the HTTP view can pick the status: ``GRAPHQL_PARSE_FAILED``,
``GRAPHQL_VALIDATION_FAILED``, ``LIMIT_EXCEEDED`` (tokens, and every error of
the limit rules: depth, aliases, cost) and ``BAD_USER_INPUT`` (variables that
do not fit their types).  A code an error already has is kept.  Messages
graphql-core and strawberry write in English get a Chinese sentence in front
(:mod:`.messages`), as every message HR staff read.
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from typing import Any, Iterator, Sequence

from graphql import ASTValidationRule, DocumentNode, ExecutionResult, GraphQLError, parse, validate
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

from api.graphql.core.messages import EnumChoices
from api.graphql.core.messages import chinese_first as chinese_first_message
from api.graphql.core.text import MESSAGE as NUL_MESSAGE
from api.graphql.core.text import nul_in_variables


def graphql_schema(schema: Any) -> Any:
    """The graphql-core schema a strawberry schema wraps, which validation
    needs.  Strawberry 0.341 offers no public accessor; its own validation
    extension (``strawberry.extensions.ValidationCache.on_validate``) reads this
    same attribute, so this is the one place here that does."""
    return schema._schema


PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
LIMIT_EXCEEDED = "LIMIT_EXCEEDED"
BAD_USER_INPUT = "BAD_USER_INPUT"


def with_code(error: GraphQLError, code: str, enum_choices: EnumChoices | None = None) -> GraphQLError:
    """The error with ``extensions.code`` set and its message Chinese first,
    unless it already has a code (errors of ours are both already)."""
    if error.extensions and "code" in error.extensions:
        return error
    return GraphQLError(chinese_first_message(error.message, code, enum_choices), error.nodes, error.source,
                        error.positions, error.path, error.original_error, {**(error.extensions or {}), "code": code})


def enum_choices_of(schema: Any) -> EnumChoices:
    """The values of an enum of the (strawberry) ``schema`` with their Chinese
    names — the first half of each value's description — for messages."""

    def choices(name: str) -> list[tuple[str, str]]:
        definition = schema.get_type_by_name(name)
        return [(v.name, (v.description or "").partition(" / ")[0]) for v in getattr(definition, "values", None) or ()]

    return choices


class _ValidationResults:
    """Validation errors by document identity, least recently used dropped.

    The limit rules run apart from the others so that their errors can be
    told apart: ``LIMIT_EXCEEDED``, the others ``GRAPHQL_VALIDATION_FAILED``."""

    def __init__(self, maxsize: int, limit_rules: tuple[type[ASTValidationRule], ...] = ()):
        self.maxsize = maxsize
        self.limit_rules = limit_rules
        self._entries: OrderedDict[int, tuple[DocumentNode, list[GraphQLError]]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, schema: Any, document: DocumentNode, rules: tuple[type[ASTValidationRule], ...],
            enum_choices: EnumChoices | None = None) -> list[GraphQLError]:
        key = id(document)
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry[0] is document:
                self._entries.move_to_end(key)
                return entry[1]
        errors = [with_code(e, VALIDATION_FAILED, enum_choices) for e in validate_document(schema, document, rules)]
        if self.limit_rules:
            errors += [with_code(e, LIMIT_EXCEEDED) for e in validate(schema, document, self.limit_rules)]
        with self._lock:
            # The document is kept with its errors, so its id is not reused meanwhile.
            self._entries[key] = (document, errors)
            while len(self._entries) > self.maxsize:
                self._entries.popitem(last=False)
        return errors


class PreparedOperations:
    """The caches and limits shared by every request of a schema.

    ``rules`` are validation rules added to GraphQL's own; the errors of
    ``limit_rules`` are reported as ``LIMIT_EXCEEDED``."""

    def __init__(self, rules: Sequence[type[ASTValidationRule]], max_tokens: int, maxsize: int = 256,
                 limit_rules: Sequence[type[ASTValidationRule]] = ()):
        self.rules = tuple(rules)
        self.max_tokens = max_tokens
        self.parse = functools.lru_cache(maxsize=maxsize)(parse)
        self.validation = _ValidationResults(maxsize, tuple(limit_rules))

    def extension(self) -> SchemaExtension:
        """The per-request extension (pass ``operations.extension`` to the schema)."""
        return PrepareOperation(self)


class PrepareOperation(SchemaExtension):
    def __init__(self, operations: PreparedOperations):
        self.operations = operations

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        context.validation_rules = context.validation_rules + self.operations.rules
        context.parse_options["max_tokens"] = self.operations.max_tokens
        yield

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        try:
            context.graphql_document = self.operations.parse(context.query, **context.parse_options)
        except GraphQLError as error:
            # graphql-core reports the token limit as a syntax error.
            too_long = f"Document contains more than {self.operations.max_tokens} tokens" in error.message
            raise with_code(error, LIMIT_EXCEEDED if too_long else PARSE_FAILED) from None
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        errors = self.operations.validation.get(graphql_schema(context.schema), context.graphql_document,
                                                context.validation_rules, enum_choices_of(context.schema))
        found = nul_in_variables(context.variables or {})
        if found is not None:
            error = GraphQLError(str(NUL_MESSAGE.about(found)), extensions={"code": BAD_USER_INPUT})
            errors = [*errors, error]  # a new list: the cached one is shared
        context.pre_execution_errors = errors
        yield

    def on_execute(self) -> Iterator[None]:
        yield
        # Variables that do not fit their types: graphql-core reports them
        # before running any field, with no data and no path.
        result = self.execution_context.result
        if isinstance(result, ExecutionResult) and result.data is None and result.errors:
            if all(e.path is None for e in result.errors):
                choices = enum_choices_of(self.execution_context.schema)
                result.errors[:] = [with_code(e, BAD_USER_INPUT, choices) for e in result.errors]
