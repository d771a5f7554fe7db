"""Importing communities and workers through GraphQL uploads: Chinese headings,
files with realistic mistakes, both error policies, the dry run, re-imports,
matching by identity number, Excel's oddities, scope and the audit log."""

from __future__ import annotations

import datetime as dt
import io
import json

import openpyxl
import pytest

from api.db.database import connection
from api.db.models import AuditEntry, Street, Worker

from ..conftest import EXAMPLE_POLICY, EXAMPLES
from .conftest import IMPORT_POLICY, GraphQLClient
from .uploads import IMPORT_COMMUNITIES, IMPORT_WORKERS, IMPORTS, csv_bytes, payload, upload

WORKERS = """{ workers(first: 100) { totalCount nodes {
  code name idNumber birthDate sex phone bankName bankAccount post serviceStart serviceEnd priorServiceYears
  incompetentYearsBefore education certificate certificateDate specialDeductionMonthly previousMonthlyPay version
  community { code }
} } }"""


def workers(gql: GraphQLClient) -> dict[str, dict]:
    return {w["code"]: w for w in gql.data(WORKERS)["workers"]["nodes"]}


def audit_count() -> int:
    with connection():
        return AuditEntry.select().count()


@pytest.fixture
def communities(gql):
    """The example policy and the three communities, imported from a Chinese file."""
    gql.mutate(IMPORT_POLICY, {"document": EXAMPLE_POLICY.read_text(encoding="utf-8")})
    result = payload(gql, IMPORT_COMMUNITIES, IMPORTS / "communities-zh.csv")
    assert result["errors"] == []
    return result["report"]


# --- communities ---------------------------------------------------------------------------


def test_communities_with_chinese_headings_under_a_title_row(gql, communities):
    report = communities
    assert report["headingRow"] == 2  # row 1 is the sheet's title
    assert report["columns"] == [
        {"heading": "社区代码", "field": "code"}, {"heading": "社区名称", "field": "name"},
        {"heading": "所属街道", "field": "street"}, {"heading": "户数", "field": "households"},
        {"heading": "常住人口（人）", "field": "population"},
    ]
    assert (report["created"], report["updated"], report["unchanged"], report["refused"]) == (3, 0, 0, 0)
    assert report["written"] and report["warnings"] == [] and report["format"] == "CSV"
    rows = gql.data("{ communities(first: 10) { nodes { code name households population street { code } } } }")
    assert rows["communities"]["nodes"] == [
        {"code": "C01", "name": "红星社区", "households": 2600, "population": 7800, "street": {"code": "S1"}},
        # "4,100" (a number with a thousands separator, as text) and the street by its code.
        {"code": "C02", "name": "商贸社区", "households": 4100, "population": 12500, "street": {"code": "S1"}},
        {"code": "C03", "name": "寨子社区", "households": 1200, "population": 3500, "street": {"code": "S2"}},
    ]
    # The same file again changes nothing, audit log included.
    before = audit_count()
    again = payload(gql, IMPORT_COMMUNITIES, IMPORTS / "communities-zh.csv")["report"]
    assert (again["created"], again["updated"], again["unchanged"], again["written"]) == (0, 0, 3, False)
    assert audit_count() == before


def test_a_community_in_an_unknown_street_is_refused_and_no_street_is_created(gql, communities):
    content = csv_bytes("社区代码,社区名称,街道,户数,人口", "C04,新华社区,颖川街道,900,2700", "C01,红星社区,韩城街道,2600,7800",
                        ",无码社区,颍川街道,100,300")
    result = payload(gql, IMPORT_COMMUNITIES, content, "c.csv", errorPolicy="REJECT_FAILED_ROWS")
    report = result["report"]
    problem = report["problems"][0]
    assert (problem["row"], problem["column"], problem["code"]) == (2, "街道", "NOT_FOUND")
    assert problem["message"] == ("街道“颖川街道”不存在，请先新建街道 / street '颖川街道' does not exist (imports do not "
                                  "create streets; create it first with createStreet). Known: 韩城街道（S2）、颍川街道（S1）")
    # A blank code is refused by the API's own validation.
    assert report["problems"][1] == {"row": 4, "column": "社区代码", "code": "REQUIRED", "message": "code：必填 / code is required"}
    # The other row moves C01 to another street: an update naming the changed column.
    assert report["rows"][1] == {"row": 3, "key": "C01", "action": "UPDATED", "changedColumns": ["街道"]}
    assert result["errors"] == []  # rows were written, so the mutation did not fail
    with connection():
        assert Street.select().count() == 2


