"""The command line: help, bad input, --skip-bad-rows, --output."""

from __future__ import annotations

import os
import re
import stat

import pytest

from api.cli import main

from .chinese import assert_chinese_first
from .conftest import EXAMPLES

HEADER = ("worker_id,community_id,name,post,service_start,service_end,prior_service_years,education,certificate,"
          "certificate_date,incompetent_years,assessment,special_deduction_monthly,previous_monthly_pay")
GOOD = "W1,C01,甲,STAFF,2020-01-01,,0,BACHELOR,NONE,,0,,0,"


def write_workers(tmp_path, *rows: str, header: str = HEADER):
    path = tmp_path / "workers.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return str(path)


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.parametrize(
    "row,message",
    [
        ("W2,C01,乙,BOSS,2020-01-01,,0,,NONE,,0,,0,", "line 3 (worker W2): post: 'BOSS' is not a post of the policy"),
        ("W2,C01,乙,STAFF,2020-01-01,,-2,,NONE,,0,,0,", "line 3 (worker W2): prior_service_years: -2 must not be negative"),
        ("W2,C01,乙,STAFF,2020-01-01,2019-05-01,0,,NONE,,0,,0,",
         "line 3 (worker W2): service_end: 2019-05-01 is before service_start 2020-01-01"),
        ("W2,C01,乙,STAFF,2020-1-32,,0,,NONE,,0,,0,", "line 3 (worker W2): service_start: '2020-1-32' is not a valid date"),
        ("W2,C01,乙,STAFF,2020-01-01,,0,,NONE,,0,,12.345,",
         "line 3 (worker W2): special_deduction_monthly: '12.345' is not an amount of yuan"),
        ("W2,C01,乙,STAFF,2020-01-01,,0,,SOCIAL_WORKER,,0,,0,",
         "line 3 (worker W2): certificate_date: is required for certificate SOCIAL_WORKER"),
        ("W2,C01,乙,STAFF,2020-01-01,,0,PHD,NONE,,0,,0,", "line 3 (worker W2): education: 'PHD' is not one of"),
        ("W1,C01,乙,STAFF,2020-01-01,,0,,NONE,,0,,0,", "line 3 (worker W1): worker_id: 'W1' already appears on line 2"),
    ],
)
def test_bad_input_is_refused_in_one_line_with_exit_status_2(tmp_path, capsys, row, message):
    workers = write_workers(tmp_path, GOOD, row)
    output = tmp_path / "out.csv"
    code, out, err = run(capsys, "quote", "--workers", workers, "--from", "2026-01", "--to", "2026-01",
                         "--output", str(output))
    assert code == 2
    assert out == ""
    assert not output.exists()  # no partial output
    assert err.count("\n") == 1
    assert err.startswith("community-payroll: 错误 / error: workers.csv 第 3 行（工作者 W")
    assert_chinese_first(err)
    assert f" / workers.csv {message}" in err


def test_skip_bad_rows_computes_the_good_ones_and_reports_each_bad_one(tmp_path, capsys):
    workers = write_workers(
        tmp_path,
        GOOD,
        "W2,C01,乙,BOSS,2020-01-01,,0,,NONE,,0,,0,",
        "W3,C01,丙,STAFF,2020-01-01,,0,,NONE,,0,,0,",
        "W4,C01,丁,STAFF,2020-13-01,,0,,NONE,,0,,0,",
    )
    code, out, err = run(capsys, "quote", "--workers", workers, "--from", "2026-01", "--to", "2026-01",
                         "--skip-bad-rows")
    assert code == 0
    assert [line.split(",")[0] for line in out.splitlines()[1:]] == ["W1", "W3"]
    lines = err.strip().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("community-payroll: 已跳过 workers.csv 第 3 行（工作者 W2）：post：“BOSS”不是政策中的岗位")
    assert " / skipped workers.csv line 3 (worker W2): post: 'BOSS' is not a post of the policy" in lines[0]
    assert lines[1].startswith("community-payroll: 已跳过 workers.csv 第 5 行（工作者 W4）：service_start：")
    assert " / skipped workers.csv line 5 (worker W4): service_start:" in lines[1]


