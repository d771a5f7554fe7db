"""Bounded uploads (issue 12): the hostile files of the issue — an .xlsx holding
one giant cell, an .xlsx of millions of rows, a CSV of a million rows — are
refused while they are read, with a message naming the limit and its value,
and nothing is written.  The files are built at a smaller scale against
smaller caps (the same shapes; bench/uploads.py runs the issue's sizes)."""

from __future__ import annotations

import io
import re
import zipfile

import pytest

from api.access.principal import SYSTEM
from api.db.database import connection
from api.db.models import AuditEntry, Worker
from api.services.imports import importers
from api.settings import ImportLimits, Settings

from .. import hostile_files as hostile
from .conftest import GraphQLClient
from .uploads import IMPORT_WORKERS, csv_bytes, payload

SMALL = ImportLimits(max_rows=1_000, max_columns=30, max_cell_chars=200, max_file_bytes=2_000_000,
                     max_xlsx_bytes=20_000_000, max_ratio=100)


@pytest.fixture
def settings(database_url) -> Settings:
    """The service with small import caps (the other fixtures build on this one)."""
    return Settings(database_url=database_url, import_limits=SMALL)


@pytest.fixture
def community(gql: GraphQLClient) -> str:
    from ..conftest import EXAMPLE_POLICY
    from .conftest import CREATE_COMMUNITY, IMPORT_POLICY

    gql.mutate(IMPORT_POLICY, {"document": EXAMPLE_POLICY.read_text(encoding="utf-8")})
    streets = gql.data("{ streets(first: 5) { nodes { id code } } }")["streets"]["nodes"]
    street = next(s["id"] for s in streets if s["code"] == "S1")
    gql.mutate(CREATE_COMMUNITY, {"input": {"code": "C001", "name": "红星社区", "streetId": street}})
    return "C001"


def nothing_written() -> bool:
    with connection():
        return Worker.select().count() == 0 and not AuditEntry.select().where(AuditEntry.operation == "importWorkers") \
            .exists()


def refusal(gql: GraphQLClient, content: bytes, name: str) -> str:
    """Upload a file that must be refused by a limit: the message (after checking the rest of the answer)."""
    result = payload(gql, IMPORT_WORKERS, content, name)
    report = result["report"]
    assert [p["code"] for p in report["problems"]] == ["LIMIT_EXCEEDED"]
    message = report["problems"][0]["message"]
    assert result["errors"] == [{"field": "file", "code": "INVALID", "message": message}]
    assert (report["written"], report["totalRows"], report["created"]) == (False, 0, 0)
    zh, en = re.split(r"(?<=）)/ | / ", message, maxsplit=1)
    assert report["summary"] == f"文件被拒绝，未写入任何数据：{zh} / file rejected, nothing written: {en}"
    assert nothing_written()
    return message


def sheet_part(content: bytes) -> zipfile.ZipInfo:
    return zipfile.ZipFile(io.BytesIO(content)).getinfo("xl/worksheets/sheet1.xml")


def test_an_xlsx_whose_one_cell_unzips_beyond_the_size_limit(gql, community):
    # The file: 412 KB holding a 400 MB cell; here 25 MB in 25 KB, over a 20 MB limit.
    content = hostile.to_bytes(lambda f: hostile.giant_cell_xlsx(f, 25_000_000))
    assert len(content) < 30_000
    total = sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(content)).infolist())
    assert refusal(gql, content, "giant-cell.xlsx") == (
        f"该 .xlsx 文件解压后 {total:,} 字节，超过 20,000,000 字节的上限（PAYROLL_IMPORT_MAX_XLSX_BYTES）/ the .xlsx "
        f"file unzips to {total:,} bytes, above the limit of 20,000,000 bytes (PAYROLL_IMPORT_MAX_XLSX_BYTES)")


def test_an_xlsx_whose_one_cell_unzips_a_thousand_times_larger(gql, community):
    content = hostile.to_bytes(lambda f: hostile.giant_cell_xlsx(f, 5_000_000))
    part = sheet_part(content)
    ratio = part.file_size / part.compress_size
    assert ratio > 900
    assert refusal(gql, content, "giant-cell.xlsx") == (
        f"该 .xlsx 文件的 xl/worksheets/sheet1.xml 解压后是压缩时的 {ratio:,.0f} 倍，超过 100 倍的上限（PAYROLL_IMPORT_MAX_RATIO）"
        f"/ the part xl/worksheets/sheet1.xml of the .xlsx file unzips {ratio:,.0f} times larger than it is zipped, "
        "above the limit of 100 (PAYROLL_IMPORT_MAX_RATIO)")


