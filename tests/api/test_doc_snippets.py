"""Every GraphQL snippet in the documentation is valid against the schema,
and the guides' examples — GraphQL and commands — run as written on the demo
city, so a guide never tells HR staff or integrators to type something that
fails."""

from __future__ import annotations

import datetime as dt
import re
import shlex
import shutil
from pathlib import Path
from typing import Iterator

import pytest
import yaml
from graphql import parse, validate

from api.access.principal import Role
from api.cli import main
from api.db.database import connection
from api.schema import schema
from api.services.demo import load_demo
from api.services.tokens import create_token

from ..conftest import EXAMPLE_POLICY, EXAMPLES

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


# --- the guides run as written ------------------------------------------------------------------

#: The guides whose every GraphQL example and command runs, in order, on a fresh demo city.
RUN_DOCS = ("docs/hr-guide.md", "docs/finance-and-hr-files.md", "docs/api.md", "README.md", "docs/province.md")
#: Guides written for the province demo (``community-payroll demo --jurisdictions 3``); the others, one city.
DEMO_JURISDICTIONS = {"docs/province.md": 3}
ROOT = DOCS.parent
#: A fenced block, with the comment before it that says which token runs it (``<!-- run as FINANCE -->``).
BLOCK = re.compile(r"(?:<!-- run as (?P<role>[A-Z]+) -->\n)?(?P<indent>[ \t]*)```(?P<lang>graphql|sh)\n(?P<body>.*?)\n"
                   r"(?P=indent)```", re.S)
#: Commands a guide shows that the test does not run: setting up Python, starting the
#: long-running server (the tests of the service do that), the test suite and benchmarks.
NOT_RUN = ("python", "python3", "pip", ". .venv", "community-payroll serve")
#: The demo city the guides are written for (``community-payroll demo`` in November 2026).
DEMO_DAY = dt.date(2026, 11, 21)


def runnable_blocks(doc: str) -> list[tuple[int, str, str | None, str]]:
    """(line, language, role, text) of the doc's graphql and sh blocks, in order."""
    text = (ROOT / doc).read_text(encoding="utf-8")
    blocks = []
    for match in BLOCK.finditer(text):
        indent = match.group("indent")
        body = "\n".join(line[len(indent):] if line.startswith(indent) else line
                         for line in match.group("body").split("\n"))
        blocks.append((text.count("\n", 0, match.start("indent")) + 1, match.group("lang"), match.group("role"), body))
    return blocks


def commands(body: str) -> list[str]:
    """The shell lines of a block (continuations joined)."""
    return [line for line in body.replace("\\\n", " ").split("\n") if line.strip() and not line.lstrip().startswith("#")]


def empty_lists(value, path: str = "") -> Iterator[str]:
    """Where an answer has an empty list (a search that found nobody), user errors aside."""
    if isinstance(value, list):
        if not value:
            yield path
        for i, item in enumerate(value):
            yield from empty_lists(item, f"{path}[{i}]")
    elif isinstance(value, dict):
        for key, item in value.items():
            if key != "errors":
                yield from empty_lists(item, f"{path}.{key}")


def prepare_files(folder: Path) -> None:
    """The files the guides tell the reader to bring: a roster update, the year's
    assessments, the policy document with next year's version, and the inputs
    of the engine commands (the shipped examples)."""
    from openpyxl import Workbook

    def workbook(name: str, rows: list[tuple]) -> None:
        book = Workbook()
        for row in rows:
            book.active.append(row)
        book.save(folder / name)

    workbook("人员.xlsx", [("工号", "姓名", "手机", "岗位", "学历"), ("W000001", "邓雪敏", "13900000001", "正职", "大专")])
    workbook("2026年度考核.xlsx", [("工号", "考核结果", "年度"), ("W000001", "优秀", 2026), ("W000002", "称职", 2026)])
    document = yaml.safe_load(EXAMPLE_POLICY.read_text(encoding="utf-8"))
    document["versions"].append(dict(document["versions"][-1], effective_from="2027-01-01",
                                     source="2026 年度城镇居民人均可支配收入", base_income_annual="41500.00"))
    (folder / "policy.yaml").write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    shutil.copy(EXAMPLE_POLICY, folder / "P.yaml")
    shutil.copy(EXAMPLES / "corrections" / "workers-corrected.csv", folder / "W.csv")
    shutil.copy(EXAMPLES / "corrections" / "paid-2026-01-to-03.csv", folder / "PAID.csv")
    shutil.copy(EXAMPLES / "communities.csv", folder / "C.csv")