def test_unknown_column_is_refused(tmp_path, capsys):
    workers = write_workers(tmp_path, "W1,STAFF,2020-01-01,BACHELOR", header="worker_id,post,service_start,educaton")
    code, _, err = run(capsys, "quote", "--workers", workers, "--from", "2026-01", "--to", "2026-01")
    assert code == 2
    assert "workers.csv 第 1 行：educaton：不是可用的列" in err
    assert "workers.csv line 1: educaton: is not a known column" in err


def test_missing_column_and_bom(tmp_path, capsys):
    path = tmp_path / "w.csv"
    path.write_text("\ufeffworker_id,post\nW1,STAFF\n", encoding="utf-8")
    code, _, err = run(capsys, "quote", "--workers", str(path), "--from", "2026-01", "--to", "2026-01")
    assert code == 2
    assert "w.csv 第 1 行：service_start：缺少此列 / w.csv line 1: service_start: column is missing" in err
    path.write_text("\ufeffworker_id,post,service_start\nW1,STAFF,2026-01-01\n", encoding="utf-8")
    code, out, _ = run(capsys, "quote", "--workers", str(path), "--from", "2026-01", "--to", "2026-01")
    assert code == 0 and out.splitlines()[1].startswith("W1,2026-01,STAFF,1,0,31,")


def test_invalid_policy_is_refused_with_its_paths(tmp_path, capsys):
    policy = tmp_path / "p.yaml"
    text = (EXAMPLES.parent / "policy-example.yaml").read_text(encoding="utf-8")
    policy.write_text(text.replace("CHIEF: {title: 正职（书记、主任）, min_grade: 5, max_grade: 16}",
                                   "CHIEF: {title: 正职（书记、主任）, min_grade: 5, max_grade: 17}"), encoding="utf-8")
    code, out, err = run(capsys, "quote", "--policy", str(policy), "--from", "2026-01", "--to", "2026-01")
    assert code == 2 and out == ""
    assert err.count("\n") == 1
    assert err == ("community-payroll: 错误 / error: 政策文件有误（2 处）：versions[0].posts.CHIEF.max_grade：17 超出本表的 "
                   "16 个等级；versions[1].posts.CHIEF.max_grade：17 超出本表的 16 个等级 / invalid policy document (2 "
                   "problem(s)): versions[0].posts.CHIEF.max_grade: 17 is above the 16 grades of this table; "
                   "versions[1].posts.CHIEF.max_grade: 17 is above the 16 grades of this table\n")


def test_period_outside_every_version(capsys):
    code, _, err = run(capsys, "quote", "--from", "2024-12", "--to", "2025-01")
    assert code == 2
    assert ("no version is in force for 2024-01, which the year-to-date income tax of 2024-12 needs "
            "(worker W001 is paid in 2024-01 and has no opening balances through it)") in err


def test_to_before_from(capsys):
    code, _, err = run(capsys, "quote", "--from", "2026-05", "--to", "2026-04")
    assert code == 2 and err == ("community-payroll: 错误 / error: --to 2026-04 早于 --from 2026-05 / --to 2026-04 is "
                                 "before --from 2026-05\n")


def test_staffing_refuses_a_worker_of_an_unknown_community(tmp_path, capsys):
    workers = write_workers(tmp_path, "W1,C99,甲,STAFF,2020-01-01,,0,,NONE,,0,,0,")
    code, _, err = run(capsys, "staffing", "--communities", str(EXAMPLES / "communities.csv"), "--workers", workers,
                       "--date", "2026-11-01")
    assert code == 2
    assert "工作者 W1：community_id：“C99”不在所给的社区中 / worker W1: community_id: 'C99' is not one of the " \
           "communities given" in err


def test_output_file_is_written_whole(tmp_path, capsys):
    output = tmp_path / "payslips.csv"
    code, out, _ = run(capsys, "quote", "--from", "2026-01", "--to", "2026-12", "--output", str(output))
    assert code == 0 and out == ""
    assert output.read_text(encoding="utf-8") == (EXAMPLES / "payslips-2026.csv").read_text(encoding="utf-8")


