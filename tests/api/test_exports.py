"""Files of a payroll run under /exports/: the payslips CSV, the payroll sheet
(工资表), payslips (工资条), the bank file and the contribution report,
checked cell by cell against the run's payslips; authentication and scope."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from ..conftest import example_payslip_lines
from .conftest import CREATE_WORKER, City, GraphQLClient, Tokens
from .test_payroll_runs import CREATE_RUN

MONEY = ("basicPay performancePay educationAllowance certificateAllowance tenureAllowance fixedAllowances "
         "differenceAllowance backPay gross "
         "siBase employeePension employeeMedical employeeUnemployment housingFundEmployee incomeTax bonusTax net "
         "employerPension employerMedical employerUnemployment employerWorkInjury housingFundEmployer "
         "accidentInsurance employerCost").split()
RUN_PAYSLIPS = """
query($id: ID!) { payrollRun(id: $id) { payslips(first: 100) { nodes {
  worker { code name } community { code name } street { code name } period post grade countedYears days %s } } } }
""" % " ".join(MONEY)
UPDATE_WORKER = """
mutation($input: UpdateWorkerInput!) { updateWorker(input: $input) { worker { id version } errors { field code message } } }"""

# The headings are the contract finance staff work with: written out here, not imported.
PAYROLL_HEADINGS = [
    "街道", "社区", "工号", "姓名", "月份", "岗位", "等级", "工龄", "计薪天数", "基本报酬", "绩效工资", "学历津贴", "职业资格津贴",
    "任期补贴", "固定津贴补贴", "保留补差", "补发（补扣）", "应发工资", "社保基数", "个人养老", "个人医疗", "个人失业", "个人公积金", "个人所得税", "年终奖个税",
    "实发工资", "单位养老", "单位医疗", "单位失业", "单位工伤", "单位公积金", "意外伤害保险", "单位成本",
]
PAYSLIP_HEADINGS = [
    "工号", "姓名", "社区", "月份", "岗位", "等级", "计薪天数", "基本报酬", "绩效工资", "学历津贴", "职业资格津贴", "任期补贴",
    "固定津贴补贴", "保留补差", "补发（补扣）", "应发工资", "个人养老", "个人医疗", "个人失业", "个人公积金", "个人所得税", "年终奖个税", "实发工资",
]
POST_TITLES = {"CHIEF": "正职（书记、主任）", "DEPUTY": "副职（副书记、副主任）", "STAFF": "其他社区工作者"}
ACCOUNTS = {"W001": "6228480012345678901", "W002": "6217000098765432109", "W004": "6222021234567890123",
            "W005": "6228481111222233334", "W007": "6230000011112222333"}


def yuan(value) -> Decimal:
    """A money cell (a number) or a GraphQL Money string as exact yuan."""
    return Decimal(str(value)).quantize(Decimal("0.01"))


def get(client, path: str, token: str | None):
    return client.get(path, headers={"Authorization": f"Bearer {token}"} if token else {})


def add_second_street_worker(gql: GraphQLClient, city: City) -> None:
    """W007 in 寨子社区 (C03) of 韩城街道 (S2), so the city has two streets with payslips."""
    payload = gql.mutate(CREATE_WORKER, {"input": {
        "code": "W007", "name": "周凯", "communityId": city.communities["C03"], "post": "STAFF",
        "serviceStart": "2020-01-01", "education": "BACHELOR",
    }})
    city.workers["W007"] = payload["worker"]["id"]


def set_bank_accounts(gql: GraphQLClient, city: City) -> None:
    for code, account in ACCOUNTS.items():
        worker_id = city.workers[code]
        version = gql.data('query($id: ID!) { worker(id: $id) { version } }', {"id": worker_id})["worker"]["version"]
        gql.mutate(UPDATE_WORKER, {"input": {"id": worker_id, "version": version, "bankName": "中国工商银行",
                                             "bankAccount": account}})


def create_run(gql: GraphQLClient, period: str, **scope) -> str:
    return gql.mutate(CREATE_RUN, {"input": {"period": period, **scope}})["payrollRun"]["id"]


def payslips_of(gql: GraphQLClient, run_id: str) -> list[dict]:
    return gql.data(RUN_PAYSLIPS, {"id": run_id})["payrollRun"]["payslips"]["nodes"]


def workbook(response):
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return load_workbook(io.BytesIO(response.content))


@pytest.fixture
def january(gql: GraphQLClient, city: City) -> tuple[str, list[dict]]:
    """A city run for January 2026 with workers in both streets."""
    add_second_street_worker(gql, city)
    run_id = create_run(gql, "2026-01")
    return run_id, payslips_of(gql, run_id)


def test_payslips_csv_is_the_interface_file(client, gql, city: City, tokens: Tokens):
    run_id = create_run(gql, "2026-01")
    response = get(client, "/exports/payroll-runs/1.csv", tokens.finance)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == 'attachment; filename="payroll-2026-01-run1.csv"'
    expected = example_payslip_lines()
    january = [expected[0]] + [line for line in expected[1:] if line.split(",")[1] == "2026-01"]
    # Exactly the quote CLI's columns and rows, in worker order.
    assert response.text.splitlines() == january
    assert run_id == "PayrollRun:1"


def test_payroll_sheet_has_headings_subtotals_and_total(client, gql, tokens: Tokens, january):
    run_id, payslips = january
    sheet = workbook(get(client, "/exports/payroll-runs/1.xlsx", tokens.finance))["工资表"]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0][0] == "工资表 2026-01 · 全市 · 批次 1 · 草稿"
    assert rows[1] == PAYROLL_HEADINGS
    assert sheet.freeze_panes == "E3"
    by_code = {p["worker"]["code"]: p for p in payslips}
    # 颍川街道: 红星社区 (W001, W002, W004; W003 starts in March), 商贸社区 (W005; W006's
    # January was paid by the old system); then 韩城街道: 寨子社区 (W007).
    labels = [(r[0], r[1], r[2], r[3]) for r in rows[2:]]
    assert labels == [
        ("颍川街道", "红星社区", "W001", "张敏"), ("颍川街道", "红星社区", "W002", "李强"), ("颍川街道", "红星社区", "W004", "赵磊"),
        ("红星社区 小计", "", "", "3 人"),
        ("颍川街道", "商贸社区", "W005", "陈静"), ("商贸社区 小计", "", "", "1 人"), ("颍川街道 合计", "", "", "4 人"),
        ("韩城街道", "寨子社区", "W007", "周凯"), ("寨子社区 小计", "", "", "1 人"), ("韩城街道 合计", "", "", "1 人"),
        ("总计", "", "", "5 人"),
    ]
    money_names = MONEY
    for row in rows[2:]:
        if row[2] in by_code:
            p = by_code[row[2]]
            assert row[4:9] == ["2026-01", POST_TITLES[p["post"]], p["grade"], p["countedYears"], p["days"]]
            assert [yuan(v) for v in row[9:]] == [yuan(p[name]) for name in money_names]
    # The spec's example: W001's January basic pay and net pay.
    w001 = next(r for r in rows if r[2] == "W001")
    column = {name: 9 + i for i, name in enumerate(money_names)}
    assert yuan(w001[column["basicPay"]]) == Decimal("4425.74") and yuan(w001[column["net"]]) == Decimal("4138.34")
    base = money_names.index("siBase")

    def sums(codes):
        return [sum(yuan(by_code[c][name]) for c in codes) for name in money_names]

    def subtotal(label):
        row = next(r for r in rows if r[0] == label)
        # si_base (社保基数) is a base, not an amount paid: left empty in subtotals.
        assert row[column["siBase"]] in ("", None)
        return [yuan(v) for i, v in enumerate(row[9:]) if i != base]

    def without_base(values):
        return [v for i, v in enumerate(values) if i != base]

    assert subtotal("红星社区 小计") == without_base(sums(["W001", "W002", "W004"]))
    assert subtotal("商贸社区 小计") == without_base(sums(["W005"]))
    assert subtotal("颍川街道 合计") == without_base(sums(["W001", "W002", "W004", "W005"]))
    assert subtotal("寨子社区 小计") == subtotal("韩城街道 合计") == without_base(sums(["W007"]))
    total = subtotal("总计")
    assert total == without_base(sums(list(by_code)))
    run = gql.data('query($id: ID!) { payrollRun(id: $id) { gross net employerCost } }', {"id": run_id})["payrollRun"]
    summed = [name for name in money_names if name != "siBase"]
    assert total[summed.index("gross")] == yuan(run["gross"]) and total[summed.index("net")] == yuan(run["net"])
    assert total[-1] == yuan(run["employerCost"])


def test_the_payroll_sheet_and_the_payslips_are_print_ready(client, tokens: Tokens, january):
    """Issue 13: the 31-column 工资表 printed portrait, cut off, without headings
    on the second page.  Both sheets: landscape A4, one page wide, any height,
    the title (and the 工资表's headings) repeated on every page; an autofilter
    on the 工资表's headings over every row."""
    book = workbook(get(client, "/exports/payroll-runs/1.xlsx", tokens.finance))
    slips = workbook(get(client, "/exports/payroll-runs/1/payslips.xlsx", tokens.admin))
    for sheet, titles in ((book["工资表"], "$1:$2"), (slips["工资条"], "$1:$1")):
        setup = sheet.page_setup
        assert (setup.orientation, setup.paperSize, setup.fitToWidth, setup.fitToHeight) == ("landscape", 9, 1, 0)
        assert sheet.sheet_properties.pageSetUpPr.fitToPage is True
        assert sheet.print_title_rows == titles
    sheet = book["工资表"]
    assert sheet.auto_filter.ref == f"A2:{get_column_letter(len(PAYROLL_HEADINGS))}{sheet.max_row}"
    assert sheet.max_row == 2 + 11 and get_column_letter(len(PAYROLL_HEADINGS)) == "AG"  # 33 columns, title + headings
    assert slips["工资条"].auto_filter.ref is None


def test_payslips_for_print_are_one_block_per_worker(client, gql, tokens: Tokens, january):
    _, payslips = january
    sheet = workbook(get(client, "/exports/payroll-runs/1/payslips.xlsx", tokens.admin))["工资条"]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0][0] == "工资条 2026-01 · 全市 · 批次 1 · 草稿"
    blocks = rows[2:]
    assert len(blocks) == 3 * len(payslips) - 1 or len(blocks) == 3 * len(payslips)
    by_code = {p["worker"]["code"]: p for p in payslips}
    employee_money = ["basicPay", "performancePay", "educationAllowance", "certificateAllowance", "tenureAllowance",
                      "fixedAllowances", "differenceAllowance", "backPay", "gross", "employeePension", "employeeMedical", "employeeUnemployment",
                      "housingFundEmployee", "incomeTax", "bonusTax", "net"]
    seen = []
    for k in range(len(payslips)):
        heading, values = blocks[3 * k], blocks[3 * k + 1]
        assert heading == PAYSLIP_HEADINGS
        assert all(v is None for v in (blocks[3 * k + 2] if 3 * k + 2 < len(blocks) else [None]))
        p = by_code[values[0]]
        assert values[1:7] == [p["worker"]["name"], p["community"]["name"], "2026-01", POST_TITLES[p["post"]],
                               p["grade"], p["days"]]
        assert [yuan(v) for v in values[7:]] == [yuan(p[name]) for name in employee_money]
        seen.append(values[0])
    assert seen == ["W001", "W002", "W004", "W005", "W007"]


