"""Spreadsheets of a payroll run for finance and HR.

- :func:`write_payroll_sheet` — the payroll sheet (工资表): a title row, Chinese
  headings, a row per payslip grouped by street and community, a subtotal row
  after each community (``红星社区 小计``) and each street (``颍川街道 合计``)
  and a total row (``总计``); it prints landscape on A4 fitted to the page
  width with the title and headings on every page, and has an autofilter on
  its headings;
- :func:`write_payslips` — payslips (工资条) to print and cut: one block per
  worker (a heading row, a row of amounts, an empty row), grouped by street and
  community, with only what the worker is paid and has deducted; the page is
  landscape A4 fitted to its width, the title on every page;
- :func:`write_contributions` — social insurance and housing fund by item, by
  community with street subtotals and a total, and a sheet by item;
- :func:`write_bank_file` — the bank payment file as a spreadsheet (account
  numbers stored as text, so Excel keeps every digit), with a total row.

Rows are read from the database in blocks through the read boundary
(:mod:`api.reads.run_files`: a run the caller may see, with the values frozen
on its payslips) and written as they come by :mod:`api.files.xlsx`, straight into the
file, so memory stays flat however large the city.  Money cells hold exact
yuan formatted ``#,##0.00``; subtotals are values (not formulas), so any
reader sees them without recalculating.
"""

from __future__ import annotations

from typing import Callable

from api.db.models import PAYSLIP_MONEY
from api.files.run_files import BANK_COLUMNS, bank_accounts, contribution_subtotals, run_title
from api.files.xlsx import (
    HEADING,
    INTEGER,
    MONEY,
    PLAIN,
    SUMMARY_STYLES,
    TEXT,
    TITLE,
    Printing,
    SheetWriter,
    XlsxWriter,
)
from api.reads.run_files import (
    EMPLOYEE_ITEMS,
    EMPLOYER_ITEMS,
    AuthorisedRun,
    bank_blocks,
    contribution_rows,
    group_payslip_blocks,
    post_titles,
    run_groups,
)

#: Chinese headings of the money columns of a payslip.
MONEY_HEADINGS = {
    "basic_pay": "基本报酬",
    "performance_pay": "绩效工资",
    "education_allowance": "学历津贴",
    "certificate_allowance": "职业资格津贴",
    "tenure_allowance": "任期补贴",
    "fixed_allowances": "固定津贴补贴",
    "difference_allowance": "保留补差",
    "back_pay": "补发（补扣）",
    "gross": "应发工资",
    "si_base": "社保基数",
    "employee_pension": "个人养老",
    "employee_medical": "个人医疗",
    "employee_unemployment": "个人失业",
    "housing_fund_employee": "个人公积金",
    "income_tax": "个人所得税",
    "bonus_tax": "年终奖个税",
    "net": "实发工资",
    "employer_pension": "单位养老",
    "employer_medical": "单位医疗",
    "employer_unemployment": "单位失业",
    "employer_work_injury": "单位工伤",
    "housing_fund_employer": "单位公积金",
    "accident_insurance": "意外伤害保险",
    "employer_cost": "单位成本",
}
#: Headings of the payroll sheet before the money columns.
LEADING_HEADINGS = ("街道", "社区", "工号", "姓名", "月份", "岗位", "等级", "工龄", "计薪天数")
PAYROLL_SHEET_HEADINGS = (*LEADING_HEADINGS, *(MONEY_HEADINGS[name] for name in PAYSLIP_MONEY))
#: Columns summed in subtotal rows (si_base is a base, not an amount paid).
SUMMED = tuple(name for name in PAYSLIP_MONEY if name != "si_base")

#: The money columns of a payslip (工资条): what the worker is paid and has deducted.
PAYSLIP_MONEY_COLUMNS = (
    "basic_pay", "performance_pay", "education_allowance", "certificate_allowance", "tenure_allowance",
    "fixed_allowances", "difference_allowance", "back_pay", "gross", "employee_pension", "employee_medical",
    "employee_unemployment",
    "housing_fund_employee", "income_tax", "bonus_tax", "net",
)
PAYSLIP_HEADINGS = ("工号", "姓名", "社区", "月份", "岗位", "等级", "计薪天数",
                    *(MONEY_HEADINGS[name] for name in PAYSLIP_MONEY_COLUMNS))

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

#: The 工资表 on paper: the title row and the heading row on every page.
PAYROLL_SHEET_PRINTING = Printing(title_rows=(1, 2))
#: The 工资条 on paper: the title row on every page (each block has its own headings).
PAYSLIPS_PRINTING = Printing(title_rows=(1, 1))