def test_output_file_gets_an_ordinary_mode_and_keeps_an_existing_one(tmp_path, capsys):
    umask = os.umask(0o022)
    try:
        fresh = tmp_path / "staffing.csv"
        assert run(capsys, "staffing", "--date", "2026-11-01", "--output", str(fresh))[0] == 0
        assert stat.S_IMODE(fresh.stat().st_mode) == 0o644  # not mkstemp's private 0600
        shared = tmp_path / "budget.csv"
        shared.write_text("old", encoding="utf-8")
        shared.chmod(0o664)
        assert run(capsys, "budget", "--year", "2027", "--output", str(shared))[0] == 0
        assert stat.S_IMODE(shared.stat().st_mode) == 0o664
        assert shared.read_text(encoding="utf-8").startswith("community_id,year,workers_cost,")
    finally:
        os.umask(umask)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["budget.csv", "staffing.csv"]  # no temporary left


@pytest.mark.parametrize("command", ["quote", "staffing", "budget", "explain"])
def test_every_subcommand_has_bilingual_help(capsys, command):
    with pytest.raises(SystemExit) as info:
        main([command, "--help"])
    assert info.value.code == 0
    text = capsys.readouterr().out
    assert "--policy" in text and "政策文件" in text


def test_explain_prints_every_line(capsys):
    code, out, _ = run(capsys, "explain", "--worker", "W001", "--period", "2026-12")
    assert code == 0
    assert "§4.1 岗位等级工资 Grade pay (grade_pay) = 5532.18" in out
    assert "40234.00 × 1.65 / 12 = 5532.175 → 5532.18" in out
    assert "versions[1].grades.coefficients[10] = 1.65" in out
    assert "bonus bracket 1 (≤ 3000.00); 15932.74 × 0.03 − 0.00 = 477.9822 → 477.98" in out


def test_explain_a_month_without_payslip(capsys):
    code, _, err = run(capsys, "explain", "--worker", "W003", "--period", "2026-02")
    assert code == 2 and "工作者 W003 在 2026-02 没有工资条（当月不在职） / worker W003 has no payslip in 2026-02" in err


# --- quote --paid (§13) ---------------------------------------------------------------------

CORRECTIONS = EXAMPLES / "corrections"


def quote_paid(capsys, paid_text: str, tmp_path, start: str = "2026-04"):
    paid = tmp_path / "paid.csv"
    paid.write_text(paid_text, encoding="utf-8")
    return run(capsys, "quote", "--workers", str(CORRECTIONS / "workers-corrected.csv"), "--from", start,
               "--to", "2026-12", "--paid", str(paid))


def paid_lines() -> list[str]:
    return (CORRECTIONS / "paid-2026-01-to-03.csv").read_text(encoding="utf-8").splitlines()


def test_paid_row_of_an_unknown_worker_is_refused_naming_it(tmp_path, capsys):
    lines = paid_lines()
    code, out, err = quote_paid(capsys, "\n".join([*lines, lines[1].replace("W001", "W099")]) + "\n", tmp_path)
    assert code == 2 and out == ""
    assert err == ("community-payroll: 错误 / error: paid.csv 第 15 行（工作者 W099）：worker_id：“W099”不在工作者文件中；"
                   "已发放的工资条须有对应的工作者 / paid.csv line 15 (worker W099): worker_id: 'W099' is not among the "
                   "workers; a paid payslip needs its worker in the workers file\n")


def test_paid_month_at_or_after_from_is_refused_naming_worker_and_month(tmp_path, capsys):
    code, out, err = quote_paid(capsys, "\n".join(paid_lines()) + "\n", tmp_path, start="2026-03")
    assert code == 2 and out == ""
    assert err == ("community-payroll: 错误 / error: 工作者 W001：2026-03 的已发放工资条不早于计算的第一个月 2026-03；"
                   "请从最后已发放月份的下一个月开始计算 / worker W001: a payslip paid for 2026-03 is at or after "
                   "2026-03, the first month computed; quote from the month after the last one paid\n")


def test_paid_rows_of_months_under_opening_balances_are_ignored(tmp_path, capsys):
    # W006's opening balances cover January–March: paid rows for them change nothing.
    lines = paid_lines()
    w006 = [lines[1].replace("W001", "W006").replace("2026-01", f"2026-0{m}") for m in (1, 2, 3)]
    code, out, _ = quote_paid(capsys, "\n".join([*lines, *w006]) + "\n", tmp_path)
    assert code == 0
    assert out == (CORRECTIONS / "payslips-2026-04-to-12.csv").read_text(encoding="utf-8")