class GuideSession:
    """One guide run on a fresh demo city: its tokens, its shell variables."""

    def __init__(self, doc: str, client, capsysbinary, folder: Path):
        self.doc, self.client, self.capture, self.folder = doc, client, capsysbinary, folder
        self.tokens: dict[str, list[str]] = {}
        self.variables: dict[str, str] = {}
        self.ran = 0

    def token(self, role: str | None) -> str:
        if role:
            return self.tokens[role][-1]
        for default in ("HR", "FINANCE", "ADMIN"):
            if self.tokens.get(default):
                return self.tokens[default][0]
        with connection():
            self.tokens["ADMIN"] = [create_token("guide", Role.ADMIN).token]
        return self.tokens["ADMIN"][0]

    def graphql(self, where: str, source: str, role: str | None) -> None:
        response = self.client.post("/graphql", json={"query": source},
                                    headers={"Authorization": f"Bearer {self.token(role)}"})
        body = response.json()
        assert response.status_code == 200 and "errors" not in body, f"{where}: {body}"
        for name, value in body["data"].items():
            assert value, f"{where}: {name} is empty: {body}"
            if isinstance(value, dict) and "errors" in value:
                assert value["errors"] == [], f"{where}: {value['errors']}"
            assert not list(empty_lists(value)), f"{where}: an empty answer at {list(empty_lists(value))}: {body}"
        self.ran += 1

    def shell(self, where: str, line: str) -> None:
        assign = re.fullmatch(r"(\w+)=\$\((.*)\)", line.strip())
        words = shlex.split(assign.group(2) if assign else line, comments=True)
        words = [self.variables.get(w[1:], w) if w.startswith("$") else w for w in words]
        redirect = None
        if ">" in words:
            words, redirect = words[:words.index(">")], words[words.index(">") + 1]
        if words[0] == "curl":
            out = self.curl(where, words[1:])
        else:
            assert words[0] == "community-payroll", f"{where}: {line}"
            out = self.community_payroll(where, words[1:])
        if assign:
            self.variables[assign.group(1)] = out.decode().strip()
        if redirect:
            (self.folder / redirect).write_bytes(out)
        self.ran += 1

    def community_payroll(self, where: str, args: list[str]) -> bytes:
        code = main(args)
        out, err = self.capture.readouterr()
        assert code == 0, f"{where}: {' '.join(args)}: {err.decode()}"
        output = next((args[i + 1] for i, a in enumerate(args[:-1]) if a in ("-o", "--output")), None)
        if output:
            assert (self.folder / output).stat().st_size > 0, f"{where}: {output} is empty"
        elif args[:1] != ["migrate"] and args[:2] != ["import", "workers"] and args[:1] != ["import"]:
            assert out or err, f"{where}: {' '.join(args)} said nothing"
        if args[:2] == ["token", "create"]:
            role = args[args.index("--role") + 1]
            self.tokens.setdefault(role, []).append(out.decode().strip())
            self.variables.setdefault("TOKEN", self.token(None))
        return out

    def curl(self, where: str, args: list[str]) -> bytes:
        headers, data, output, url = {}, None, None, None
        words = iter(args)
        for word in words:
            if word == "-H":
                name, _, value = next(words).partition(": ")
                headers[name] = value
            elif word == "-d":
                data = next(words)
            elif word == "-o":
                output = next(words)
            elif not word.startswith("-"):
                url = word
        path = url.split("127.0.0.1:8000", 1)[1]
        if "Authorization" in headers and headers["Authorization"] == "Bearer $TOKEN":
            headers["Authorization"] = f"Bearer {self.variables['TOKEN']}"
        response = (self.client.post(path, content=data, headers=headers) if data is not None
                    else self.client.get(path, headers=headers))
        assert response.status_code == 200, f"{where}: {response.text[:300]}"
        if data is not None:
            body = response.json()
            assert "errors" not in body and all(body["data"].values()), f"{where}: {body}"
        assert response.content, where
        if output:
            (self.folder / output).write_bytes(response.content)
        return response.content


def test_the_guides_have_examples_to_run():
    counts = {doc: len(runnable_blocks(doc)) for doc in RUN_DOCS}
    assert counts["docs/hr-guide.md"] >= 20 and counts["docs/finance-and-hr-files.md"] >= 6
    assert counts["docs/province.md"] >= 8
    assert all(counts.values()), counts


@pytest.mark.parametrize("doc", RUN_DOCS)
def test_the_guide_runs_as_written(doc, client, capsysbinary, database_url, monkeypatch, tmp_path):
    """Issue 13: the guide's examples (Worker:3, search "王芳") answered FORBIDDEN
    or nothing with the S01 token it tells the reader to make.  Every GraphQL
    example and command of the guide runs in order, on the demo city, with the
    tokens the guide creates (an example marked ``<!-- run as FINANCE -->`` with
    the FINANCE token; others with the first HR token); each must answer
    without errors and with something."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.chdir(tmp_path)
    with connection():
        load_demo(today=DEMO_DAY, jurisdictions=DEMO_JURISDICTIONS.get(doc, 1))
    prepare_files(tmp_path)
    session = GuideSession(doc, client, capsysbinary, tmp_path)
    for line, language, role, body in runnable_blocks(doc):
        where = f"{doc}:{line}"
        if language == "graphql":
            session.graphql(where, body, role)
            continue
        for command in commands(body):
            if not command.lstrip().startswith(NOT_RUN):
                session.shell(where, command)
    assert session.ran >= 3