# --- workers: a file with mistakes ---------------------------------------------------------

EXPECTED_PROBLEMS = [
    (4, "身份证号", "INVALID", "“411081199001011359”校验位不符：最后一位应为 8，而不是 9 / '411081199001011359' fails its "
                              "checksum: the last character should be 8, not 9"),
    (5, "岗位", "INVALID", "“网格长”不是政策中的岗位（可填 CHIEF、DEPUTY、STAFF 或岗位名称，如 正职、副职） / '网格长' is not a "
                          "post of the policy (CHIEF, DEPUTY, STAFF, or a post's title)"),
    (6, "参加工作时间", "INVALID", "“2012-13-01”不是有效日期 / '2012-13-01' is not a valid date (month must be in 1..12)"),
    (7, "工号", "DUPLICATE", "工号 W106 在第 7、8 行重复出现，请只保留一行 / 工号 W106 appears in rows 7, 8: keep one"),
    (7, "身份证号", "DUPLICATE", "身份证号 411081198802284626 在第 7、8 行重复出现，请只保留一行 / 身份证号 "
                               "411081198802284626 appears in rows 7, 8: keep one"),
    (8, "工号", "DUPLICATE", "工号 W106 在第 7、8 行重复出现，请只保留一行 / 工号 W106 appears in rows 7, 8: keep one"),
    (8, "身份证号", "DUPLICATE", "身份证号 411081198802284626 在第 7、8 行重复出现，请只保留一行 / 身份证号 "
                               "411081198802284626 appears in rows 7, 8: keep one"),
    (9, "身份证号", "INVALID", "身份证号是科学计数法（4.11081E+17），后几位已丢失；请把该列设为“文本”格式后重新输入 / "
                             "身份证号 is in scientific notation (4.11081E+17): its last digits are lost; format the "
                             "column as Text and type it again"),
    (10, "学历", "INVALID", "“中学”不是可用的学历 / '中学' is not a known 学历: use one of 高中/中专及以下（SECONDARY）、"
                          "大专（JUNIOR_COLLEGE）、本科（BACHELOR）、硕士（MASTER）、博士（DOCTOR）"),
    (10, "社区代码", "NOT_FOUND", "社区 C09 不存在 / community C09 does not exist"),
    (11, "证书登记日期", "INVALID", "有证书 SOCIAL_WORKER 时必填 / is required for certificate SOCIAL_WORKER"),
]


def problems(report: dict) -> list[tuple]:
    return [(p["row"], p["column"], p["code"], p["message"]) for p in report["problems"]]


def test_a_file_with_mistakes_is_rejected_whole_and_each_mistake_named(gql, communities):
    before = audit_count()
    result = payload(gql, IMPORT_WORKERS, IMPORTS / "workers-with-errors.csv")
    report = result["report"]
    assert problems(report) == EXPECTED_PROBLEMS
    assert (report["created"], report["refused"], report["totalRows"]) == (2, 8, 10)
    assert [r["action"] for r in report["rows"]] == ["CREATED", "CREATED"] + ["REFUSED"] * 8
    assert report["written"] is False and report["importId"] is None
    assert result["errors"] == [{
        "field": "file", "code": "INVALID",
        "message": "文件被拒绝，未写入任何数据（新增 2，更新 0，未变 0，拒绝 8）；出错的行：4、5、6、7、7、8、8、9、10、10…（见 "
                   "report.problems） / file rejected, nothing written (2 created, 0 updated, 0 unchanged, 8 refused); "
                   "rows with errors: 4, 5, 6, 7, 7, 8, 8, 9, 10, 10… (see report.problems)",
    }]
    assert report["summary"] == ("文件被拒绝，未写入任何数据（新增 2，更新 0，未变 0，拒绝 8） / file rejected, nothing written "
                                 "(2 created, 0 updated, 0 unchanged, 8 refused)")
    # Nothing was written: no worker, no audit entry.
    assert gql.data(WORKERS)["workers"]["totalCount"] == 0
    assert audit_count() == before


