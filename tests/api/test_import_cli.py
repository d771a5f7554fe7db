"""``community-payroll import …``: the report on standard output, the summary
on standard error, exit status 0 / 1 / 2, and the progress callback."""

from __future__ import annotations

import csv
import io

import pytest

from api.access.principal import SYSTEM
from api.cli import main
from api.db.database import configure, connection
from api.db.migrate import migrate
from api.db.models import Assessment, Street, Worker
from api.services.imports import importers as imports
from api.services.policies import store_policy

from ..conftest import EXAMPLE_POLICY, EXAMPLES
from .uploads import IMPORTS


@pytest.fixture
def database(database_url, monkeypatch):
    """A migrated database with the two example streets and the example policy, as DATABASE_URL."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    configure(database_url)
    migrate()
    with connection():
        Street.create(code="S1", name="颍川街道")
        Street.create(code="S2", name="韩城街道")
        store_policy(SYSTEM, EXAMPLE_POLICY.read_text(encoding="utf-8"), activate=True)
    return database_url


def run(capsys, *args: str) -> tuple[int, list[dict[str, str]], str]:
    code = main(["import", *args, "--no-progress"])
    out = capsys.readouterr()
    return code, list(csv.DictReader(io.StringIO(out.out))), out.err


def worker_codes() -> list[str]:
    with connection():
        return sorted(w.code for w in Worker.select(Worker.code))


def test_import_from_the_command_line(database, capsys, tmp_path):
    code, report, err = run(capsys, "communities", str(IMPORTS / "communities-zh.csv"))
    assert (code, report) == (0, [])
    assert err == "communities-zh.csv: 新增 3，更新 0，未变 0，拒绝 0 / 3 created, 0 updated, 0 unchanged, 0 refused\n"

    # A file with mistakes: rejected whole, exit status 2, every problem on standard output.
    code, report, err = run(capsys, "workers", str(IMPORTS / "workers-with-errors.csv"))
    assert code == 2
    assert [(r["行号"], r["工号或代码"], r["结果"], r["列"], r["代码"]) for r in report] == [
        ("4", "W103", "REFUSED", "身份证号", "INVALID"), ("5", "W104", "REFUSED", "岗位", "INVALID"),
        ("6", "W105", "REFUSED", "参加工作时间", "INVALID"), ("7", "W106", "REFUSED", "工号", "DUPLICATE"),
        ("7", "W106", "REFUSED", "身份证号", "DUPLICATE"), ("8", "W106", "REFUSED", "工号", "DUPLICATE"),
        ("8", "W106", "REFUSED", "身份证号", "DUPLICATE"), ("9", "W107", "REFUSED", "身份证号", "INVALID"),
        ("10", "W108", "REFUSED", "学历", "INVALID"), ("10", "W108", "REFUSED", "社区代码", "NOT_FOUND"),
        ("11", "W109", "REFUSED", "证书登记日期", "INVALID"),
    ]
    assert report[0]["说明"] == ("“411081199001011359”校验位不符：最后一位应为 8，而不是 9 / '411081199001011359' fails its "
                               "checksum: the last character should be 8, not 9")
    assert err.startswith("workers-with-errors.csv: 文件被拒绝，未写入任何数据（新增 2，更新 0，未变 0，拒绝 8） / file "
                          "rejected, nothing written")
    assert worker_codes() == []

    # Only the failed rows refused: the two good rows are written, exit status 1; the report to a file.
    output = tmp_path / "report.csv"
    code, report, _ = run(capsys, "workers", str(IMPORTS / "workers-with-errors.csv"), "--reject-failed-rows",
                          "--output", str(output))
    assert (code, report) == (1, [])
    assert output.read_bytes().startswith("\ufeff行号,工号或代码,结果,列,代码,说明\n".encode())
    assert len(output.read_text(encoding="utf-8-sig").splitlines()) == 1 + 11
    assert worker_codes() == ["W101", "W102"]

    # A dry run writes nothing; --rows lists every row.
    code, report, err = run(capsys, "workers", str(EXAMPLES / "workers.csv"), "--dry-run", "--rows",
                            "--assessment-year", "2026")
    assert code == 0
    assert [(r["行号"], r["工号或代码"], r["结果"]) for r in report] == [
        (str(n), f"W00{n - 1}", "CREATED") for n in range(2, 8)]
    assert err.startswith("workers.csv: 试运行，未写入：新增 6，更新 0，未变 0，拒绝 0 / dry run, nothing written: 6 created")
    assert worker_codes() == ["W101", "W102"]

    code, _, _ = run(capsys, "workers", str(EXAMPLES / "workers.csv"), "--assessment-year", "2026", "--actor", "hr-li")
    assert code == 0
    code, _, err = run(capsys, "assessments", "--year", "2026", str(IMPORTS / "assessments-2026.csv"))
    assert (code, err) == (0, "assessments-2026.csv: 新增 1，更新 3，未变 0，拒绝 0 / 1 created, 3 updated, "
                              "0 unchanged, 0 refused\n")
    with connection():
        results = {(a.worker.code, a.result) for a in Assessment.select().where(Assessment.year == 2026)}
    assert results == {("W001", "BASIC"), ("W002", "EXCELLENT"), ("W003", "COMPETENT"), ("W004", "BASIC"),
                       ("W005", "EXCELLENT"), ("W006", "INCOMPETENT")}


def test_unreadable_files_exit_with_status_2(database, capsys, tmp_path):
    code, _, err = run(capsys, "workers", str(tmp_path / "missing.csv"))
    assert code == 2 and f"{tmp_path / 'missing.csv'}：无法读取 / {tmp_path / 'missing.csv'}: cannot be read" in err
    old = tmp_path / "old.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64)
    code, report, err = run(capsys, "workers", str(old))
    assert code == 2
    assert report[0]["结果"] == "FILE"
    assert "这是旧版 Excel（.xls）文件，请另存为 .xlsx 或“CSV UTF-8”" in err
    with pytest.raises(SystemExit) as exit_info:
        main(["import", "assessments", str(old)])  # --year is required
    assert exit_info.value.code == 2


def test_long_imports_report_progress(database):
    lines = ["工号,姓名,社区代码,岗位,参加工作时间"] + [f"W{i:05d},甲,C01,STAFF,2020-01-01" for i in range(2500)]
    seen: list[tuple[str, int, int | None]] = []
    with connection():
        from api.db.models import Community

        Community.create(code="C01", name="红星社区", street=Street.get(Street.code == "S1"))
        report = imports.import_workers(SYSTEM, "\n".join(lines).encode(), "big.csv",
                                        progress=lambda *event: seen.append(event))
    assert report.created == 2500
    # Rows are checked a batch at a time as the file is read (its length is not known in advance).
    assert [e for e in seen if e[0] == "check"] == [("check", 2000, None), ("check", 2500, None)]
    assert [e for e in seen if e[0] == "write"] == [("write", 2000, 2500), ("write", 2500, 2500)]
    assert len(worker_codes()) == 2500