#: Told the payslips written so far and the run's count, a group at a time.
RowsProgress = Callable[[int, int], None]


def summary_row(label: str, width: int, kind: str, extra: dict[int, object] | None = None) -> tuple[list, list]:
    """The leading cells of a subtotal row and their styles: ``label`` first,
    then ``extra`` values by position; ``kind`` is COMMUNITY, STREET or TOTAL."""
    style, _ = SUMMARY_STYLES[kind]
    values: list = [label] + [(extra or {}).get(i, "") for i in range(1, width)]
    return values, [style] * width


# --- 工资表 -----------------------------------------------------------------------------------


class Sums:
    """Running sums of some columns, with a count of rows."""

    def __init__(self, names: tuple[str, ...]):
        self.values = dict.fromkeys(names, 0)
        self.count = 0

    def add(self, values: dict[str, int]) -> None:
        self.count += 1
        for name in self.values:
            self.values[name] += values[name]


def _title(sheet: SheetWriter, text: str) -> None:
    sheet.row([text], TITLE)


def write_payroll_sheet(run: AuthorisedRun, path: str, progress: RowsProgress | None = None) -> None:
    """The payroll sheet (工资表) of a run, with subtotals, into an .xlsx file at
    ``path``, print-ready; ``progress`` is told the payslips written after each community."""
    titles = post_titles(run)
    lead = len(LEADING_HEADINGS)
    row_styles = (PLAIN,) * lead + (MONEY,) * len(PAYSLIP_MONEY)
    with XlsxWriter(path) as book:
        sheet = book.sheet("工资表", widths=(12, 14, 10, 10, 9, 14, 6, 6, 8, *([11] * len(PAYSLIP_MONEY))),
                           freeze="E3", printing=PAYROLL_SHEET_PRINTING)
        _title(sheet, f"工资表 {run_title(run)}")
        sheet.row(PAYROLL_SHEET_HEADINGS, HEADING)
        sheet.filter_here(len(PAYROLL_SHEET_HEADINGS))

        def subtotal(label: str, sums: Sums, kind: str) -> None:
            values, styles = summary_row(label, lead, kind, {3: f"{sums.count} 人"})
            money_style = SUMMARY_STYLES[kind][1]
            sheet.row(values + [sums.values.get(name) for name in PAYSLIP_MONEY],
                      styles + [money_style] * len(PAYSLIP_MONEY))

        grand = Sums(SUMMED)
        groups = run_groups(run)
        for i, group in enumerate(groups):
            if i == 0 or groups[i - 1].street_id != group.street_id:
                street = Sums(SUMMED)
            community = Sums(SUMMED)
            for rows in group_payslip_blocks(run, group):
                for row in rows:
                    values = dict(zip(PAYSLIP_MONEY, row[8:]))
                    community.add(values)
                    street.add(values)
                    grand.add(values)
                    sheet.row((group.street_name, group.community_name, row[1], row[2], row[3],
                               titles.get(row[4], row[4]), *row[5:]), row_styles)
            subtotal(f"{group.community_name} 小计", community, "COMMUNITY")
            if i == len(groups) - 1 or groups[i + 1].street_id != group.street_id:
                subtotal(f"{group.street_name} 合计", street, "STREET")
            if progress is not None:
                progress(grand.count, run.payslip_count)
        subtotal("总计", grand, "TOTAL")


# --- 工资条 -----------------------------------------------------------------------------------


def write_payslips(run: AuthorisedRun, path: str, progress: RowsProgress | None = None) -> None:
    """Payslips (工资条) of a run to print and cut: per worker a heading row, a
    row of amounts and an empty row, grouped by street and community;
    ``progress`` is told the payslips written after each community."""
    titles = post_titles(run)
    money_at = [8 + PAYSLIP_MONEY.index(name) for name in PAYSLIP_MONEY_COLUMNS]
    row_styles = (PLAIN,) * 7 + (MONEY,) * len(PAYSLIP_MONEY_COLUMNS)
    written = 0
    with XlsxWriter(path) as book:
        sheet = book.sheet("工资条", widths=(10, 10, 14, 9, 14, 6, 8, *([10] * len(PAYSLIP_MONEY_COLUMNS))),
                           printing=PAYSLIPS_PRINTING)
        _title(sheet, f"工资条 {run_title(run)}")
        sheet.blank()
        for group in run_groups(run):
            for rows in group_payslip_blocks(run, group):
                for row in rows:
                    sheet.row(PAYSLIP_HEADINGS, HEADING)
                    sheet.row((row[1], row[2], group.community_name, row[3], titles.get(row[4], row[4]), row[5],
                               row[7], *(row[i] for i in money_at)), row_styles)
                    sheet.blank()
                written += len(rows)
            if progress is not None:
                progress(written, run.payslip_count)