def test_bank_file_pays_the_net_pay_to_each_account(client, gql, city: City, tokens: Tokens, january):
    _, payslips = january
    set_bank_accounts(gql, city)
    response = get(client, "/exports/payroll-runs/1/bank.csv", tokens.finance)
    assert response.status_code == 200
    assert response.headers["content-disposition"] == 'attachment; filename="bank-2026-01-run1.csv"'
    assert response.content.startswith(b"\xef\xbb\xbf")  # Excel reads the Chinese headings
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["序号", "工号", "户名", "开户银行", "账号", "实发金额"]
    net = {p["worker"]["code"]: p["net"] for p in payslips}
    assert rows[1:] == [
        [str(i), code, name, "中国工商银行", ACCOUNTS[code], net[code]]
        for i, (code, name) in enumerate([("W001", "张敏"), ("W002", "李强"), ("W004", "赵磊"), ("W005", "陈静"),
                                          ("W007", "周凯")], start=1)
    ]
    sheet = workbook(get(client, "/exports/payroll-runs/1/bank.xlsx", tokens.finance))["代发工资"]
    cells = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert cells[1] == ["序号", "工号", "户名", "开户银行", "账号", "实发金额"]
    codes = ["W001", "W002", "W004", "W005", "W007"]
    assert [r[:2] for r in cells[2:7]] == [[i, c] for i, c in enumerate(codes, start=1)]
    assert [r[4] for r in cells[2:7]] == [ACCOUNTS[c] for c in codes]
    assert [yuan(r[5]) for r in cells[2:7]] == [yuan(net[c]) for c in codes]
    assert sheet.cell(row=3, column=5).number_format == "@"  # every digit kept
    assert cells[-1][0] == "合计" and cells[-1][1] == "5 笔"
    assert yuan(cells[-1][5]) == sum(yuan(v) for v in net.values())


