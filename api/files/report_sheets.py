"""Report workbooks: the conversion (工资套改), the budget and the staffing.

- :func:`write_conversion` — 套改明细 (every worker: previous pay, new post and
  grade, the standard amounts, difference, protection allowance, new pay and
  the outcome, with community and street subtotals and a total) and 汇总 (the
  totals by community and street: who gains and who loses);
- :func:`write_budget` — 预算明细 by community with street subtotals, and 按街道
  with a stacked bar chart of the cost by street (workers, vacancies, funds);
- :func:`write_staffing` — 职数 by community with street subtotals, and 缺口图
  with a bar chart of the staffing gaps by community (the 50 largest gaps,
  shortages first; every gap is in the 职数 sheet).

The conversion has a row per worker and is written by the streaming writer of
:mod:`api.files.xlsx`; budget and staffing have a row per community
and use an ordinary openpyxl workbook for their charts.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Iterator, Sequence

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from payroll.budget import BudgetRow
from payroll.money import format_rate
from payroll.staffing import StaffingRow

from api.db.models import Community, Jurisdiction, Street
from api.files.xlsx import HEADING, INTEGER, MONEY, PLAIN, SUMMARY_STYLES, TITLE, XlsxWriter
from api.reads.conversion import OUTCOME_LABELS, ConversionResult, Totals

#: Communities charted in the staffing gap chart (all of them are in the table).
GAP_CHART_COMMUNITIES = 50

CONVERSION_HEADINGS = (
    "街道", "社区", "工号", "姓名", "岗位", "等级", "工龄", "套改前月工资", "岗位等级工资", "学历津贴", "职业资格津贴",
    "任期补贴", "新标准工资", "差额", "保留补差", "套改后月工资", "结果",
)
CONVERSION_SUMMARY_HEADINGS = (
    "街道", "社区", "人数", "有套改前工资人数", "套改前月工资合计", "对应新标准工资合计", "差额合计", "保留补差合计",
    "套改后月工资合计", "增资人数", "减资人数", "持平人数", "无套改前工资人数",
)


def scope_label(street_id: int | None, community_id: int | None, jurisdiction_id: int | None = None) -> str:
    """全部, or the jurisdiction's, street's or community's name."""
    if community_id is not None:
        return Community.get_by_id(community_id).name
    if street_id is not None:
        return Street.get_by_id(street_id).name
    if jurisdiction_id is not None:
        return Jurisdiction.get_by_id(jurisdiction_id).name
    return "全市" if Jurisdiction.select().count() == 1 else "全部辖区"


# --- 工资套改 ---------------------------------------------------------------------------------


def _outcome_summary(t: Totals) -> str:
    return f"增资 {t.gainers} · 减资 {t.losers} · 持平 {t.unchanged} · 无原工资 {t.no_previous_pay}"


def conversion_detail_rows(result: ConversionResult, post_titles: dict[str, str]) -> Iterator[tuple]:
    """Each worker's row of the conversion, in the columns of
    :data:`CONVERSION_HEADINGS` (money in fen; None where there is no
    previous pay), in the order of ``result.communities``."""
    start = 0
    for group in result.communities:
        stop = start + group.totals.workers
        for i in range(start, stop):
            has_previous = bool(result.has_previous[i])
            post = result.post_keys[int(result.post[i])]
            yield (
                group.street_name, group.community_name, result.codes[i], result.names[i],
                post_titles.get(post, post), int(result.grade[i]), int(result.counted_years[i]),
                int(result.previous_pay[i]) if has_previous else None,
                int(result.grade_pay[i]), int(result.education_allowance[i]), int(result.certificate_allowance[i]),
                int(result.tenure_allowance[i]), int(result.standard_wage[i]),
                int(result.difference[i]) if has_previous else None,
                int(result.protection_allowance[i]), int(result.new_monthly_pay[i]),
                OUTCOME_LABELS[result.outcome_of(i)],
            )
        start = stop


