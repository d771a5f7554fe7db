"""``community-payroll policy …``: validate, import/publish, list, grades."""

from __future__ import annotations

import csv
import getpass
import io

import pytest
import yaml

from api.cli import main
from api.db.database import configure, connection
from api.db.migrate import migrate
from api.db.models import AuditEntry, Policy, PolicyVersion

from ..conftest import EXAMPLE_POLICY, EXAMPLES


@pytest.fixture
def database(database_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", database_url)
    configure(database_url)
    migrate()
    return database_url


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["policy", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def with_new_version(tmp_path, base_income: str = "41500.00", change_published: bool = False):
    document = yaml.safe_load(EXAMPLE_POLICY.read_text(encoding="utf-8"))
    new = dict(document["versions"][-1], effective_from="2027-01-01", base_income_annual=base_income,
               source="2026 年度城镇居民人均可支配收入")
    document["versions"].append(new)
    if change_published:
        document["versions"][0]["base_income_annual"] = "1.00"
    path = tmp_path / "policy-2027.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    return path


def test_validate_lists_the_versions_or_every_problem(capsys, tmp_path):
    code, out, _ = run(capsys, "validate", str(EXAMPLE_POLICY))
    assert code == 0
    assert "2026-01-01  base income 40234.00  16 grades  posts: CHIEF 5–16, DEPUTY 3–14, STAFF 1–12" in out
    document = yaml.safe_load(EXAMPLE_POLICY.read_text(encoding="utf-8"))
    document["versions"][1]["base_income_annual"] = "-5"
    del document["versions"][1]["posts"]["STAFF"]["max_grade"]
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    code, out, err = run(capsys, "validate", str(bad))
    assert code == 2 and out == ""
    assert "2 problem(s)" in err
    assert "versions[1].base_income_annual" in err and "versions[1].posts.STAFF.max_grade" in err


def test_import_publishes_new_versions_and_never_changes_published_ones(database, capsys, tmp_path):
    code, _, err = run(capsys, "import", str(EXAMPLE_POLICY), "--activate", "--actor", "张三")
    assert code == 0
    assert "example-county-16: 2 version(s), new: 2025-01-01, 2026-01-01; active" in err
    code, _, err = run(capsys, "import", str(with_new_version(tmp_path)))
    assert code == 0 and "new: 2027-01-01" in err
    code, _, err = run(capsys, "import", str(with_new_version(tmp_path, change_published=True)))
    assert code == 2
    assert "the version effective from 2025-01-01 differs from the published one" in err
    with connection():
        assert [str(v.effective_from) for v in PolicyVersion.select().order_by(PolicyVersion.effective_from)] == [
            "2025-01-01", "2026-01-01", "2027-01-01"]
        assert Policy.get().active
        assert [e.actor for e in AuditEntry.select().where(AuditEntry.operation == "importPolicy")] == ["张三", f"cli:{getpass.getuser()}"]
    code, out, _ = run(capsys, "list")
    assert code == 0
    assert out.splitlines()[1].endswith("\t2025-01-01, 2026-01-01, 2027-01-01")


def test_grades_prints_the_table_of_the_version_in_force(database, capsys, tmp_path):
    code, _, err = run(capsys, "grades", "--period", "2026-11")
    assert code == 2 and "no policy is active" in err
    run(capsys, "import", str(with_new_version(tmp_path)), "--activate")
    code, out, _ = run(capsys, "grades", "--period", "2026-11")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 12 + 12 + 12  # CHIEF 5–16, DEPUTY 3–14, STAFF 1–12
    # CHIEF grade 5: R(40234.00 × 1.22 / 12 = 4090.4566…) = 4090.46; reserve R(4090.46 × 0.20) = 818.09
    assert rows[0] == {"post": "CHIEF", "post_title": "正职（书记、主任）", "grade": "5", "coefficient": "1.22",
                       "grade_pay": "4090.46", "post_pay": "0.00", "basic_pay": "3272.37", "performance_reserve": "818.09"}
    code, out, _ = run(capsys, "grades", "--period", "2027-01")
    # the 2027 version: R(41500.00 × 1.22 / 12 = 4219.1666…) = 4219.17
    assert list(csv.DictReader(io.StringIO(out)))[0]["grade_pay"] == "4219.17"
    code, out, _ = run(capsys, "grades", "--period", "2026-11", "--policy", str(EXAMPLE_POLICY))
    assert code == 0 and list(csv.DictReader(io.StringIO(out)))[0]["grade_pay"] == "4090.46"


def test_a_table_of_fixed_amounts_with_post_pay_and_fixed_reserve(capsys):
    # The revision-2 example: grades.amounts, post pay and a fixed 奖励绩效 by post.  CHIEF grade 1:
    # pay base 600.00 + 2800.00 = 3400.00; 10 % held = 340.00, so basic pay 3060.00 and the reserve
    # 340.00 + the fixed 700.00 = 1040.00.
    code, out, _ = run(capsys, "grades", "--policy", str(EXAMPLES / "policy-fixed-amounts.yaml"), "--period", "2026-06")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows[0] == {"post": "CHIEF", "post_title": "书记、主任", "grade": "1", "coefficient": "",
                       "grade_pay": "600.00", "post_pay": "2800.00", "basic_pay": "3060.00",
                       "performance_reserve": "1040.00"}