def test_rejecting_only_the_failed_rows_writes_the_good_ones(gql, communities):
    result = payload(gql, IMPORT_WORKERS, IMPORTS / "workers-with-errors.csv", errorPolicy="REJECT_FAILED_ROWS")
    assert result["errors"] == []
    assert problems(result["report"]) == EXPECTED_PROBLEMS
    assert result["report"]["written"] is True
    stored = workers(gql)
    assert sorted(stored) == ["W101", "W102"]
    assert stored["W101"] == {
        "code": "W101", "name": "孙丽", "idNumber": "411081198003121230", "birthDate": "1980-03-12", "sex": "M",
        "phone": "13800138000", "bankName": "中国银行禹州支行", "bankAccount": "6228480012345678901",
        "post": "CHIEF",  # 正职, the policy's title
        "serviceStart": "2010-03-01", "serviceEnd": None, "priorServiceYears": 0, "incompetentYearsBefore": 0,
        "education": "BACHELOR", "certificate": "SOCIAL_WORKER", "certificateDate": "2018-06-20",
        "specialDeductionMonthly": "1000.00", "previousMonthlyPay": None, "version": 1, "community": {"code": "C01"},
    }
    w102 = stored["W102"]
    assert (w102["post"], w102["serviceStart"], w102["priorServiceYears"], w102["education"], w102["certificate"]) == (
        "DEPUTY", "2015-07-01", 2, "JUNIOR_COLLEGE", "NONE")
    assert (w102["sex"], w102["phone"], w102["bankAccount"]) == ("F", None, None)


def test_a_dry_run_reports_and_writes_nothing(gql, communities):
    before = audit_count()
    result = payload(gql, IMPORT_WORKERS, EXAMPLES / "workers.csv", dryRun=True, assessmentYear=2026)
    report = result["report"]
    assert result["errors"] == []
    assert (report["dryRun"], report["written"], report["created"], report["refused"]) == (True, False, 6, 0)
    assert report["summary"] == ("试运行，未写入：新增 6，更新 0，未变 0，拒绝 0 / dry run, nothing written: 6 created, "
                                 "0 updated, 0 unchanged, 0 refused")
    assert gql.data(WORKERS)["workers"]["totalCount"] == 0
    assert audit_count() == before
    # A dry run of a bad file says it would be rejected; the rows can be listed by outcome.
    query = """mutation($input: ImportWorkersInput!) { importWorkers(input: $input) {
      report { summary rows(actions: [CREATED]) { row key } } errors { field } } }"""
    bad = payload(gql, query, IMPORTS / "workers-with-errors.csv", dryRun=True)
    assert bad["report"]["summary"].startswith("文件将被拒绝，未写入任何数据（新增 2，")
    assert bad["report"]["rows"] == [{"row": 2, "key": "W101"}, {"row": 3, "key": "W102"}]
    assert bad["errors"] == [{"field": "file"}]
    # An assessment year out of range is refused before the file is read.
    far = payload(gql, IMPORT_WORKERS, EXAMPLES / "workers.csv", dryRun=True, assessmentYear=3026)
    assert far["errors"][0]["message"] == "年度 3026 超出范围（1990–2100）/ year 3026 is out of range (1990–2100)"


def test_reimporting_changes_nothing_and_a_partial_file_changes_only_its_columns(gql, communities):
    first = payload(gql, IMPORT_WORKERS, EXAMPLES / "workers.csv", assessmentYear=2026)["report"]
    assert (first["created"], first["written"]) == (6, True)
    stored = workers(gql)
    audit_before = audit_count()
    again = payload(gql, IMPORT_WORKERS, EXAMPLES / "workers.csv", assessmentYear=2026)["report"]
    assert (again["created"], again["updated"], again["unchanged"], again["written"]) == (0, 0, 6, False)
    assert workers(gql) == stored  # versions included
    assert audit_count() == audit_before
    # A file of just 工号, 手机 and 银行账号 updates those; a blank 手机 cell clears it.
    content = csv_bytes("工号,手机,银行账号", "W001,13912345678,6217 0000 1111 2222", "W002,,")
    report = payload(gql, IMPORT_WORKERS, content, "bank.csv")["report"]
    assert report["rows"] == [
        {"row": 2, "key": "W001", "action": "UPDATED", "changedColumns": ["手机", "银行账号"]},
        {"row": 3, "key": "W002", "action": "UNCHANGED", "changedColumns": []},
    ]
    after = workers(gql)
    assert (after["W001"]["phone"], after["W001"]["bankAccount"], after["W001"]["version"]) == (
        "13912345678", "6217000011112222", 2)
    unchanged = {k: v for k, v in after["W001"].items() if k not in ("phone", "bankAccount", "version")}
    assert unchanged == {k: v for k, v in stored["W001"].items() if k not in ("phone", "bankAccount", "version")}


