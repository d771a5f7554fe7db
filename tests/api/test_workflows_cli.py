"""``community-payroll export …`` writes the files of /exports/ from the database."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from api.cli import main

from .conftest import City, GraphQLClient, Tokens
from .test_exports import ACCOUNTS, add_second_street_worker, create_run, get, set_bank_accounts


@pytest.fixture
def exported(gql: GraphQLClient, city: City, database_url, monkeypatch) -> str:
    add_second_street_worker(gql, city)
    set_bank_accounts(gql, city)
    create_run(gql, "2026-01")
    monkeypatch.setenv("DATABASE_URL", database_url)
    return database_url


def cli(capsysbinary, *args: str) -> tuple[int, bytes, str]:
    code = main(list(args))
    out = capsysbinary.readouterr()
    return code, out.out, out.err.decode("utf-8")


def cells(path) -> list[list]:
    book = load_workbook(path)
    return [[list(r) for r in sheet.iter_rows(values_only=True)] for sheet in book.worksheets]


def test_the_run_files_are_the_service_files(client, exported, tokens: Tokens, capsysbinary, tmp_path):
    code, out, _ = cli(capsysbinary, "export", "run", "--run", "1")
    assert code == 0
    assert out == get(client, "/exports/payroll-runs/1.csv", tokens.admin).content

    sheet = tmp_path / "工资表.xlsx"
    code, _, err = cli(capsysbinary, "export", "run", "--run", "1", "--output", str(sheet))
    assert code == 0 and "wrote run 1 (2026-01, 5 payslips)" in err
    served = tmp_path / "served.xlsx"
    served.write_bytes(get(client, "/exports/payroll-runs/1.xlsx", tokens.admin).content)
    assert cells(sheet) == cells(served)

    slips = tmp_path / "slips.xlsx"
    assert cli(capsysbinary, "export", "payslips", "--run", "1", "-o", str(slips))[0] == 0
    assert cells(slips)[0][2][0] == "工号" and cells(slips)[0][3][0] == "W001"

    code, out, _ = cli(capsysbinary, "export", "bank", "--run", "1")
    rows = list(csv.reader(io.StringIO(out.decode("utf-8-sig"))))
    assert [r[4] for r in rows[1:]] == [ACCOUNTS[c] for c in ("W001", "W002", "W004", "W005", "W007")]
    code, out, _ = cli(capsysbinary, "export", "bank", "--run", "1", "--mask-accounts")
    assert list(csv.reader(io.StringIO(out.decode("utf-8-sig"))))[1][4] == "***************8901"

    contributions = tmp_path / "contributions.csv"
    assert cli(capsysbinary, "export", "contributions", "--run", "1", "-o", str(contributions))[0] == 0
    assert contributions.read_bytes() == get(client, "/exports/payroll-runs/1/contributions.csv", tokens.admin).content


def test_long_exports_show_a_bar_on_a_terminal_only(exported, capsysbinary, tmp_path, monkeypatch):
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.delenv("TTY_COMPATIBLE", raising=False)
    for args in (["run", "--run", "1"], ["run", "--run", "1", "-o", str(tmp_path / "工资表.xlsx")],
                 ["payslips", "--run", "1", "-o", str(tmp_path / "工资条.xlsx")], ["bank", "--run", "1"]):
        code, out, err = cli(capsysbinary, "export", *args)
        assert code == 0 and "\x1b[" not in err and "写入 / writing" not in err
        monkeypatch.setenv("TTY_COMPATIBLE", "1")
        code, forced, err = cli(capsysbinary, "export", *args)
        monkeypatch.delenv("TTY_COMPATIBLE")
        assert code == 0 and forced == out  # the file on standard output is the same
        assert "\x1b[" in err and "写入 / writing" in err and "5/5" in err, args  # the run's five payslips
    monkeypatch.setenv("TTY_COMPATIBLE", "1")
    code, _, err = cli(capsysbinary, "export", "budget", "--year", "2027", "-o", str(tmp_path / "预算.xlsx"))
    assert code == 0 and "计算 / computing" in err


def test_report_workbooks(exported, capsysbinary, tmp_path):
    conversion = tmp_path / "conversion.xlsx"
    code, _, err = cli(capsysbinary, "export", "conversion", "--period", "2026-08", "--street", "S1", "-o", str(conversion))
    assert code == 0, err
    detail, summary = cells(conversion)
    assert detail[0][0] == "工资套改测算 2026-08 · 颍川街道 · 政策版本 2026-01-01（保留补差：是）"
    assert [r[2] for r in detail[2:] if r[2]] == ["W001", "W002", "W003", "W004", "W005", "W006"]
    assert summary[-1][0] == "总计" and summary[-1][2] == 6

    budget = tmp_path / "budget.xlsx"
    assert cli(capsysbinary, "export", "budget", "--year", "2027", "--base-income-growth", "0.05",
               "-o", str(budget))[0] == 0
    assert cells(budget)[0][0][0] == "2027 年度预算（基数增长 5%） · 全市"
    assert len(load_workbook(budget)["按街道"]._charts) == 1

    staffing = tmp_path / "staffing.xlsx"
    assert cli(capsysbinary, "export", "staffing", "--date", "2026-11-01", "--community", "C03", "-o", str(staffing))[0] == 0
    rows = cells(staffing)[0]
    assert rows[0][0] == "社区工作者职数 2026-11-01 · 寨子社区 · 政策版本 2026-01-01"
    assert rows[2][:5] == ["韩城街道", "寨子社区", 1200, 3500, 7]


def test_the_reports_as_csv_follow_the_extension(exported, capsysbinary, tmp_path):
    from payroll.budget import BUDGET_COLUMNS
    from payroll.staffing import STAFFING_COLUMNS

    staffing = tmp_path / "职数.csv"  # issue 13: this once asked for FILE.xlsx
    code, _, err = cli(capsysbinary, "export", "staffing", "--date", "2026-11-01", "--output", str(staffing))
    assert code == 0 and err == f"community-payroll: 已写入2026-11-01 职数测算：{staffing} / wrote staffing 2026-11-01: " \
                                f"{staffing}\n"
    rows = list(csv.reader(io.StringIO(staffing.read_text(encoding="utf-8"))))
    assert rows[0] == list(STAFFING_COLUMNS)
    assert rows[1 + [r[0] for r in rows[1:]].index("C03")][1] == "7"  # required, as in the .xlsx above

    code, out, _ = cli(capsysbinary, "export", "budget", "--year", "2027", "--base-income-growth", "0.05")
    budget = list(csv.reader(io.StringIO(out.decode("utf-8"))))
    assert code == 0 and budget[0] == list(BUDGET_COLUMNS) and {r[1] for r in budget[1:]} == {"2027"}
    book = tmp_path / "budget.xlsx"
    assert cli(capsysbinary, "export", "budget", "--year", "2027", "--base-income-growth", "0.05", "-o", str(book))[0] == 0
    total = cells(book)[0][-1]
    assert total[0] == "总计" and f"{total[-1]:.2f}" == f"{sum(float(r[5]) for r in budget[1:]):.2f}"

    conversion = tmp_path / "套改.csv"
    code, _, _ = cli(capsysbinary, "export", "conversion", "--period", "2026-08", "--street", "S1", "-o", str(conversion))
    assert code == 0 and conversion.read_bytes().startswith("\ufeff街道,社区,工号,姓名,岗位,".encode())
    detail = list(csv.reader(io.StringIO(conversion.read_text(encoding="utf-8-sig"))))
    assert [r[2] for r in detail[1:]] == ["W001", "W002", "W003", "W004", "W005", "W006"]
    book = tmp_path / "套改.xlsx"
    assert cli(capsysbinary, "export", "conversion", "--period", "2026-08", "--street", "S1", "-o", str(book))[0] == 0
    first_worker = cells(book)[0][2]
    assert detail[1][:7] == [str(v) for v in first_worker[:7]]
    assert detail[1][12] == f"{first_worker[12]:.2f}"  # 新标准工资, yuan with two decimals


def test_bad_requests_exit_with_a_reason(exported, capsysbinary, tmp_path):
    code, _, err = cli(capsysbinary, "export", "run", "--run", "99")
    assert code == 2 and err.strip() == "community-payroll: 错误 / error: 发放批次 99 不存在 / payroll run 99 does not exist"
    code, _, err = cli(capsysbinary, "export", "conversion", "--period", "2026-08", "--street", "S9",
                       "-o", str(tmp_path / "x.xlsx"))
    assert code == 2 and "unknown street code S9" in err
    with pytest.raises(SystemExit) as exit_info:  # refused by argparse, before any work
        main(["export", "budget", "--year", "2027", "--base-income-growth", "5"])
    err = capsysbinary.readouterr().err.decode()
    assert exit_info.value.code == 2 and "是否指 5 %（0.05）？" in err and "did you mean 5 % (0.05)?" in err
    code, _, err = cli(capsysbinary, "export", "conversion", "--period", "2019-01", "-o", str(tmp_path / "x.xlsx"))
    assert code == 2 and "no version is in force for 2019-01" in err
    assert not (tmp_path / "x.xlsx").exists()  # written whole or not at all
    code, _, err = cli(capsysbinary, "export", "payslips", "--run", "1")  # 工资条: a spreadsheet only
    assert code == 2 and err == ("community-payroll: 错误 / error: 工资条只能写成 Excel 文件，请给出 --output FILE.xlsx / "
                                 "the payslips (工资条) can be written only as a spreadsheet: give --output FILE.xlsx\n")
    code, _, err = cli(capsysbinary, "export", "staffing", "--date", "2026-11-01", "-o", str(tmp_path / "职数.pdf"))
    assert code == 2 and err == (f"community-payroll: 错误 / error: --output {tmp_path / '职数.pdf'}：职数测算不能写成该格式"
                                 f"（可写：CSV（.csv）、Excel（.xlsx）） / --output {tmp_path / '职数.pdf'}: the staffing "
                                 "cannot be written in this format (it writes .csv, .xlsx)\n")


def test_help_is_bilingual(capsys):
    with pytest.raises(SystemExit):
        main(["export", "conversion", "--help"])
    text = " ".join(capsys.readouterr().out.split())  # argparse wraps lines at spaces
    assert "每人的套改前工资" in text and "previous pay, new post and grade" in text
