"""The engine subcommands of ``community-payroll``: quote, staffing, budget and
explain.  Files in, files out: they need no database."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

import payroll
from payroll.budget import BUDGET_COLUMNS, compute_budget
from payroll.corrections import compute_corrections
from payroll.csvio import (
    payslips_csv_bytes,
    read_communities,
    read_paid_payslips,
    read_population,
    read_workers,
    rows_csv,
)
from payroll.explain import explain_month, explain_stored_payslip, explanation_text
from payroll.months import compute_periods
from payroll.policy import Policy, example_policy_path, load_policy
from payroll.staffing import STAFFING_COLUMNS, compute_staffing
from payroll.texts import Text
from payroll.workers import InputError, Population

from api.cli.common import (
    CSV,
    TEXT,
    UsageError,
    add_growth_argument,
    add_no_progress,
    add_output,
    date_argument,
    output_format,
    period_argument,
    progress_bar,
    say,
    stage,
    step,
    write_output,
)

DATA = Path(payroll.__file__).with_name("data")
EXAMPLE_WORKERS = DATA / "examples" / "workers.csv"
EXAMPLE_COMMUNITIES = DATA / "examples" / "communities.csv"


#: Workers per block when quoting: a block's months are held while formatted.
QUOTE_CHUNK_SIZE = 16_384
#: quote writes the payslips CSV of interfaces.md §1 only.
QUOTE_FORMATS = (CSV,)


def _load_policy(args: argparse.Namespace) -> Policy:
    path = args.policy or example_policy_path()
    return load_policy(path)


def _default_input(value: str | None, example: Path, what: str) -> Path:
    if value:
        return Path(value)
    say(f"未指定 {what}，使用内置示例 {example}", f"no {what} given, using the shipped example {example}")
    return example


def _skipped(problems: list[InputError]) -> None:
    for problem in problems:
        say(f"已跳过 {problem.text.zh}", f"skipped {problem.text.en}")


def _read_workers(args: argparse.Namespace, policy: Policy):
    path = _default_input(args.workers, EXAMPLE_WORKERS, "--workers")
    result = read_workers(path, policy.post_keys, skip_bad_rows=args.skip_bad_rows, post_names=policy.post_names)
    _skipped(result.skipped)
    return result.rows


def _read_communities(args: argparse.Namespace):
    path = _default_input(args.communities, EXAMPLE_COMMUNITIES, "--communities")
    result = read_communities(path, skip_bad_rows=args.skip_bad_rows)
    _skipped(result.skipped)
    return result.rows


def cmd_quote(args: argparse.Namespace) -> None:
    output_format(args.output, QUOTE_FORMATS, Text("工资条数据", "the payslips"))
    policy = _load_policy(args)
    if args.to < args.from_:
        raise UsageError(f"--to {args.to} 早于 --from {args.from_}", f"--to {args.to} is before --from {args.from_}")
    path = _default_input(args.workers, EXAMPLE_WORKERS, "--workers")
    with progress_bar(not args.no_progress) as progress:
        with step(progress, "read"):
            read = read_population(path, policy.post_keys, skip_bad_rows=args.skip_bad_rows,
                                   post_names=policy.post_names)
            _skipped(read.skipped)
            population = read.population
            paid = read_paid_payslips(args.paid, population.ids.tolist()) if args.paid else None
        months = compute_periods(policy, population, args.from_, args.to, chunk_size=QUOTE_CHUNK_SIZE, paid=paid,
                                 progress=stage(progress, "compute"))
        data = payslips_csv_bytes(months, population.ids, policy.post_keys)
        with step(progress, "write"):
            write_output(args.output, data)


def cmd_staffing(args: argparse.Namespace) -> None:
    output_format(args.output, (CSV,), Text("职数测算", "the staffing"))
    policy = _load_policy(args)
    communities = _read_communities(args)
    workers = _read_workers(args, policy)
    rows = compute_staffing(policy, communities, workers, args.date)
    write_output(args.output, rows_csv(STAFFING_COLUMNS, [r.as_csv() for r in rows]))


def cmd_budget(args: argparse.Namespace) -> None:
    output_format(args.output, (CSV,), Text("年度预算", "the budget"))
    policy = _load_policy(args)
    with progress_bar(not args.no_progress) as progress:
        with step(progress, "read"):
            communities = _read_communities(args)
            workers = _read_workers(args, policy)
        rows = compute_budget(policy, communities, workers, args.year, args.base_income_growth,
                              stage(progress, "compute"))
    write_output(args.output, rows_csv(BUDGET_COLUMNS, [r.as_csv() for r in rows]))


def cmd_explain(args: argparse.Namespace) -> None:
    output_format(args.output, (TEXT,), Text("工资说明", "the explanation"))
    policy = _load_policy(args)
    workers = _read_workers(args, policy)
    ids = [w.worker_id for w in workers]
    if args.worker not in ids:
        raise UsageError(f"--worker {args.worker}：工作者文件中没有此人", f"--worker {args.worker}: no such worker in "
                                                                          "the workers file")
    i = ids.index(args.worker)
    if args.paid:
        # §13: the month follows the paid ones; explain it with its back pay.
        population = Population.from_workers(workers, policy.post_keys)
        paid = read_paid_payslips(args.paid, ids)
        corrections = compute_corrections(policy, population, paid, args.period)
        explanation = explain_stored_payslip(
            policy, workers[i], args.period, corrections.state.take(np.array([i])), corrections.detail.months_of(i)
        )
    else:
        explanation = explain_month(policy, workers[i], args.period)
    if explanation is None:
        raise UsageError(f"工作者 {args.worker} 在 {args.period} 没有工资条（当月不在职）",
                         f"worker {args.worker} has no payslip in {args.period} (not in service that month)")
    write_output(args.output, explanation_text(explanation))


def _common(parser: argparse.ArgumentParser, formats: tuple[str, ...], communities: bool = False) -> None:
    parser.add_argument(
        "--policy",
        metavar="P.yaml",
        help="政策文件 (YAML)；省略时使用内置示例 / policy document; the shipped example when omitted",
    )
    if communities:
        parser.add_argument(
            "--communities", metavar="C.csv", help="社区 CSV / communities CSV (community_id,name,street,households,population)"
        )
    parser.add_argument("--workers", metavar="W.csv", help="社区工作者 CSV / workers CSV (spec §1 columns)")
    parser.add_argument(
        "--skip-bad-rows",
        action="store_true",
        help="跳过有错误的行并逐行报告 / compute the good rows and report each bad row on standard error",
    )
    add_output(parser, formats)


def add_engine_commands(sub: argparse._SubParsersAction) -> None:
    """Register quote, staffing, budget and explain."""

    quote = sub.add_parser(
        "quote",
        help="计算工资条 / payslips CSV for a range of months",
        description="按月计算工资条（每年从一月或期初月份开始累计计税） / payslips CSV for the months "
        "(each year computed from January or the opening month, so the cumulative tax is right)",
    )
    _common(quote, QUOTE_FORMATS)
    add_no_progress(quote)
    quote.add_argument("--from", dest="from_", type=period_argument, required=True, metavar="YYYY-MM", help="起始月份 / first month")
    quote.add_argument("--to", type=period_argument, required=True, metavar="YYYY-MM", help="截止月份 / last month")
    quote.add_argument(
        "--paid",
        metavar="PAID.csv",
        help="已发放的工资条 CSV：--from 月份补发（扣）按现行政策和更正后的档案重算的差额（规则 §13） / payslips "
        "already paid (a payslips CSV): the first month computed carries the back pay of salary-model §13",
    )
    quote.set_defaults(handler=cmd_quote)

    staffing = sub.add_parser(
        "staffing",
        help="社区工作者职数 / staffing CSV",
        description="按政策测算各社区应配职数与实有人数 / required and actual workers per community on a date",
    )
    _common(staffing, (CSV,), communities=True)
    staffing.add_argument("--date", type=date_argument, required=True, metavar="YYYY-MM-DD", help="测算日期 / date")
    staffing.set_defaults(handler=cmd_staffing)

    budget = sub.add_parser(
        "budget",
        help="年度预算 / budget CSV",
        description="测算社区年度经费预算 / a community's yearly budget: workers, vacancies and funds",
    )
    _common(budget, (CSV,), communities=True)
    budget.add_argument("--year", type=int, required=True, help="预算年度 / budget year")
    add_growth_argument(budget)
    add_no_progress(budget)
    budget.set_defaults(handler=cmd_budget)

    explain = sub.add_parser(
        "explain",
        help="逐项解释一名工作者某月工资 / explain one worker's payslip line by line",
        description="说明每一项金额由哪条规则和哪些政策数据得出 / which rule and policy figures produced each amount",
    )
    _common(explain, (TEXT,))
    explain.add_argument("--worker", required=True, help="工作者编号 / worker_id")
    explain.add_argument("--period", type=period_argument, required=True, metavar="YYYY-MM", help="月份 / month")
    explain.add_argument(
        "--paid",
        metavar="PAID.csv",
        help="已发放的工资条 CSV：该月为其后第一个月，连同补发逐月说明 / payslips already paid: the month is the first "
        "after them and is explained with its back pay month by month (§13)",
    )
    explain.set_defaults(handler=cmd_explain)