def test_a_blank_code_matches_by_identity_number_and_a_conflicting_code_is_refused(gql, communities):
    payload(gql, IMPORT_WORKERS, IMPORTS / "workers-with-errors.csv", errorPolicy="REJECT_FAILED_ROWS")
    content = csv_bytes("工号,身份证号,手机", ",411081198003121230,13700000001", "W999,411081198511202467,13700000002")
    result = payload(gql, IMPORT_WORKERS, content, "ids.csv", errorPolicy="REJECT_FAILED_ROWS")
    report = result["report"]
    assert report["rows"][0] == {"row": 2, "key": "W101", "action": "UPDATED", "changedColumns": ["手机"]}
    assert problems(report) == [(3, "身份证号", "DUPLICATE",
                                 "该身份证号已登记为工号 W102（周杰）/ this identity number belongs to worker W102 (周杰), "
                                 "not W999: correct the 工号, or leave it blank to match by 身份证号")]
    stored = workers(gql)
    assert stored["W101"]["phone"] == "13700000001" and "W999" not in stored


def _excel_roster() -> bytes:
    """A roster as HR offices keep it: a title row, real Excel dates next to dates
    typed as text, numbers stored as text, and an ID number Excel made a number."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "花名册"
    sheet.append(["2026年社区工作者花名册"])
    sheet.append(["工号", "姓名", "身份证号码", "社区", "岗位", "参加社区工作时间", "学历", "证书", "证书日期",
                  "认定工龄", "专项附加扣除", "手机号", "银行卡号"])
    sheet.append(["W201", "孙丽", "411081198003121230", "红星社区", "正职", dt.datetime(2010, 3, 1), "本科", "社会工作师",
                  dt.datetime(2018, 6, 20), "2", "1,000.00", 13800138000, "6228480012345678901"])
    sheet.append(["W202", "周杰", 411081198511202467, "C01", "副职", dt.datetime(2015, 7, 1), "大专", None, None, 0, 0,
                  None, None])
    sheet.append(["W203", "吴倩", "411081199001011358", "C02", "STAFF", "2015年7月1日", "研究生", None, None, None, None,
                  None, None])
    sheet.append([1001, "郑浩", None, "C02", "其他社区工作者", 40179, "高中", None, None, 3.0, 500.5, None, None])
    sheet.append(["W205", "冯雪", None, "C02", "STAFF", "2019-02-30", "本科", None, None, None, None, None, None])
    sheet.append([None] * 13)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_an_excel_roster_with_dates_numbers_as_text_and_lost_digits(gql, communities):
    result = payload(gql, IMPORT_WORKERS, _excel_roster(), "花名册.xlsx", errorPolicy="REJECT_FAILED_ROWS")
    report = result["report"]
    assert (report["format"], report["sheet"], report["headingRow"]) == ("XLSX", "花名册", 2)
    assert problems(report) == [
        (4, "身份证号码", "INVALID", "该身份证号码被 Excel 存成了数字（4.11081E+17），后几位已丢失；请把该列设为“文本”格式后重新输入 / "
                                 "Excel stored this 身份证号码 as a number (4.11081E+17) and its last digits are lost: "
                                 "format the column as Text and type it again"),
        (7, "参加社区工作时间", "INVALID", "“2019-02-30”不是有效日期 / '2019-02-30' is not a valid date (day is out of range "
                                     "for month)"),
    ]
    stored = workers(gql)
    assert sorted(stored) == ["1001", "W201", "W203"]
    w201 = stored["W201"]
    assert (w201["serviceStart"], w201["certificateDate"], w201["priorServiceYears"], w201["specialDeductionMonthly"],
            w201["phone"], w201["community"]["code"]) == ("2010-03-01", "2018-06-20", 2, "1000.00", "13800138000", "C01")
    assert (stored["W203"]["serviceStart"], stored["W203"]["education"]) == ("2015-07-01", "MASTER")
    # 工号 typed as a number; a date column that lost its format (Excel day 40179); 3.0 and 500.5 as numbers.
    w1001 = stored["1001"]
    assert (w1001["post"], w1001["serviceStart"], w1001["priorServiceYears"], w1001["specialDeductionMonthly"]) == (
        "STAFF", "2010-01-01", 3, "500.50")


def test_unknown_columns_are_reported_and_a_file_without_a_key_column_is_refused(gql, communities):
    content = csv_bytes("姓名,手机,备注", "孙丽,13800138000,老员工")
    result = payload(gql, IMPORT_WORKERS, content, "no-key.csv")
    assert result["errors"] == [{"field": "file", "code": "REQUIRED",
                                 "message": "缺少“工号”或“身份证号”列 / the file needs a 工号 (worker_id) or 身份证号 "
                                            "(id_number) column"}]
    assert result["report"]["warnings"] == [{"row": 1, "column": "备注", "code": "IGNORED",
                                             "message": "未知的列，已忽略 / unknown column '备注' was ignored"}]
    old_excel = payload(gql, IMPORT_WORKERS, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "old.xls")
    assert old_excel["errors"][0]["message"].startswith("这是旧版 Excel（.xls）文件")


def test_hr_tokens_import_only_inside_their_streets(gql, tokens, communities):
    content = csv_bytes("工号,姓名,社区代码,岗位,参加工作时间", "W301,甲,C01,STAFF,2020-01-01", "W302,乙,C03,STAFF,2020-01-01")
    result = payload(gql.as_(tokens.hr), IMPORT_WORKERS, content, "scope.csv", errorPolicy="REJECT_FAILED_ROWS")
    # A community outside the token's scope does not exist for it (issue 11), exactly like a missing one.
    assert problems(result["report"]) == [(3, "社区代码", "NOT_FOUND", "社区 C03 不存在 / community C03 does not exist")]
    assert sorted(workers(gql)) == ["W301"]
    body = upload(gql.as_(tokens.viewer), IMPORT_WORKERS, content, "scope.csv")
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert sorted(workers(gql)) == ["W301"]


def test_an_import_is_audited_as_one_summary_and_one_entry_per_record(gql, communities):
    report = payload(gql, IMPORT_WORKERS, EXAMPLES / "workers.csv", assessmentYear=2026)["report"]
    with connection():
        entries = list(AuditEntry.select().where(AuditEntry.request_id == report["importId"]).order_by(AuditEntry.id))
        codes = {w.id: w.code for w in Worker.select()}
    summary = entries[-1]
    assert (summary.operation, summary.record_type, summary.record_id, summary.actor) == (
        "importWorkers", "Import", report["importId"], "admin")
    facts = json.loads(summary.after)
    assert {k: facts[k] for k in ("file", "rows", "created", "updated", "unchanged", "refused", "assessmentYear")} == {
        "file": "workers.csv", "rows": 6, "created": 6, "updated": 0, "unchanged": 0, "refused": 0,
        "assessmentYear": 2026}
    assert len(facts["sha256"]) == 64
    created = [e for e in entries if e.operation == "importWorker"]
    assert sorted(codes[int(e.record_id)] for e in created) == ["W001", "W002", "W003", "W004", "W005", "W006"]
    assert all(e.before is None and json.loads(e.after)["code"] == codes[int(e.record_id)] for e in created)
    # The 年度考核 column: one assessment entry per worker that has one (W003 has none).
    assert len([e for e in entries if e.operation == "importAssessment"]) == 5


def test_a_record_changed_during_the_import_rolls_the_whole_import_back(gql, communities, monkeypatch):
    from api.services.imports import importers as imports

    payload(gql, IMPORT_WORKERS, EXAMPLES / "workers.csv", assessmentYear=2026)
    original = imports.WorkerImporter.write

    def write_after_someone_else(self, plans, log, progress):
        # Someone saves W001 between the check of the rows and their writing.
        Worker.update(version=Worker.version + 1).where(Worker.code == "W001").execute()
        return original(self, plans, log, progress)

    monkeypatch.setattr(imports.WorkerImporter, "write", write_after_someone_else)
    content = csv_bytes("工号,姓名,社区代码,岗位,参加工作时间,手机",
                        "W001,张敏,C01,CHIEF,2012-03-01,13900000000", "W900,新人,C01,STAFF,2026-01-01,")
    result = payload(gql, IMPORT_WORKERS, content, "race.csv")
    assert result["errors"] == [{"field": "file", "code": "CONFLICT", "message":
                                 "工作者 W001 在导入期间被修改，未写入任何数据，请重新导入 / worker W001 was changed by "
                                 "someone else during the import; nothing was written: run the import again"}]
    assert result["report"]["written"] is False
    stored = workers(gql)
    assert "W900" not in stored and stored["W001"]["phone"] is None and stored["W001"]["version"] == 1


def test_tax_choices_with_chinese_headings_and_values_hold_for_the_year(gql, communities):
    content = csv_bytes("工号,姓名,社区代码,岗位,参加工作时间,累计减除费用规则,年终奖计税方式",
                        "W401,甲,C01,STAFF,2020-01-01,全年一次性扣除,并入综合所得",
                        "W402,乙,C01,STAFF,2020-01-01,19号公告,",
                        "W403,丙,C01,STAFF,2020-01-01,按季,单独计税")
    result = payload(gql, IMPORT_WORKERS, content, "tax.csv", errorPolicy="REJECT_FAILED_ROWS", assessmentYear=2026)
    problems = [(p["row"], p["column"], p["code"]) for p in result["report"]["problems"]]
    assert problems == [(4, "累计减除费用规则", "INVALID")]
    taxes = """query($code: String) { worker(code: $code) { basic: taxBasicDeduction(year: 2026)
        method: bonusTaxMethod(year: 2026) later: taxBasicDeduction(year: 2027) } }"""
    assert gql.data(taxes, {"code": "W401"})["worker"] == {"basic": "FULL_YEAR", "method": "COMBINED", "later": "MONTHLY"}
    assert gql.data(taxes, {"code": "W402"})["worker"] == {"basic": "FROM_JANUARY", "method": None, "later": "MONTHLY"}
    # The same file again changes nothing.
    again = payload(gql, IMPORT_WORKERS, content, "tax.csv", errorPolicy="REJECT_FAILED_ROWS", assessmentYear=2026)
    assert (again["report"]["created"], again["report"]["updated"]) == (0, 0)


def test_nothing_outside_the_tokens_scope_is_named_in_a_message(gql, tokens, communities):
    """Issue 11: a worker or community of another street does not exist for an
    HR token's import — a code or identity number it holds is reported as
    taken, never by whom, and a row naming it is not found."""
    from .uploads import IMPORT_ASSESSMENTS, IMPORT_COMMUNITIES

    other = "411081199001011358"  # 范磊 of 寨子社区 (韩城街道, outside hr's 颍川街道)
    payload(gql, IMPORT_WORKERS, csv_bytes("工号,姓名,身份证号,社区代码,岗位,参加工作时间",
                                          f"W701,范磊,{other},C03,STAFF,2020-01-01"), "s2.csv")
    hr = gql.as_(tokens.hr)
    report = payload(hr, IMPORT_WORKERS, csv_bytes(
        "工号,姓名,身份证号,社区代码,岗位,参加工作时间",
        "W701,甲,,C01,STAFF,2020-01-01",                 # another street's 工号
        f"W702,乙,{other},C01,STAFF,2020-01-01",          # another street's 身份证号
    ), "scope.csv", errorPolicy="REJECT_FAILED_ROWS")["report"]
    assert problems(report) == [
        (2, "工号", "DUPLICATE", "工号 W701 已被占用 / the 工号 W701 is already in use"),
        (3, "身份证号", "DUPLICATE", "该身份证号已登记为另一名工作者 / this identity number is already registered to "
                                   "another worker"),
    ]
    by_id = payload(hr, IMPORT_WORKERS, csv_bytes("工号,身份证号,手机", f",{other},13800000000"), "id.csv")["report"]
    assert problems(by_id) == [(2, "工号", "REQUIRED", "没有此身份证号的工作者，新工作者需要工号 / no worker has this "
                                                       "identity number, and a new worker needs a 工号")]
    assessments = payload(hr, IMPORT_ASSESSMENTS, csv_bytes("工号,姓名,考核结果", "W701,张三,优秀"), "a.csv",
                          year=2026)["report"]
    assert problems(assessments) == [(2, "工号", "NOT_FOUND", "没有工号 W701的工作者 / no worker has 工号 W701")]
    places = payload(hr, IMPORT_COMMUNITIES, csv_bytes("社区代码,社区名称,街道", "C03,寨子社区,颍川街道",
                                                       "C09,新社区,韩城街道"), "c.csv",
                     errorPolicy="REJECT_FAILED_ROWS")["report"]
    assert problems(places) == [
        (2, "社区代码", "DUPLICATE", "社区代码 C03 已被占用 / the community code C03 is already in use"),
        (3, "街道", "NOT_FOUND", "街道“韩城街道”不存在，请先新建街道 / street '韩城街道' does not exist (imports do not "
                               "create streets; create it first with createStreet). Known: 颍川街道（S1）"),
    ]
    everything = json.dumps([report, by_id, assessments, places], ensure_ascii=False)
    assert "范磊" not in everything and "寨子" not in everything.replace("C03,寨子社区", "")
