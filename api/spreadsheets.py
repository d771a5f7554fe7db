"""Spreadsheets for finance and HR (openpyxl, write-only mode).

The payroll sheet (工资表) of a run has Chinese headings, a row per payslip
grouped by street and community, a subtotal row after each community and
each street, and a total row.  Rows are read from the database in blocks and
written as they come, so memory stays flat however large the city.
"""

from __future__ import annotations

import tempfile
from decimal import Decimal

import peewee as pw
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill

from .auth import Principal
from .db.models import PAYSLIP_MONEY, Community, Payslip, Street, Worker

#: Chinese headings of the payroll sheet, in column order after the worker columns.
MONEY_HEADINGS = {
    "basic_pay": "基本报酬",
    "performance_pay": "绩效工资",
    "education_allowance": "学历津贴",
    "certificate_allowance": "职业资格津贴",
    "tenure_allowance": "任期补贴",
    "difference_allowance": "保留补差",
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
LEADING_HEADINGS = ("街道", "社区", "工号", "姓名", "月份", "岗位", "等级", "工龄", "计薪天数")
#: Columns summed in subtotal rows (si_base is a base, not an amount paid).
SUMMED = tuple(name for name in PAYSLIP_MONEY if name != "si_base")
BLOCK = 5000
_BOLD = Font(bold=True)
_SUBTOTAL_FILL = PatternFill("solid", fgColor="EEF3FA")
_TOTAL_FILL = PatternFill("solid", fgColor="D9E5F5")


def _yuan(fen: int) -> Decimal:
    return Decimal(fen).scaleb(-2)


def payroll_sheet_xlsx(run_id: int, principal: Principal) -> bytes:
    """The payroll sheet of a run as XLSX bytes (built through a temporary file)."""
    with tempfile.NamedTemporaryFile(suffix=".xlsx") as handle:
        write_payroll_sheet(run_id, handle.name)
        handle.seek(0)
        return handle.read()


def write_payroll_sheet(run_id: int, path: str) -> None:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("工资表")
    sheet.freeze_panes = "E2"
    header = [*LEADING_HEADINGS, *(MONEY_HEADINGS[name] for name in PAYSLIP_MONEY)]
    sheet.append([_styled(sheet, h, bold=True) for h in header])
    money_format = "#,##0.00"

    def money_cells(values: dict[str, int], fill: PatternFill | None = None, bold: bool = False) -> list:
        cells = []
        for name in PAYSLIP_MONEY:
            if name not in values:
                cells.append(None)
                continue
            cell = WriteOnlyCell(sheet, value=_yuan(values[name]))
            cell.number_format = money_format
            if fill is not None:
                cell.fill = fill
            if bold:
                cell.font = _BOLD
            cells.append(cell)
        return cells

    def total_row(label: str, sums: dict[str, int], fill: PatternFill) -> list:
        lead = [_styled(sheet, label, bold=True, fill=fill)] + [_styled(sheet, None, fill=fill)] * (len(LEADING_HEADINGS) - 1)
        return lead + money_cells(sums, fill, bold=True)

    grand = dict.fromkeys(SUMMED, 0)
    street_sums: dict[str, int] | None = None
    community_sums: dict[str, int] | None = None
    current_street = current_community = None
    last_key = ("", "", 0)
    while True:
        rows = list(
            Payslip.select(
                Street.name, Community.name, Worker.code, Worker.name, Payslip.period, Payslip.post, Payslip.grade,
                Payslip.counted_years, Payslip.days, *(getattr(Payslip, n) for n in PAYSLIP_MONEY), Street.code,
                Community.code, Payslip.id,
            )
            .join(Worker, on=(Payslip.worker == Worker.id))
            .switch(Payslip).join(Community, on=(Payslip.community == Community.id))
            .switch(Payslip).join(Street, on=(Payslip.street == Street.id))
            .where((Payslip.run == run_id) & (pw.Tuple(Street.code, Community.code, Payslip.id) > pw.Tuple(*last_key)))
            .order_by(Street.code, Community.code, Payslip.id)
            .limit(BLOCK)
            .tuples()
        )
        if not rows:
            break
        for row in rows:
            street, community = row[0], row[1]
            if community != current_community or street != current_street:
                if community_sums is not None:
                    sheet.append(total_row(f"{current_community} 小计", community_sums, _SUBTOTAL_FILL))
                if street != current_street and street_sums is not None:
                    sheet.append(total_row(f"{current_street} 合计", street_sums, _SUBTOTAL_FILL))
                    street_sums = None
                community_sums = dict.fromkeys(SUMMED, 0)
                if street_sums is None:
                    street_sums = dict.fromkeys(SUMMED, 0)
                current_street, current_community = street, community
            values = dict(zip(PAYSLIP_MONEY, row[9 : 9 + len(PAYSLIP_MONEY)]))
            for name in SUMMED:
                community_sums[name] += values[name]
                street_sums[name] += values[name]
                grand[name] += values[name]
            sheet.append([*row[:9], *money_cells(values)])
        last = rows[-1]
        last_key = (last[-3], last[-2], last[-1])
    if community_sums is not None:
        sheet.append(total_row(f"{current_community} 小计", community_sums, _SUBTOTAL_FILL))
    if street_sums is not None:
        sheet.append(total_row(f"{current_street} 合计", street_sums, _SUBTOTAL_FILL))
    sheet.append(total_row("总计", grand, _TOTAL_FILL))
    workbook.save(path)


def _styled(sheet, value, bold: bool = False, fill: PatternFill | None = None) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    if bold:
        cell.font = _BOLD
        cell.alignment = Alignment(horizontal="center")
    if fill is not None:
        cell.fill = fill
    return cell