def test_an_xlsx_cell_longer_than_a_cell_may_be_is_refused_before_openpyxl_reads_it(gql, community):
    import random

    letters = random.Random(3)
    noise = "".join(letters.choice("甲乙丙丁戊己庚辛壬癸ABCDEFGHIJ0123456789") for _ in range(50_000)).encode()
    sheet = (b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
             b'2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>' + noise + b"</t></is></c></row>"
             b"</sheetData></worksheet>")
    content = hostile.to_bytes(lambda f: hostile.sheet_xlsx(f, sheet))
    assert sheet_part(content).file_size / sheet_part(content).compress_size < 5  # not a zip bomb: a long text
    assert refusal(gql, content, "long-cell.xlsx") == (
        "文件中有单元格超过 200 个字符的上限（PAYROLL_IMPORT_MAX_CELL_CHARS）/ the file has a cell longer than 200 "
        "characters, the limit (PAYROLL_IMPORT_MAX_CELL_CHARS)")


def test_an_xlsx_of_more_rows_than_allowed(gql, community):
    # The file: 3 million rows in 901 KB (88 times smaller zipped: under the ratio limit).
    content = hostile.to_bytes(lambda f: hostile.many_rows_xlsx(f, 30_000))
    assert sheet_part(content).file_size / sheet_part(content).compress_size < 100
    assert refusal(gql, content, "many-rows.xlsx") == (
        "文件超过 1,000 行的上限（PAYROLL_IMPORT_MAX_ROWS），请分成几个文件导入 / the file has more than 1,000 rows, the "
        "limit (PAYROLL_IMPORT_MAX_ROWS): split it into several files")


def test_a_csv_of_more_rows_than_allowed(gql, community):
    # The file: 1.2 million rows in 43 MB.
    content = hostile.to_bytes(lambda f: hostile.many_rows_csv(f, 12_000))
    assert refusal(gql, content, "many-rows.csv") == (
        "文件超过 1,000 行的上限（PAYROLL_IMPORT_MAX_ROWS），请分成几个文件导入 / the file has more than 1,000 rows, the "
        "limit (PAYROLL_IMPORT_MAX_ROWS): split it into several files")


def test_a_csv_larger_than_allowed(gql, community):
    content = hostile.to_bytes(lambda f: hostile.legitimate_workers_csv(f, 900, 1, remark_chars=700))
    assert len(content) > 2_000_000
    assert refusal(gql, content, "big.csv") == (
        f"文件大小 {len(content):,} 字节，超过 2,000,000 字节的上限（PAYROLL_IMPORT_MAX_FILE_BYTES）/ the file is "
        f"{len(content):,} bytes, above the limit of 2,000,000 bytes (PAYROLL_IMPORT_MAX_FILE_BYTES)")


def test_a_csv_cell_or_row_over_the_limits(gql, community):
    long_name = csv_bytes("工号,姓名,社区代码,岗位,参加工作时间", "W1," + "张" * 201 + ",C01,STAFF,2020-01-01")
    assert refusal(gql, long_name, "long.csv") == (
        "第 2 行有单元格超过 200 个字符的上限（PAYROLL_IMPORT_MAX_CELL_CHARS）/ row 2 has a cell longer than 200 "
        "characters, the limit (PAYROLL_IMPORT_MAX_CELL_CHARS)")
    wide = csv_bytes("工号,姓名,社区代码,岗位,参加工作时间", "W1,张敏,C01,STAFF,2020-01-01" + ",x" * 26)
    assert refusal(gql, wide, "wide.csv") == (
        "第 2 行超过每行 30 个单元格的上限（PAYROLL_IMPORT_MAX_COLUMNS）/ row 2 has more than 30 cells, the limit "
        "(PAYROLL_IMPORT_MAX_COLUMNS)")


def test_an_xlsx_row_too_wide_or_declaring_false_dimensions(gql, community):
    head = (b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
            b'2006/main"><dimension ref="A1:XFD1048576"/><sheetData>'
            b'<row r="1"><c r="A1" t="inlineStr"><is><t>\xe5\xb7\xa5\xe5\x8f\xb7</t></is></c>'
            b'<c r="B1" t="inlineStr"><is><t>\xe5\xa7\x93\xe5\x90\x8d</t></is></c></row>')
    # A false dimension ("every row is 16,384 cells wide") pads nothing: the file is read as it is.
    fine = head + (b'<row r="2"><c r="A2" t="inlineStr"><is><t>W1</t></is></c><c r="B2" t="inlineStr"><is><t>'
                   b'\xe5\xbc\xa0\xe6\x95\x8f</t></is></c></row></sheetData></worksheet>')
    report = payload(gql, IMPORT_WORKERS, hostile.to_bytes(lambda f: hostile.sheet_xlsx(f, fine)), "dims.xlsx",
                     dryRun=True)["report"]
    assert (report["totalRows"], report["columns"]) == (1, [{"heading": "工号", "field": "code"},
                                                           {"heading": "姓名", "field": "name"}])
    # Row 2 was read as written (its fields are checked as usual: this one lacks several).
    assert [(p["row"], p["column"]) for p in report["problems"]] == [(2, "社区代码"), (2, "岗位"), (2, "参加工作时间")]
    # A cell far to the right makes its row as wide as the sheet: refused.
    wide = head + b'<row r="2"><c r="XFD2"><v>1</v></c></row></sheetData></worksheet>'
    assert refusal(gql, hostile.to_bytes(lambda f: hostile.sheet_xlsx(f, wide)), "wide.xlsx") == (
        "第 2 行超过每行 30 个单元格的上限（PAYROLL_IMPORT_MAX_COLUMNS）/ row 2 has more than 30 cells, the limit "
        "(PAYROLL_IMPORT_MAX_COLUMNS)")


