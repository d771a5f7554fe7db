"""Every message HR staff may read is Chinese first, then English — checked
in the source (this module) and on the messages the running code gives
(``tests/api/test_user_messages_sweep.py``).

The static check reads every module of ``api/`` and ``payroll/`` and finds
each call that makes a user-facing message — the error classes HR staff see
(``UserError``, ``BadRequest``, ``InputError``'s ``FieldProblem`` …), import
report ``Problem``s, the policy reader's ``problem``, ``say`` and prints to
standard error on the command line — and every string it is given: a literal,
an f-string, a concatenation, both branches of a conditional, a name bound to
one in the same function, and what a message-building function returns.  Each
must have Chinese before any English word (:func:`tests.chinese.chinese_first`).
A message passed on from elsewhere (``str(exc)``) is not text here; the sweep
checks what it says at run time.
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path
from typing import Iterator

import pytest

from .chinese import CHINESE, chinese_first

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("api", "payroll")

#: Calls that make a message people read → the position of the message
#: argument (or arguments: the Chinese half and the English half) and its keyword.
MESSAGE_CALLS: dict[str, tuple[tuple[int, ...], str]] = {
    # api.errors: mutation user errors and GraphQL request errors
    "UserError": ((2,), "message"),
    "one": ((2,), "message"),  # UserErrors.one(field, code, message)
    "RequestError": ((0,), "message"),
    "BadRequest": ((0,), "message"),
    "Forbidden": ((0,), "message"),
    "NotFound": ((0,), "message"),
    "Unauthenticated": ((0,), "message"),
    "LimitExceeded": ((0,), "message"),
    "DatabaseBusy": ((0,), "message"),
    "GraphQLError": ((0,), "message"),
    # the HTTP layer
    "HTTPProblem": ((1,), "message"),
    "ExportError": ((2,), "message"),
    "error_body": ((0,), "message"),
    # imports
    "Problem": ((3,), "message"),
    "RowError": ((2,), "message"),
    "CellError": ((0,), "message"),
    "FileFormatError": ((0,), "message"),
    "IdNumberError": ((0,), "message"),
    # the engine: messages in two halves
    "FieldProblem": ((1,), "zh"),
    "Text": ((0,), "zh"),
    "UsageError": ((0,), "zh"),
    "say": ((0,), "zh"),
    "problem": ((1,), "zh"),  # the policy reader: problem(path, zh, en)
    "_BadValue": ((0,), "zh"),
    "EngineError": ((0,), "zh"),
    "NoVersionInForce": ((0,), "zh"),
    "MoneyFormatError": ((0,), "zh"),
    "RateRangeError": ((0,), "zh"),
    "PeriodFormatError": ((0,), "zh"),
    "SheetFull": ((0,), "zh"),
    "DatabaseUrlError": ((0,), "zh"),
    "field_text": ((1,), "zh"),
    "bilingual": ((0,), "zh"),
    "error_line": ((0,), "message"),
    "ArgumentTypeError": ((0,), "message"),
    "ValueError": ((0,), "message"),
    "Refused": ((0,), "message"),
}
#: Modules whose ValueErrors are messages people read (the others are programming errors).
VALUE_ERROR_MODULES = ("api/services/tokens.py", "api/services/demo.py", "api/db/database.py")
#: Functions that build a message and return it (module, function).
MESSAGE_BUILDERS = {
    ("api/services/lookups.py", "not_found"),
    ("api/graphql/core/ids.py", "_message"),
    ("api/services/imports/machinery.py", "summary"),
    ("api/cli/common.py", "argparse_message"),
    ("api/cli/common.py", "one_line"),
}


def _text_of(node: ast.AST) -> str | None:
    """A string node as text, with ``{}`` for what an f-string inserts."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _text_of(node.left), _text_of(node.right)
        if left is not None or right is not None:
            return (left or "{}") + (right or "{}")
    return None


def _strings(node: ast.AST, assigned: dict[str, list[ast.AST]]) -> Iterator[tuple[ast.AST, str]]:
    """Every message text ``node`` may be: both branches of a conditional,
    the values bound to a name in the same function."""
    if isinstance(node, ast.IfExp):
        yield from _strings(node.body, assigned)
        yield from _strings(node.orelse, assigned)
        return
    if isinstance(node, ast.Name):
        for value in assigned.get(node.id, ()):
            yield from _strings(value, assigned)
        return
    text = _text_of(node)
    if text is not None:
        yield node, text