def test_paid_file_with_quotes_and_crlf_reads_the_same(tmp_path, capsys):
    lines = [line.replace("W002,", '"W002",') for line in paid_lines()]
    code, out, _ = quote_paid(capsys, "\r\n".join(lines) + "\r\n", tmp_path)
    assert code == 0
    assert out == (CORRECTIONS / "payslips-2026-04-to-12.csv").read_text(encoding="utf-8")


def test_paid_amount_that_is_not_money_is_refused(tmp_path, capsys):
    lines = paid_lines()
    lines[2] = lines[2].replace("4939.00", "4939.5x", 1)
    code, _, err = quote_paid(capsys, "\n".join(lines) + "\n", tmp_path)
    assert code == 2
    assert err.startswith("community-payroll: 错误 / error: paid.csv 第 3 行（工作者 W001）：gross：“4939.5x”不是最多两位"
                          "小数的元金额（如 3520.48） / paid.csv line 3 (worker W001): gross: '4939.5x' is not an amount")


def test_explain_with_paid_shows_the_back_pay_month_by_month(capsys):
    code, out, _ = run(capsys, "explain", "--workers", str(CORRECTIONS / "workers-corrected.csv"), "--worker", "W007",
                       "--period", "2026-04", "--paid", str(CORRECTIONS / "paid-2026-01-to-03.csv"))
    assert code == 0
    assert "§13 补发（补扣） Back pay (back_pay) = 5564.52" in out
    assert "2026-02: 应发 0.00 → 2,782.26, 差额 +2,782.26；2026-03: 应发 0.00 → 2,782.26, 差额 +2,782.26" in out


def test_quote_staffing_and_budget_neutralise_ids_that_start_like_formulas(tmp_path, capsys):
    """The engine's CSVs carry the ids users typed: text a spreadsheet would run
    as a formula gets OWASP's leading quote; amounts (negative ones too) stay numbers."""
    workers = write_workers(tmp_path, '"=HYPERLINK(""http://evil.example/"",""工资"")",@C01,甲,STAFF,2020-01-01,,0,'
                                      'BACHELOR,NONE,,0,,0,')
    code, out, _ = run(capsys, "quote", "--workers", workers, "--from", "2026-01", "--to", "2026-01")
    assert code == 0
    assert out.splitlines()[1].startswith('"\'=HYPERLINK(""http://evil.example/"",""工资"")",2026-01,STAFF,')
    communities = tmp_path / "communities.csv"
    communities.write_text("community_id,name,street,households,population\n@C01,甲社区,甲街道,1000,3000\n",
                           encoding="utf-8")
    code, out, _ = run(capsys, "staffing", "--communities", str(communities), "--workers", workers,
                       "--date", "2026-01-01")
    assert code == 0 and out.splitlines()[1].startswith("'@C01,")
    code, out, _ = run(capsys, "budget", "--communities", str(communities), "--workers", workers, "--year", "2027")
    assert code == 0 and out.splitlines()[1].startswith("'@C01,2027,")


@pytest.mark.parametrize("command", [["quote", "--from", "2026-01", "--to", "2026-12"], ["budget", "--year", "2027"]])
def test_progress_bar_only_when_standard_error_is_a_terminal(capsys, monkeypatch, command):
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.delenv("TTY_COMPATIBLE", raising=False)
    code, quiet, err = run(capsys, *command)
    assert code == 0 and "\x1b[" not in err and "计算 / computing" not in err  # a log or a pipe: no escape codes
    monkeypatch.setenv("TTY_COMPATIBLE", "1")  # rich: standard error is a terminal
    code, out, err = run(capsys, *command)
    assert code == 0 and out == quiet
    assert "\x1b[" in err and "计算 / computing" in err and "6/6" in err  # the six example workers
    code, out, err = run(capsys, *command, "--no-progress")
    assert code == 0 and out == quiet and "\x1b[" not in err