def test_an_xlsx_with_a_dtd_is_not_read(gql, community):
    sheet = (b'<?xml version="1.0"?><!DOCTYPE lol [<!ENTITY a "aaaaaaaaaa">]><worksheet xmlns="http://schemas.'
             b'openxmlformats.org/spreadsheetml/2006/main"><sheetData/></worksheet>')
    result = payload(gql, IMPORT_WORKERS, hostile.to_bytes(lambda f: hostile.sheet_xlsx(f, sheet)), "dtd.xlsx")
    assert result["errors"] == [{"field": "file", "code": "INVALID", "message":
                                 "该 .xlsx 文件的 xl/worksheets/sheet1.xml 含有 DTD，不予读取 / the part "
                                 "xl/worksheets/sheet1.xml of the .xlsx file holds a DTD, which a workbook never needs: "
                                 "it is not read"}]
    assert nothing_written()


def test_an_import_stops_and_writes_nothing_when_its_client_goes_away(database_url, gql, community):
    """The cancel check is asked every few hundred rows; once it says the
    client has gone, the import stops where it is and rolls back."""
    content = hostile.to_bytes(lambda f: hostile.legitimate_workers_csv(f, 5_000, 1, remark_chars=10))
    asked = []

    def cancelled() -> bool:
        asked.append(True)
        return len(asked) > 12

    with connection():
        report = importers.import_workers(SYSTEM, content, "roster.csv", cancelled=cancelled)
    assert len(asked) == 13
    assert [(p.code, p.message) for p in report.problems] == [
        ("CANCELLED", "客户端已断开，导入已停止，未写入任何数据 / the client went away: the import stopped and wrote nothing")]
    assert (report.written, report.rows) == (False, [])
    assert nothing_written()
    # Asked all along: without the client going, the same file is imported whole.
    asked.clear()
    with connection():
        assert importers.import_workers(SYSTEM, content, "roster.csv", cancelled=lambda: bool(asked.append(1))).created \
            == 5_000
    assert len(asked) > 13


def test_a_live_service_stops_an_import_when_the_client_disconnects(tmp_path):
    """uvicorn, a real socket: the whole file is sent, the client waits until
    the import is under way and hangs up; the service stops it (and says so
    in its log) and writes nothing."""
    import json
    import socket
    import time
    import urllib.request
    from urllib.parse import urlparse

    from ..live_service import running_service

    content = hostile.to_bytes(lambda f: hostile.legitimate_workers_csv(f, 20_000, 1, remark_chars=10))
    with running_service(tmp_path, demo=True) as service:
        token = service.create_token("--role", "ADMIN", "--name", "importer")
        boundary = "----payroll-test-boundary"
        operations = json.dumps({"query": IMPORT_WORKERS, "variables": {"input": {"file": None}}})
        body = b"".join([
            f'--{boundary}\r\nContent-Disposition: form-data; name="operations"\r\n\r\n{operations}\r\n'.encode(),
            f'--{boundary}\r\nContent-Disposition: form-data; name="map"\r\n\r\n{{"0": ["variables.input.file"]}}\r\n'
            .encode(),
            f'--{boundary}\r\nContent-Disposition: form-data; name="0"; filename="roster.csv"\r\n'
            "Content-Type: text/csv\r\n\r\n".encode(), content, f"\r\n--{boundary}--\r\n".encode(),
        ])
        address = urlparse(service.url)
        head = (f"POST /graphql HTTP/1.1\r\nHost: {address.netloc}\r\nAuthorization: Bearer {token}\r\n"
                f"Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {len(body)}\r\n\r\n")
        with socket.create_connection((address.hostname, address.port)) as connection_:
            connection_.sendall(head.encode() + body)
            time.sleep(1.5)  # the file is received and the import is reading it
        log = tmp_path / "serve.log"
        deadline = time.monotonic() + 20
        while "import of roster.csv stopped: the client went away" not in log.read_text(errors="replace"):
            assert time.monotonic() < deadline, log.read_text(errors="replace")[-3000:]
            time.sleep(0.2)
        request = urllib.request.Request(
            service.url + "/graphql", data=json.dumps({"query": '{ workers(where: {search: "L0"}) { totalCount } }'})
            .encode(), headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(request, timeout=30) as response:
            assert json.load(response) == {"data": {"workers": {"totalCount": 0}}}