def test_bank_file_is_masked_for_viewers(client, gql, city: City, tokens: Tokens, january):
    set_bank_accounts(gql, city)
    response = get(client, "/exports/payroll-runs/1/bank.csv", tokens.viewer)
    assert response.status_code == 200
    assert response.headers["content-disposition"] == 'attachment; filename="bank-2026-01-run1-masked.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [r[4] for r in rows[1:]] == ["***************8901", "***************2109", "***************0123",
                                        "***************3334", "***************2333"]
    sheet = workbook(get(client, "/exports/payroll-runs/1/bank.xlsx", tokens.viewer))["代发工资"]
    assert sheet.cell(row=3, column=5).value == "***************8901"
    assert sheet.cell(row=1, column=1).value.endswith("（账号已脱敏）")


def test_contribution_report_by_item(client, gql, tokens: Tokens, january):
    _, payslips = january
    by_code = {p["worker"]["code"]: p for p in payslips}
    items = ["employeePension", "employeeMedical", "employeeUnemployment", "housingFundEmployee",
             "employerPension", "employerMedical", "employerUnemployment", "employerWorkInjury", "housingFundEmployer"]

    def sums(codes):
        values = [sum(yuan(by_code[c][name]) for c in codes) for name in items]
        employee, employer = sum(values[:4]), sum(values[4:])
        return [sum(yuan(by_code[c]["siBase"]) for c in codes), *values[:4], employee, *values[4:], employer,
                employee + employer]

    sheet = workbook(get(client, "/exports/payroll-runs/1/contributions.xlsx", tokens.finance))
    assert sheet.sheetnames == ["缴费明细", "按险种汇总"]
    rows = [list(r) for r in sheet["缴费明细"].iter_rows(values_only=True)]
    assert rows[1] == ["街道", "社区", "人数", "社保缴费基数", "个人养老", "个人医疗", "个人失业", "个人公积金", "个人缴费合计",
                       "单位养老", "单位医疗", "单位失业", "单位工伤", "单位公积金", "单位缴费合计", "缴费总计"]
    expected = [
        (["颍川街道", "红星社区", 3], sums(["W001", "W002", "W004"])),
        (["颍川街道", "商贸社区", 1], sums(["W005"])),
        (["颍川街道 合计", "", 4], sums(["W001", "W002", "W004", "W005"])),
        (["韩城街道", "寨子社区", 1], sums(["W007"])),
        (["韩城街道 合计", "", 1], sums(["W007"])),
        (["总计", "", 5], sums(list(by_code))),
    ]
    assert [(r[:3], [yuan(v) for v in r[3:]]) for r in rows[2:]] == expected
    by_item = [list(r) for r in sheet["按险种汇总"].iter_rows(values_only=True)]
    total = sums(list(by_code))
    assert by_item[1] == ["险种", "个人缴纳", "单位缴纳", "合计"]
    assert [(r[0], yuan(r[1]), yuan(r[2]), yuan(r[3])) for r in by_item[2:]] == [
        ("养老保险", total[1], total[6], total[1] + total[6]),
        ("医疗保险", total[2], total[7], total[2] + total[7]),
        ("失业保险", total[3], total[8], total[3] + total[8]),
        ("工伤保险", Decimal("0.00"), total[9], total[9]),
        ("住房公积金", total[4], total[10], total[4] + total[10]),
        ("合计", total[5], total[11], total[12]),
    ]
    # The CSV: the same rows for machines, with a level column and the codes.
    response = get(client, "/exports/payroll-runs/1/contributions.csv", tokens.finance)
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert lines[0][:7] == ["level", "street_code", "street", "community_code", "community", "workers", "si_base"]
    assert [line[:6] for line in lines[1:]] == [
        ["COMMUNITY", "S1", "颍川街道", "C01", "红星社区", "3"], ["COMMUNITY", "S1", "颍川街道", "C02", "商贸社区", "1"],
        ["STREET", "S1", "颍川街道", "", "", "4"], ["COMMUNITY", "S2", "韩城街道", "C03", "寨子社区", "1"],
        ["STREET", "S2", "韩城街道", "", "", "1"], ["TOTAL", "", "", "", "", "5"],
    ]
    assert [Decimal(v) for v in lines[-1][6:]] == total