def write_conversion(result: ConversionResult, path: str, scope_name: str, post_titles: dict[str, str]) -> None:
    """The conversion report (工资套改测算表) of :func:`api.reads.conversion.conversion`."""
    protects = "是" if result.protects_previous_pay else "否"
    lead = 7
    row_styles = (PLAIN,) * 5 + (INTEGER, INTEGER) + (MONEY,) * 9 + (PLAIN,)
    streets = {g.street_id: g for g in result.streets}
    communities = result.communities
    with XlsxWriter(path) as book:
        sheet = book.sheet("套改明细", widths=(12, 14, 10, 10, 14, 6, 6, *([12] * 9), 14), freeze="E3")
        sheet.row([f"工资套改测算 {result.period} · {scope_name} · 政策版本 "
                   f"{result.version.effective_from.isoformat()}（保留补差：{protects}）"], TITLE)
        sheet.row(CONVERSION_HEADINGS, HEADING)

        def subtotal(label: str, t: Totals, kind: str) -> None:
            style, money_style = SUMMARY_STYLES[kind]
            sheet.row(
                [label, "", "", f"{t.workers} 人", "", "", "", t.previous_pay, "", "", "", "", t.standard_wage,
                 t.difference, t.protection_allowance, t.new_monthly_pay, _outcome_summary(t)],
                [style] * lead + [money_style] * 9 + [style],
            )

        rows = conversion_detail_rows(result, post_titles)
        for k, group in enumerate(communities):
            for _ in range(group.totals.workers):
                sheet.row(next(rows), row_styles)
            subtotal(f"{group.community_name} 小计", group.totals, "COMMUNITY")
            if k == len(communities) - 1 or communities[k + 1].street_id != group.street_id:
                subtotal(f"{group.street_name} 合计", streets[group.street_id].totals, "STREET")
        subtotal("总计", result.total, "TOTAL")

        summary = book.sheet("汇总", widths=(14, 14, 7, 10, *([14] * 5), 9, 9, 9, 12), freeze="C3")
        summary.row([f"工资套改汇总 {result.period} · {scope_name}"], TITLE)
        summary.row(CONVERSION_SUMMARY_HEADINGS, HEADING)

        def summary_row(street: str, community: str, t: Totals, kind: str | None = None) -> None:
            style, money_style = SUMMARY_STYLES[kind] if kind else (PLAIN, MONEY)
            count_style = style if kind else INTEGER
            summary.row(
                [street, community, t.workers, t.with_previous_pay, t.previous_pay, t.standard_wage_compared,
                 t.difference, t.protection_allowance, t.new_monthly_pay, t.gainers, t.losers, t.unchanged,
                 t.no_previous_pay],
                [style, style, count_style, count_style] + [money_style] * 5 + [count_style] * 4,
            )

        for k, group in enumerate(communities):
            summary_row(group.street_name, group.community_name, group.totals)
            if k == len(communities) - 1 or communities[k + 1].street_id != group.street_id:
                summary_row(f"{group.street_name} 合计", "", streets[group.street_id].totals, "STREET")
        summary_row("总计", "", result.total, "TOTAL")


# --- budget and staffing (ordinary workbooks, with charts) -------------------------------------


def _grouped(communities: Sequence[Community], rows: Sequence) -> list[tuple[Street, list[tuple[Community, object]]]]:
    """Rows paired with their communities, grouped by street, in code order."""
    streets = {s.id: s for s in Street.select().where(Street.id.in_({c.street_id for c in communities}))} if communities else {}
    pairs = sorted(zip(communities, rows), key=lambda p: (streets[p[0].street_id].code, p[0].code))
    out: list[tuple[Street, list]] = []
    for community, row in pairs:
        street = streets[community.street_id]
        if not out or out[-1][0].id != street.id:
            out.append((street, []))
        out[-1][1].append((community, row))
    return out


MONEY_FORMAT = "#,##0.00"
HEADING_FILL = PatternFill("solid", fgColor="DDE6F2")
STREET_FILL = PatternFill("solid", fgColor="E2EAF6")
TOTAL_FILL = PatternFill("solid", fgColor="C9D8EE")