# --- social insurance and housing fund --------------------------------------------------------

CONTRIBUTION_HEADINGS = (
    "街道", "社区", "人数", "社保缴费基数",
    *(zh for _, zh, _ in EMPLOYEE_ITEMS), "个人缴费合计",
    *(zh for _, zh, _ in EMPLOYER_ITEMS), "单位缴费合计", "缴费总计",
)
#: The by-item sheet: (险种, employee column or None, employer column or None).
CONTRIBUTION_ITEMS = (
    ("养老保险", "employee_pension", "employer_pension"),
    ("医疗保险", "employee_medical", "employer_medical"),
    ("失业保险", "employee_unemployment", "employer_unemployment"),
    ("工伤保险", None, "employer_work_injury"),
    ("住房公积金", "housing_fund_employee", "housing_fund_employer"),
)


def write_contributions(run: AuthorisedRun, path: str) -> None:
    """Social insurance and housing fund contributions of a run by item."""
    rows, total = contribution_subtotals(contribution_rows(run))
    money_count = len(CONTRIBUTION_HEADINGS) - 3
    with XlsxWriter(path) as book:
        sheet = book.sheet("缴费明细", widths=(14, 14, 7, 13, *([11] * (money_count - 1))), freeze="C3")
        _title(sheet, f"社会保险和住房公积金缴费表 {run_title(run)}")
        sheet.row(CONTRIBUTION_HEADINGS, HEADING)
        for level, row in [*rows, ("TOTAL", total)]:
            amounts = [
                row.si_base, *(row.items[name] for name, _, _ in EMPLOYEE_ITEMS), row.employee_total,
                *(row.items[name] for name, _, _ in EMPLOYER_ITEMS), row.employer_total, row.total,
            ]
            if level == "COMMUNITY":
                sheet.row([row.street_name, row.community_name, row.workers, *amounts],
                          [PLAIN, PLAIN, INTEGER] + [MONEY] * money_count)
            else:
                label = "总计" if level == "TOTAL" else f"{row.street_name} 合计"
                style, money_style = SUMMARY_STYLES[level]
                sheet.row([label, "", row.workers, *amounts], [style] * 3 + [money_style] * money_count)

        by_item = book.sheet("按险种汇总", widths=(14, 14, 14, 14))
        _title(by_item, f"按险种汇总 {run_title(run)}")
        by_item.row(("险种", "个人缴纳", "单位缴纳", "合计"), HEADING)
        for label, employee, employer in CONTRIBUTION_ITEMS:
            mine = total.items[employee] if employee else 0
            theirs = total.items[employer] if employer else 0
            by_item.row((label, mine, theirs, mine + theirs), (PLAIN, MONEY, MONEY, MONEY))
        style, money_style = SUMMARY_STYLES["TOTAL"]
        by_item.row(("合计", total.employee_total, total.employer_total, total.total), (style,) + (money_style,) * 3)


# --- the bank payment file --------------------------------------------------------------------


def write_bank_file(run: AuthorisedRun, path: str, masked: bool, progress: RowsProgress | None = None) -> None:
    """The bank payment file as a spreadsheet: the columns of the CSV, account
    numbers as text, and a total row after an empty row; ``progress`` is told
    the payslips read after each block."""
    row_styles = (INTEGER, PLAIN, PLAIN, PLAIN, TEXT, MONEY)
    with XlsxWriter(path) as book:
        sheet = book.sheet("代发工资", widths=(7, 10, 10, 18, 24, 12), freeze="A3")
        _title(sheet, f"代发工资 {run_title(run)}" + ("（账号已脱敏）" if masked else ""))
        sheet.row(BANK_COLUMNS, HEADING)
        number, total = 1, 0
        for rows in bank_blocks(run):
            for row, account in zip(rows, bank_accounts(rows, masked)):
                sheet.row((number, row[1], row[2], row[3] or "", account, row[5]), row_styles)
                number += 1
                total += row[5]
            if progress is not None:
                progress(number - 1, run.payslip_count)
        sheet.blank()
        style, money_style = SUMMARY_STYLES["TOTAL"]
        sheet.row(("合计", f"{number - 1} 笔", "", "", "", total), (style,) * 5 + (money_style,))
