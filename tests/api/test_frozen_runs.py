"""Frozen runs (issue 12): approval freezes what finance pays — the names and
bank details in the bank file and every field of the payslip files — so an
approved or paid run's files are the same bytes after any later edit of the
records; later runs print the new values."""

from __future__ import annotations

import csv
import io
import sqlite3

import peewee as pw
import pytest
from openpyxl import load_workbook

from api.db.database import connection
from api.db.migrate import available
from api.db.models import PayrollRunPlace, Payslip

from .conftest import City, GraphQLClient, Tokens
from .test_exports import ACCOUNTS, UPDATE_WORKER, add_second_street_worker, create_run, get, set_bank_accounts

RUN_FILES = (".csv", ".xlsx", "/payslips.xlsx", "/bank.csv", "/bank.xlsx", "/contributions.csv", "/contributions.xlsx")
APPROVE = 'mutation($id: ID!) { approvePayrollRun(input: {id: $id}) { payrollRun { status } errors { message } } }'
PAY = 'mutation($id: ID!) { markPayrollRunPaid(input: {id: $id}) { payrollRun { status } errors { message } } }'


def files_of(client, run_number: int, tokens: Tokens) -> dict[str, bytes]:
    """Every file of a run as finance downloads it, and the masked bank files a viewer gets."""
    out = {}
    for suffix in RUN_FILES:
        response = get(client, f"/exports/payroll-runs/{run_number}{suffix}", tokens.finance)
        assert response.status_code == 200, (suffix, response.text)
        out[suffix] = response.content
    for suffix in ("/bank.csv", "/bank.xlsx"):
        out[f"viewer {suffix}"] = get(client, f"/exports/payroll-runs/{run_number}{suffix}", tokens.viewer).content
    return out


def bank_rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))[1:]


def edit_records(gql: GraphQLClient, city: City) -> None:
    """What happens after a payment: W001 changes code, name and bank; the community and street are renamed."""
    version = gql.data('query($id: ID!) { worker(id: $id) { version } }', {"id": city.workers["W001"]})["worker"]["version"]
    gql.mutate(UPDATE_WORKER, {"input": {"id": city.workers["W001"], "version": version, "code": "W001A",
                                         "name": "张敏敏", "bankName": "中国银行", "bankAccount": "6216610099998888"}})
    gql.mutate('mutation($input: UpdateCommunityInput!) { updateCommunity(input: $input) { errors { message } } }',
               {"input": {"id": city.communities["C01"], "version": 1, "name": "红星新社区"}})
    gql.mutate('mutation($input: UpdateStreetInput!) { updateStreet(input: $input) { errors { message } } }',
               {"input": {"id": city.streets["S1"], "version": 1, "name": "颍川新街道"}})


def test_paid_and_approved_runs_keep_their_files_byte_for_byte(client, gql: GraphQLClient, city: City,
                                                               tokens: Tokens):
    add_second_street_worker(gql, city)
    set_bank_accounts(gql, city)
    january = create_run(gql, "2026-01")
    gql.mutate(APPROVE, {"id": january})
    gql.mutate(PAY, {"id": january})
    february = create_run(gql, "2026-02")
    gql.mutate(APPROVE, {"id": february})
    paid, approved = files_of(client, 1, tokens), files_of(client, 2, tokens)
    assert bank_rows(paid["/bank.csv"])[0][1:5] == ["W001", "张敏", "中国工商银行", ACCOUNTS["W001"]]
    assert bank_rows(approved["viewer /bank.csv"])[0][1:5] == ["W001", "张敏", "中国工商银行", "***************8901"]

    edit_records(gql, city)

    assert files_of(client, 1, tokens) == paid
    assert files_of(client, 2, tokens) == approved
    # A later run prints the records as they are now, in every file.
    march = create_run(gql, "2026-03")
    assert march == "PayrollRun:3"
    later = files_of(client, 3, tokens)
    assert bank_rows(later["/bank.csv"])[0][1:5] == ["W001A", "张敏敏", "中国银行", "6216610099998888"]
    assert later[".csv"].decode().splitlines()[1].startswith("W001A,2026-03,")
    slips = [list(r) for r in load_workbook(io.BytesIO(later["/payslips.xlsx"]))["工资条"].iter_rows(values_only=True)]
    assert slips[3][:3] == ["W001A", "张敏敏", "红星新社区"]
    sheet = [list(r) for r in load_workbook(io.BytesIO(later[".xlsx"]))["工资表"].iter_rows(values_only=True)]
    assert sheet[2][:4] == ["颍川新街道", "红星新社区", "W001A", "张敏敏"]
    old_sheet = [list(r) for r in load_workbook(io.BytesIO(paid[".xlsx"]))["工资表"].iter_rows(values_only=True)]
    assert old_sheet[2][:4] == ["颍川街道", "红星社区", "W001", "张敏"]