def yuan(fen: int) -> Decimal:
    """Integer fen as exact yuan (``352048 → Decimal("3520.48")``)."""
    return Decimal(int(fen)).scaleb(-2)


def column_widths(sheet, widths: Sequence[float]) -> None:
    for i, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width


def _style_row(sheet, row: int, width: int, fill, money_columns: Sequence[int] = ()) -> None:
    for column in range(1, width + 1):
        cell = sheet.cell(row=row, column=column)
        if fill is not None:
            cell.fill = fill
            cell.font = Font(bold=True)
        if column in money_columns:
            cell.number_format = MONEY_FORMAT


def _heading_row(sheet, row: int, headings: Sequence[str]) -> None:
    for column, heading in enumerate(headings, start=1):
        cell = sheet.cell(row=row, column=column, value=heading)
        cell.font = Font(bold=True)
        cell.fill = HEADING_FILL


BUDGET_HEADINGS = ("街道", "社区", "在岗人员成本", "空缺正职", "空缺副职", "空缺其他", "空缺岗位成本", "社区经费", "合计")
BUDGET_STREET_HEADINGS = ("街道", "在岗人员成本", "空缺岗位成本", "社区经费", "合计")


def write_budget(communities: Sequence[Community], rows: Sequence[BudgetRow], path: str, year: int, growth: int,
                 scope_name: str) -> None:
    """The budget of :func:`api.reads.reports.budget` with a chart of the cost by street."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "预算明细"
    growth_text = f"（基数增长 {format_rate(growth * 100)}%）" if growth else ""
    sheet.append([f"{year} 年度预算{growth_text} · {scope_name}"])
    sheet["A1"].font = Font(bold=True, size=14)
    _heading_row(sheet, 2, BUDGET_HEADINGS)
    money = (3, 7, 8, 9)

    def add(label: str, community: str | None, r: Sequence[BudgetRow], fill) -> None:
        sheet.append([
            label, community, yuan(sum(x.workers_cost for x in r)), sum(x.vacancies[0] for x in r),
            sum(x.vacancies[1] for x in r), sum(x.vacancies[2] for x in r), yuan(sum(x.vacancy_cost for x in r)),
            yuan(sum(x.funds for x in r)), yuan(sum(x.total for x in r)),
        ])
        _style_row(sheet, sheet.max_row, len(BUDGET_HEADINGS), fill, money)

    by_street = []
    for street, pairs in _grouped(communities, rows):
        for community, row in pairs:
            add(street.name, community.name, [row], None)
        street_rows = [row for _, row in pairs]
        add(f"{street.name} 合计", None, street_rows, STREET_FILL)
        by_street.append((street, street_rows))
    add("总计", None, list(rows), TOTAL_FILL)
    sheet.freeze_panes = "C3"
    column_widths(sheet, (14, 14, 16, 9, 9, 9, 16, 14, 16))

    chart_sheet = workbook.create_sheet("按街道")
    chart_sheet.append([f"{year} 年度预算按街道{growth_text} · {scope_name}"])
    chart_sheet["A1"].font = Font(bold=True, size=14)
    _heading_row(chart_sheet, 2, BUDGET_STREET_HEADINGS)
    for street, street_rows in by_street:
        chart_sheet.append([
            street.name, yuan(sum(r.workers_cost for r in street_rows)), yuan(sum(r.vacancy_cost for r in street_rows)),
            yuan(sum(r.funds for r in street_rows)), yuan(sum(r.total for r in street_rows)),
        ])
        _style_row(chart_sheet, chart_sheet.max_row, 5, None, (2, 3, 4, 5))
    last = chart_sheet.max_row
    chart_sheet.append(["总计", yuan(sum(r.workers_cost for r in rows)), yuan(sum(r.vacancy_cost for r in rows)),
                        yuan(sum(r.funds for r in rows)), yuan(sum(r.total for r in rows))])
    _style_row(chart_sheet, chart_sheet.max_row, 5, TOTAL_FILL, (2, 3, 4, 5))
    column_widths(chart_sheet, (14, 16, 16, 14, 16))
    if by_street:
        chart = BarChart()
        chart.type = "col"
        chart.grouping = "stacked"
        chart.overlap = 100
        chart.title = f"{year} 年度预算：各街道成本（元）"
        chart.y_axis.title = "元"
        chart.y_axis.numFmt = "#,##0"
        chart.add_data(Reference(chart_sheet, min_col=2, max_col=4, min_row=2, max_row=last), titles_from_data=True)
        chart.set_categories(Reference(chart_sheet, min_col=1, min_row=3, max_row=last))
        chart.width, chart.height = 22, 12
        chart_sheet.add_chart(chart, "G2")
    workbook.save(path)


STAFFING_HEADINGS = ("街道", "社区", "户数", "人口", "应配职数", "应配正职", "应配副职", "应配其他", "实有正职", "实有副职",
                     "实有其他", "实有合计", "缺口", "网格数", "人均服务居民")


def write_staffing(communities: Sequence[Community], rows: Sequence[StaffingRow], path: str, day: dt.date,
                   version_from: dt.date | None, scope_name: str) -> None:
    """The staffing of :func:`api.reads.reports.staffing` with a chart of the gaps by community."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "职数"
    policy = f"政策版本 {version_from.isoformat()}" if version_from is not None else "各辖区政策"
    sheet.append([f"社区工作者职数 {day.isoformat()} · {scope_name} · {policy}"])
    sheet["A1"].font = Font(bold=True, size=14)
    _heading_row(sheet, 2, STAFFING_HEADINGS)
    counted = ("required", "chief_required", "deputy_required", "staff_required", "chief_actual", "deputy_actual",
               "staff_actual", "active", "gap")

    def add(label: str, community: str | None, pairs: Sequence[tuple[Community, StaffingRow]], fill) -> None:
        one = pairs[0][1] if len(pairs) == 1 and community is not None else None
        sheet.append([
            label, community, sum(c.households for c, _ in pairs), sum(c.population for c, _ in pairs),
            *(sum(getattr(r, name) for _, r in pairs) for name in counted),
            sum(r.grids or 0 for _, r in pairs),
            (one.residents_per_worker or None) if one is not None else None,
        ])
        _style_row(sheet, sheet.max_row, len(STAFFING_HEADINGS), fill)

    everything = []
    for street, pairs in _grouped(communities, rows):
        for community, row in pairs:
            add(street.name, community.name, [(community, row)], None)
        add(f"{street.name} 合计", None, pairs, STREET_FILL)
        everything += pairs
    if everything:
        add("总计", None, everything, TOTAL_FILL)
    sheet.freeze_panes = "C3"
    column_widths(sheet, (14, 14, 8, 8, *([9] * 10), 12))

    chart_sheet = workbook.create_sheet("缺口图")
    chart_sheet.append([f"职数缺口（正数缺员，负数超编）{day.isoformat()} · {scope_name}"])
    chart_sheet["A1"].font = Font(bold=True, size=14)
    _heading_row(chart_sheet, 2, ("社区", "街道", "缺口"))
    gaps = sorted((p for p in everything if p[1].gap != 0), key=lambda p: (-p[1].gap, p[0].code))[:GAP_CHART_COMMUNITIES]
    street_names = {s.id: s.name for s in Street.select(Street.id, Street.name)} if gaps else {}
    for community, row in gaps:
        chart_sheet.append([community.name, street_names.get(community.street_id), row.gap])
    column_widths(chart_sheet, (16, 14, 8))
    if gaps:
        chart = BarChart()
        chart.type = "bar"
        chart.title = "各社区职数缺口（人）"
        chart.x_axis.title = "社区"
        chart.y_axis.title = "人"
        chart.legend = None
        chart.add_data(Reference(chart_sheet, min_col=3, min_row=2, max_row=2 + len(gaps)), titles_from_data=True)
        chart.set_categories(Reference(chart_sheet, min_col=1, min_row=3, max_row=2 + len(gaps)))
        chart.width, chart.height = 18, max(8, 0.6 * len(gaps))
        chart_sheet.add_chart(chart, "E2")
    else:
        chart_sheet.append(["没有缺口 / no gaps"])
    workbook.save(path)