def _call_name(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return None


def _is_stderr_print(call: ast.Call) -> bool:
    return _call_name(call) == "print" and any(
        k.arg == "file" and isinstance(k.value, ast.Attribute) and k.value.attr == "stderr" for k in call.keywords)


def _message_arguments(call: ast.Call, path: str) -> list[ast.AST]:
    name = _call_name(call)
    if _is_stderr_print(call):
        return call.args[:1]
    if name not in MESSAGE_CALLS or (name == "ValueError" and path not in VALUE_ERROR_MODULES):
        return []
    positions, keyword = MESSAGE_CALLS[name]
    found = [call.args[i] for i in positions if i < len(call.args)]
    found += [k.value for k in call.keywords if k.arg == keyword]
    return found


def _functions(tree: ast.Module) -> Iterator[ast.AST]:
    yield tree
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            yield node


def _assignments(function: ast.AST) -> dict[str, list[ast.AST]]:
    assigned: dict[str, list[ast.AST]] = {}
    for node in ast.walk(function):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    assigned.setdefault(target.id, []).append(node.value)
        elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
            assigned.setdefault(node.target.id, []).append(node.value)
    return assigned


def message_texts() -> list[tuple[str, int, str]]:
    """(file, line, text) of every user-facing message literal in api/ and payroll/."""
    return _scan(ROOT)


@functools.lru_cache(maxsize=4)
def _scan(root: Path) -> list[tuple[str, int, str]]:
    return list(_texts(root))


def _texts(root: Path) -> Iterator[tuple[str, int, str]]:
    for package in PACKAGES:
        for file in sorted((root / package).rglob("*.py")):
            path = file.relative_to(root).as_posix()
            if path.startswith("api/static/"):
                continue
            tree = ast.parse(file.read_text(encoding="utf-8"), filename=path)
            seen: set[int] = set()
            for function in _functions(tree):
                assigned = _assignments(function)
                calls = [n for n in ast.walk(function) if isinstance(n, ast.Call)]
                # JSON error bodies written by hand: {"message": …}
                bodies = [value for node in ast.walk(function) if isinstance(node, ast.Dict)
                          for key, value in zip(node.keys, node.values)
                          if isinstance(key, ast.Constant) and key.value == "message"]
                for argument in bodies:
                    for node, text in _strings(argument, assigned):
                        if id(node) not in seen:
                            seen.add(id(node))
                            yield path, node.lineno, text
                for call in calls:
                    for argument in _message_arguments(call, path):
                        for node, text in _strings(argument, assigned):
                            if id(node) not in seen:
                                seen.add(id(node))
                                yield path, node.lineno, text
                if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)) and \
                        (path, function.name) in MESSAGE_BUILDERS:
                    for node in ast.walk(function):
                        if isinstance(node, ast.Return) and node.value is not None:
                            for found, text in _strings(node.value, assigned):
                                if id(found) not in seen:
                                    seen.add(id(found))
                                    yield path, found.lineno, text


#: Texts that are not sentences: placeholders only, or a separator.
def _is_sentence(text: str) -> bool:
    return any(ch.isalpha() for ch in text.replace("{}", "")) or bool(CHINESE.search(text))


def offenders() -> list[str]:
    return [f"{path}:{line}: {text!r}" for path, line, text in message_texts()
            if _is_sentence(text) and not chinese_first(text)]


def test_the_scan_finds_the_messages():
    """The scan sees messages of every kind (else it would pass by finding none)."""
    texts = message_texts()
    files = {path for path, _, _ in texts}
    assert len(texts) > 300
    for file in ("api/services/records.py", "api/services/imports/importers.py", "api/cli/common.py",
                 "payroll/policy/reading.py", "payroll/workers.py", "api/http/graphql_view.py", "api/graphql/core/ids.py"):
        assert file in files


def test_every_message_literal_is_chinese_first():
    assert offenders() == []


@pytest.mark.parametrize("source,found", [
    ('raise BadRequest("no such worker")', True),
    ('raise BadRequest(f"工作者 {x} 不存在 / worker {x} does not exist")', False),
    ('errors.append(UserError("post", ErrorCode.INVALID, f"post {p!r} is not a post"))', True),
    ('raise UserErrors.one("id", code, "payroll run " + str(i) + " does not exist")', True),
    ('message = "the file is empty"\nreport.problems.append(Problem(None, None, "INVALID", message))', True),
    ('print(f"{PROG}: wrote {n} rows", file=sys.stderr)', True),
    ('raise EngineError("截止月份早于起始月份", "the period is before the start")', False),
    ('raise UsageError("--to is before --from" if late else "到期", "x")', True),
    ('return JSONResponse({"errors": [{"message": f"body limit: {n} bytes", "extensions": {}}]})', True),
])
def test_the_scan_catches_an_english_only_message(tmp_path, monkeypatch, source, found):
    """A planted English-only message is caught (and a Chinese-first one is not)."""
    package = tmp_path / "api"
    package.mkdir()
    (package / "planted.py").write_text(f"def planted():\n    {source.replace(chr(10), chr(10) + '    ')}\n",
                                        encoding="utf-8")
    (tmp_path / "payroll").mkdir()
    monkeypatch.setattr(__import__(__name__, fromlist=["ROOT"]), "ROOT", tmp_path)
    assert bool(offenders()) is found


if __name__ == "__main__":
    print("\n".join(offenders()))
