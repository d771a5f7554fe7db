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


def test_bad_requests_exit_with_a_reason(exported, capsysbinary, tmp_path):
    code, _, err = cli(capsysbinary, "export", "run", "--run", "99")
    assert code == 2 and err.strip() == "community-payroll: error: payroll run 99 does not exist"
    code, _, err = cli(capsysbinary, "export", "conversion", "--period", "2026-08", "--street", "S9",
                       "-o", str(tmp_path / "x.xlsx"))
    assert code == 2 and "unknown street code S9" in err
    code, _, err = cli(capsysbinary, "export", "budget", "--year", "2027", "-o", str(tmp_path / "budget.csv"))
    assert code == 2 and "give --output FILE.xlsx" in err
    code, _, err = cli(capsysbinary, "export", "conversion", "--period", "2019-01", "-o", str(tmp_path / "x.xlsx"))
    assert code == 2 and "no version is in force for 2019-01" in err
    assert not (tmp_path / "x.xlsx").exists()  # written whole or not at all
    with pytest.raises(SystemExit) as exit_info:
        main(["export", "payslips", "--run", "1"])
    assert exit_info.value.code == 2


def test_help_is_bilingual(capsys):
    with pytest.raises(SystemExit):
        main(["export", "conversion", "--help"])
    text = capsys.readouterr().out
    assert "每人的套改前工资" in text and "previous pay, new post and grade" in text
