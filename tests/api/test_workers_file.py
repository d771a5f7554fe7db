"""The workers file (工作者名册, issue 12): exported with the import's headings
and each worker's version, it imports again unchanged; a row whose worker
was changed since the export is refused as CONFLICT and nothing is written; a
file without the version column says plainly that it overwrites."""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook, load_workbook

from api.db.database import connection
from api.db.models import AuditEntry, Worker

from .conftest import City, GraphQLClient, Tokens
from .test_exports import get
from .test_records import UPDATE_WORKER
from .uploads import IMPORT_WORKERS, csv_bytes, payload

HEADINGS = ["工号", "姓名", "身份证号", "社区代码", "岗位", "参加工作时间", "离职日期", "认定工作年限", "学历", "证书", "证书登记日期",
            "不称职年数", "专项附加扣除", "套改前月工资", "期初截至月份", "期初已计税月数", "期初累计收入", "期初累计扣除", "期初已预扣税额",
            "期初绩效预留", "手机", "开户行", "银行账号", "版本"]
VALID_ID = "11010519491231002X"


def sheet_rows(content: bytes) -> list[list]:
    return [list(r) for r in load_workbook(io.BytesIO(content))["工作者名册"].iter_rows(values_only=True)]


def xlsx(rows: list[list]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def version_of(gql: GraphQLClient, worker_id: str) -> int:
    return gql.data('query($id: ID!) { worker(id: $id) { version } }', {"id": worker_id})["worker"]["version"]


def test_the_exported_file_imports_again_unchanged(client, gql: GraphQLClient, city: City, tokens: Tokens):
    gql.mutate(UPDATE_WORKER, {"input": {"id": city.workers["W001"], "version": 1, "idNumber": VALID_ID,
                                         "phone": "13800138000", "bankName": "中国工商银行",
                                         "bankAccount": "6228480012345678901"}})
    response = get(client, f"/exports/workers.xlsx?streetId={city.streets['S1']}", tokens.hr)
    assert response.status_code == 200
    assert response.headers["content-disposition"] == 'attachment; filename="workers-street1.xlsx"'
    rows = sheet_rows(response.content)
    assert rows[0] == HEADINGS
    w001 = dict(zip(HEADINGS, rows[1]))
    assert {k: w001[k] for k in ("工号", "姓名", "身份证号", "社区代码", "岗位", "参加工作时间", "学历", "证书", "手机", "开户行",
                                 "银行账号", "版本")} == {
        "工号": "W001", "姓名": "张敏", "身份证号": VALID_ID, "社区代码": "C01", "岗位": "CHIEF", "参加工作时间": "2012-03-01",
        "学历": "本科", "证书": "社会工作师", "手机": "13800138000", "开户行": "中国工商银行",
        "银行账号": "6228480012345678901", "版本": 2}
    # W001..W006 are in 颍川街道 (S1); the file holds the street's workers only.
    assert [r[0] for r in rows[1:]] == ["W001", "W002", "W003", "W004", "W005", "W006"]
    report = payload(gql.as_(tokens.hr), IMPORT_WORKERS, response.content, "名册.xlsx", assessmentYear=2026)["report"]
    assert (report["unchanged"], report["updated"], report["created"], report["refused"]) == (6, 0, 0, 0)
    assert report["warnings"] == []
    # The CSV says the same (as text Excel opens: UTF-8 with a BOM).
    text = get(client, f"/exports/workers.csv?streetId={city.streets['S1']}", tokens.hr).content
    assert text.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(text.decode("utf-8-sig"))))
    assert lines[0] == HEADINGS and lines[1][:4] == ["W001", "张敏", VALID_ID, "C01"] and lines[1][-1] == "2"
    again = payload(gql.as_(tokens.hr), IMPORT_WORKERS, text, "名册.csv", assessmentYear=2026)["report"]
    assert (again["unchanged"], again["refused"]) == (6, 0)