ALL_RUN_FILES = (".csv", ".xlsx", "/payslips.xlsx", "/bank.csv", "/bank.xlsx", "/contributions.csv", "/contributions.xlsx")


def test_hr_tokens_get_only_runs_inside_their_scope(client, gql, city: City, tokens: Tokens):
    street_run = create_run(gql, "2026-01", streetId=city.streets["S1"])
    assert street_run == "PayrollRun:1"
    for suffix in ALL_RUN_FILES:
        outside = get(client, f"/exports/payroll-runs/1{suffix}", tokens.hr_other)
        # Outside the token's scope is answered exactly as a run that does not exist.
        missing = get(client, f"/exports/payroll-runs/99{suffix}", tokens.hr_other)
        assert outside.status_code == missing.status_code == 404, suffix
        assert outside.json() == missing.json() | {"errors": [missing.json()["errors"][0] | {
            "message": "发放批次 1 不存在 / payroll run 1 does not exist"}]}
        assert get(client, f"/exports/payroll-runs/1{suffix}", tokens.hr).status_code == 200, suffix
    # A city-wide run is outside every HR token's scope.
    gql.mutate("""mutation { approvePayrollRun(input: {id: "PayrollRun:1"}) { errors { message } } }""")
    create_run(gql, "2026-01", communityId=city.communities["C03"])
    assert get(client, "/exports/payroll-runs/2.csv", tokens.hr_other).status_code == 200
    assert get(client, "/exports/payroll-runs/2.csv", tokens.hr).status_code == 404