def test_growth_outside_the_range_is_refused_with_a_hint(capsys):
    """Issue 13: --base-income-growth 5 computed 500 % and exited 0."""
    with pytest.raises(SystemExit) as info:
        main(["budget", "--year", "2027", "--base-income-growth", "5"])
    err = capsys.readouterr().err
    assert info.value.code == 2
    assert err.splitlines()[-1] == (
        "community-payroll: 错误 / error: 参数 --base-income-growth：5 超出允许范围 -50 % 至 100 %（-0.5 至 1），比率须写成"
        "小数，如 0.05 表示 5 %；是否指 5 %（0.05）？ / argument --base-income-growth: 5 is outside the accepted range "
        "-50 % to 100 % (-0.5 to 1); give the rate as a decimal, e.g. 0.05 for 5 %; did you mean 5 % (0.05)?")
    code, out, _ = run(capsys, "budget", "--year", "2027", "--base-income-growth", "-0.5")
    assert code == 0 and out.startswith("community_id,year,")


@pytest.mark.parametrize("args,message", [
    (["quote", "--from", "2026-01", "--to", "2026-12", "-o", "payslips.xlsx"],
     "--output payslips.xlsx：工资条数据不能写成该格式（可写：CSV（.csv）） / --output payslips.xlsx: the payslips cannot "
     "be written in this format (it writes .csv)"),
    (["staffing", "--date", "2026-11-01", "-o", "职数.txt"],
     "--output 职数.txt：职数测算不能写成该格式（可写：CSV（.csv）） / --output 职数.txt: the staffing cannot be written "
     "in this format (it writes .csv)"),
    (["explain", "--worker", "W001", "--period", "2026-12", "-o", "说明.xlsx"],
     "--output 说明.xlsx：工资说明不能写成该格式（可写：文本 / text） / --output 说明.xlsx: the explanation cannot be "
     "written in this format (it writes text)"),
])
def test_a_format_a_command_cannot_write_is_refused_before_any_work(tmp_path, capsys, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, *args)
    assert (code, out) == (2, "") and err == f"community-payroll: 错误 / error: {message}\n"
    assert list(tmp_path.iterdir()) == []


def test_argparse_errors_are_chinese_first(capsys):
    with pytest.raises(SystemExit):
        main(["quote", "--to", "2026-02"])
    assert capsys.readouterr().err.splitlines()[-1] == (
        "community-payroll: 错误 / error: 缺少必需的参数：--from / the following arguments are required: --from")
    with pytest.raises(SystemExit):
        main(["quote", "--from", "2026-13", "--to", "2026-12"])
    assert capsys.readouterr().err.splitlines()[-1] == (
        "community-payroll: 错误 / error: 参数 --from：月份 13 不在 1 至 12 之间 / argument --from: month 13 is not "
        "between 1 and 12")
    with pytest.raises(SystemExit):
        main(["token", "create", "--role", "BOSS", "--name", "x"])
    assert capsys.readouterr().err.splitlines()[-1] == (
        "community-payroll: 错误 / error: 参数 --role：'BOSS' 不是可选值（可选：'ADMIN', 'HR', 'FINANCE', 'VIEWER', "
        "'WORKER', 'PROVINCE'） / argument --role: invalid choice: 'BOSS' (choose from 'ADMIN', 'HR', 'FINANCE', 'VIEWER', "
        "'WORKER', 'PROVINCE')")


@pytest.mark.parametrize("command", [
    ["quote"], ["staffing"], ["budget"], ["explain"], ["serve"], ["migrate"], ["demo"], ["token", "create"],
    ["token", "list"], ["token", "revoke"], ["import", "workers"], ["policy", "validate"], ["policy", "import"],
    ["policy", "list"], ["policy", "grades"], ["export", "run"], ["export", "payslips"], ["export", "bank"],
    ["export", "contributions"], ["export", "conversion"], ["export", "budget"], ["export", "staffing"],
])
def test_help_of_every_subcommand_is_chinese_first(capsys, command):
    with pytest.raises(SystemExit) as info:
        main([*command, "--help"])
    assert info.value.code == 0
    text = capsys.readouterr().out
    assert re.search(r"-h, --help\s+显示帮助并退出 / show this help message and exit", text)
    options = re.findall(r"^  (-[-\w, ]+?)(?:\s{2,}|\n\s+)(\S.*)$", text, re.M)
    assert options, text
    for option, help_text in options:
        assert_chinese_first(help_text, f"{' '.join(command)} {option}")
    # Every subcommand with a result writes it to standard output or --output; these only do things.
    assert ("--output" in text) == (command not in (["serve"], ["migrate"], ["demo"], ["token", "revoke"],
                                                    ["policy", "import"])), command