def test_a_row_changed_by_someone_else_since_the_export_is_a_conflict(client, gql: GraphQLClient, city: City,
                                                                     tokens: Tokens):
    """The issue's case: HR exports (W003 at version 2), an ADMIN changes W003
    (version 3), HR imports its file — the row would undo the ADMIN's change."""
    gql.mutate(UPDATE_WORKER, {"input": {"id": city.workers["W003"], "version": 1, "phone": "13900000001"}})
    exported = sheet_rows(get(client, f"/exports/workers.xlsx?streetId={city.streets['S1']}", tokens.hr).content)
    assert dict(zip(HEADINGS, exported[3]))["版本"] == 2
    gql.mutate(UPDATE_WORKER, {"input": {"id": city.workers["W003"], "version": 2, "bankAccount": "6217000011112222"}})
    assert version_of(gql, city.workers["W003"]) == 3
    # HR edits another worker's phone in its copy and imports the whole file.
    exported[1][HEADINGS.index("手机")] = "13700000000"
    with connection():
        audit_before = AuditEntry.select().count()
    result = payload(gql.as_(tokens.hr), IMPORT_WORKERS, xlsx(exported), "名册.xlsx", assessmentYear=2026)
    report = result["report"]
    assert report["problems"] == [{
        "row": 4, "column": "版本", "code": "CONFLICT",
        "message": "工作者 W003 已被他人修改（现为第 3 版，文件中为第 2 版），此行未导入；请重新导出后再改 / worker W003 was "
                   "changed by someone else (now version 3, the file has version 2): this row was not imported; "
                   "export the file again and redo the change"}]
    assert (report["written"], report["updated"], report["refused"]) == (False, 1, 1)
    assert result["errors"][0]["code"] == "INVALID"
    # Nothing written: the ADMIN's account stays, HR's phone edit is not applied either.
    w = gql.data('query($id: ID!) { worker(id: $id) { bankAccount version } }', {"id": city.workers["W003"]})["worker"]
    assert w == {"bankAccount": "6217000011112222", "version": 3}
    assert gql.data('query($id: ID!) { worker(id: $id) { phone } }', {"id": city.workers["W001"]})["worker"] == {
        "phone": None}
    with connection():
        assert AuditEntry.select().count() == audit_before
    # A row that changes nothing is no conflict, even with an old version.
    exported[1][HEADINGS.index("手机")] = None
    exported[3][HEADINGS.index("银行账号")] = "6217000011112222"
    exported[3][HEADINGS.index("手机")] = "13900000001"
    report = payload(gql.as_(tokens.hr), IMPORT_WORKERS, xlsx(exported), "名册.xlsx", assessmentYear=2026)["report"]
    assert (report["unchanged"], report["refused"], report["problems"]) == (6, 0, [])


def test_a_file_without_versions_says_plainly_that_it_overwrites(gql: GraphQLClient, city: City):
    content = csv_bytes("工号,手机", "W001,13912345678", "W002,")
    report = payload(gql, IMPORT_WORKERS, content, "phones.csv")["report"]
    assert report["updated"] == 1 and report["written"] is True
    assert report["warnings"] == [{
        "row": None, "column": "版本", "code": "OVERWRITES",
        "message": "文件没有“版本”列：更新的行会覆盖他人在导出之后所做的修改；请用导出的工作者名册（带版本列）/ the file has no "
                   "版本 (version) column: the rows that update workers overwrite whatever others changed since the "
                   "file was made; import the exported workers file (with its version column) to have such rows "
                   "refused"}]
    # Nothing to update, nothing to warn about.
    assert payload(gql, IMPORT_WORKERS, content, "phones.csv")["report"]["warnings"] == []


def test_the_workers_file_follows_the_scope_and_masks_personal_data(client, gql: GraphQLClient, city: City,
                                                                   tokens: Tokens):
    gql.mutate(UPDATE_WORKER, {"input": {"id": city.workers["W001"], "version": 1, "idNumber": VALID_ID,
                                         "bankAccount": "6228480012345678901"}})
    # Another street's HR token: the street is not found (the same as a missing one); its own file is empty.
    outside = get(client, f"/exports/workers.xlsx?streetId={city.streets['S1']}", tokens.hr_other)
    missing = get(client, "/exports/workers.xlsx?streetId=Street:99", tokens.hr_other)
    assert outside.status_code == missing.status_code == 404
    assert outside.json()["errors"][0]["message"] == f"scope.streetId：街道 {city.streets['S1'].split(':')[1]} 不存在 / " \
                                                     f"scope.streetId: street 1 does not exist"
    assert sheet_rows(get(client, "/exports/workers.xlsx", tokens.hr_other).content) == [HEADINGS]
    viewer = get(client, "/exports/workers.csv", tokens.viewer)
    assert viewer.headers["content-disposition"] == 'attachment; filename="workers-masked.csv"'
    w001 = dict(zip(HEADINGS, list(csv.reader(io.StringIO(viewer.content.decode("utf-8-sig"))))[1]))
    assert (w001["身份证号"], w001["银行账号"]) == ("1101**************", "***************8901")
    assert get(client, "/exports/workers.csv", None).status_code == 401
    links = gql.data('{ streets(first: 1) { nodes { workersFile communities(first: 1) { nodes { workersFile } } } } }')
    street = links["streets"]["nodes"][0]
    assert street["workersFile"] == "/exports/workers.xlsx?streetId=Street%3A1"
    assert street["communities"]["nodes"][0]["workersFile"] == "/exports/workers.xlsx?communityId=Community%3A1"
    assert get(client, street["workersFile"], tokens.hr).status_code == 200


def test_the_command_line_exports_the_same_file(client, gql: GraphQLClient, city: City, tokens: Tokens, tmp_path,
                                                capsysbinary, database_url, monkeypatch):
    from api.cli import main

    monkeypatch.setenv("DATABASE_URL", database_url)
    path = tmp_path / "名册.xlsx"
    assert main(["export", "workers", "--street", "S1", "--output", str(path)]) == 0
    assert "已写入工作者名册：" in capsysbinary.readouterr().err.decode()
    assert path.read_bytes() == get(client, f"/exports/workers.xlsx?streetId={city.streets['S1']}", tokens.admin).content
    assert main(["export", "workers", "--community", "C03"]) == 0
    out = capsysbinary.readouterr().out.decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(out))) == [HEADINGS]  # 寨子社区 has no workers
    with connection():
        assert Worker.select().count() == 6