def test_approval_takes_the_records_as_they_are_then(client, gql: GraphQLClient, city: City, tokens: Tokens):
    add_second_street_worker(gql, city)
    run = create_run(gql, "2026-01")
    # A draft's bank file shows the records as they are now: an account added
    # after the draft was computed is in it at once.
    set_bank_accounts(gql, city)
    assert bank_rows(get(client, "/exports/payroll-runs/1/bank.csv", tokens.finance).content)[0][4] == ACCOUNTS["W001"]
    gql.mutate(APPROVE, {"id": run})
    with connection():
        frozen = (Payslip.select(Payslip.worker_code, Payslip.worker_name, Payslip.bank_name, Payslip.bank_account)
                  .where(Payslip.run == 1).order_by(Payslip.id).tuples().first())
        places = list(PayrollRunPlace.select(PayrollRunPlace.street_code, PayrollRunPlace.street_name,
                                             PayrollRunPlace.community_code, PayrollRunPlace.community_name)
                      .where(PayrollRunPlace.run == 1).order_by(PayrollRunPlace.community_code).tuples())
    assert frozen == ("W001", "张敏", "中国工商银行", ACCOUNTS["W001"])
    assert places == [("S1", "颍川街道", "C01", "红星社区"), ("S1", "颍川街道", "C02", "商贸社区"), ("S2", "韩城街道", "C03", "寨子社区")]
    before = get(client, "/exports/payroll-runs/1/bank.csv", tokens.finance).content
    edit_records(gql, city)
    assert get(client, "/exports/payroll-runs/1/bank.csv", tokens.finance).content == before


def test_the_database_refuses_changes_to_frozen_values_of_an_approved_run(gql: GraphQLClient, city: City):
    run = create_run(gql, "2026-01")
    gql.mutate(APPROVE, {"id": run})
    with connection():
        with pytest.raises(pw.DatabaseError, match="LOCKED"):
            Payslip.update(bank_account="6228000000000000").where(Payslip.run == 1).execute()
    for change in (lambda: PayrollRunPlace.update(community_name="改名社区").where(PayrollRunPlace.run == 1).execute(),
                   lambda: PayrollRunPlace.delete().where(PayrollRunPlace.run == 1).execute(),
                   lambda: PayrollRunPlace.insert(run=1, street=1, community=1, street_code="S9", street_name="x",
                                                  community_code="C9", community_name="y").execute()):
        with connection(), pytest.raises(pw.DatabaseError, match="LOCKED"):
            change()


def test_migration_0003_fills_the_payslips_of_runs_stored_before_it_and_keeps_the_lock():
    """The SQLite migration on a database of 0001 with an approved run: the new
    columns take the records' values once, and the lock is back afterwards."""
    scripts = {m.number: m.sql for m in available("sqlite")}
    db = sqlite3.connect(":memory:")
    db.executescript(scripts["0001"])
    db.executescript("""
        INSERT INTO street VALUES (1, 1, '2026-01-01', '2026-01-01', 'S1', '颍川街道');
        INSERT INTO community VALUES (1, 1, '2026-01-01', '2026-01-01', 'C01', '红星社区', 1, 0, 0, NULL);
        INSERT INTO worker (id, version, created_at, updated_at, code, name, bank_name, bank_account, community_id,
            post, service_start, prior_service_years, incompetent_years_before, education, certificate,
            special_deduction_monthly, opening_months, opening_income, opening_deductions, opening_tax,
            opening_reserve)
          VALUES (1, 1, '2026-01-01', '2026-01-01', 'W001', '张敏', '中国工商银行', '6228480012345678901', 1, 'CHIEF',
            '2012-03-01', 0, 0, 'BACHELOR', 'NONE', 0, 0, 0, 0, 0, 0);
        INSERT INTO policy VALUES (1, 1, '2026-01-01', '2026-01-01', 'P', 'P', '{}', 1);
        INSERT INTO payroll_run (id, period, scope_type, scope_key, status, policy_id, policy_effective_from,
            payslip_count, gross, net, income_tax, employee_contributions, employer_cost, created_by, created_at)
          VALUES (1, '2026-01', 'CITY', 'CITY', 'DRAFT', 1, '2026-01-01', 1, 0, 0, 0, 0, 0, 'admin', '2026-01-31');
    """)
    columns = [row[1] for row in db.execute('PRAGMA table_info("payslip")')]
    values = {name: 0 for name in columns}
    values.update(id=1, run_id=1, worker_id=1, community_id=1, street_id=1, period="2026-01", post="CHIEF",
                  service_start="2012-03-01", education="BACHELOR", certificate="NONE")
    db.execute(f'INSERT INTO payslip ({", ".join(values)}) VALUES ({", ".join("?" * len(values))})', list(values.values()))
    db.execute("UPDATE payroll_run SET status = 'APPROVED' WHERE id = 1")
    db.executescript(scripts["0003"])
    assert db.execute("SELECT worker_code, worker_name, bank_name, bank_account FROM payslip").fetchall() == [
        ("W001", "张敏", "中国工商银行", "6228480012345678901")]
    assert db.execute("SELECT run_id, street_id, community_id, street_code, street_name, community_code, community_name "
                      "FROM payroll_run_place").fetchall() == [(1, 1, 1, "S1", "颍川街道", "C01", "红星社区")]
    with pytest.raises(sqlite3.IntegrityError, match="LOCKED"):
        db.execute("UPDATE payslip SET worker_name = '李四'")
    with pytest.raises(sqlite3.IntegrityError, match="LOCKED"):
        db.execute("UPDATE payroll_run_place SET community_name = '改名社区'")