def test_exports_need_a_token_and_an_existing_run(client, gql, city: City, tokens: Tokens):
    create_run(gql, "2026-01")
    response = get(client, "/exports/payroll-runs/1.xlsx", None)
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert get(client, "/exports/payroll-runs/1/bank.csv", "cp_not-a-token").status_code == 401
    missing = get(client, "/exports/payroll-runs/99/payslips.xlsx", tokens.admin)
    assert missing.status_code == 404
    assert missing.json()["errors"][0]["message"] == "发放批次 99 不存在 / payroll run 99 does not exist"


def test_the_run_lists_its_files(gql, city: City):
    run_id = create_run(gql, "2026-01")
    exports = gql.data('query($id: ID!) { payrollRun(id: $id) { exports { csv xlsx payslipsXlsx bankCsv bankXlsx '
                       'contributionsCsv contributionsXlsx } } }', {"id": run_id})["payrollRun"]["exports"]
    assert exports == {
        "csv": "/exports/payroll-runs/1.csv", "xlsx": "/exports/payroll-runs/1.xlsx",
        "payslipsXlsx": "/exports/payroll-runs/1/payslips.xlsx", "bankCsv": "/exports/payroll-runs/1/bank.csv",
        "bankXlsx": "/exports/payroll-runs/1/bank.xlsx", "contributionsCsv": "/exports/payroll-runs/1/contributions.csv",
        "contributionsXlsx": "/exports/payroll-runs/1/contributions.xlsx",
    }


def test_payslips_csv_quotes_text_and_signs_amounts_like_the_csv_module(client, gql, city: City, tokens: Tokens):
    """Both ways of writing the file (PostgreSQL's COPY, the numpy encoder on
    SQLite) against Python's csv module, with a code that needs quoting and a
    negative amount (a draft run may be edited in the database)."""
    from payroll.money import format_fen

    from api.db.database import connection
    from api.db.models import PAYSLIP_MONEY, Payslip, Worker

    create_run(gql, "2026-01")
    with connection():
        Worker.update(code='W,"1"').where(Worker.code == "W001").execute()
        Payslip.update(basic_pay=-5, income_tax=-123456).where(Payslip.id == 1).execute()
        rows = list(Payslip.select(Worker.code, Payslip.period, Payslip.post, Payslip.grade, Payslip.counted_years,
                                   Payslip.days, *(getattr(Payslip, n) for n in PAYSLIP_MONEY))
                    .join(Worker, on=(Payslip.worker == Worker.id)).where(Payslip.run == 1).order_by(Payslip.id).tuples())
    expected = io.StringIO()
    writer = csv.writer(expected, lineterminator="\n")
    for row in rows:
        writer.writerow([*row[:6], *(format_fen(v) for v in row[6:])])
    body = get(client, "/exports/payroll-runs/1.csv", tokens.admin).text
    assert body.split("\n", 1)[1] == expected.getvalue()
    assert body.split("\n")[1].startswith('"W,""1""",2026-01,CHIEF,11,13,31,-0.05,')
    assert ",-1234.56," in body.split("\n")[1]


def test_a_run_too_large_for_a_spreadsheet_is_refused(client, gql, city: City, tokens: Tokens, monkeypatch):
    from api.files import xlsx as xlsx_writer

    create_run(gql, "2026-01")
    monkeypatch.setattr(xlsx_writer, "MAX_ROWS", 10)  # 工资条: a title, a blank row and 4 workers × 3 rows
    response = get(client, "/exports/payroll-runs/1/payslips.xlsx", tokens.admin)
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "LIMIT_EXCEEDED"
    assert "export a street or community at a time, or use the CSV" in response.json()["errors"][0]["message"]
    assert get(client, "/exports/payroll-runs/1.xlsx", tokens.admin).status_code == 200  # its 10 rows fit
