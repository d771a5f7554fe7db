"""``community-payroll policy …``: check, publish and print policies.

- ``policy validate FILE`` checks a document without a database and lists
  every problem by its path (exit status 2), or the versions it holds;
- ``policy import FILE [--activate]`` stores a new policy or publishes the new
  versions of a stored one, exactly as the ``importPolicy`` mutation does
  (published versions never change; a document that alters one is refused);
- ``policy list`` shows the stored policies and their versions;
- ``policy grades [--period YYYY-MM] [--policy FILE]`` prints the post × grade
  table in yuan of the version in force (the table HR staff print), as CSV.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from payroll.cells import safe_writer

from api.cli.common import PROG, period_argument


def _read(path: str) -> str | None:
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        print(f"{PROG}: error: {path}: cannot be read ({getattr(exc, 'strerror', None) or exc})", file=sys.stderr)
        return None


def _describe(policy) -> None:
    print(f"{policy.id}: {policy.title}")
    for version in policy.versions:
        posts = ", ".join(f"{p.key} {p.min_grade}–{p.max_grade}" for p in version.posts.values())
        print(f"  {version.effective_from}  base income {version.base_income_annual / 100:.2f}  "
              f"{version.grades.count} grades  posts: {posts}")


def cmd_validate(args: argparse.Namespace) -> int:
    from payroll.policy import PolicyError, parse_policy

    from api.errors import UserErrors
    from api.services.policies import parse_document

    text = _read(args.file)
    if text is None:
        return 2
    try:
        data = parse_document(text)
    except UserErrors as exc:
        print(f"{PROG}: {args.file}: invalid policy document, {len(exc.errors)} problem(s) / 政策文件有误:", file=sys.stderr)
        for error in exc.errors:
            print(f"  {error.message}", file=sys.stderr)
        return 2
    try:
        _describe(parse_policy(data))
    except PolicyError as exc:  # parse_document has checked it; kept for safety
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from api.access.principal import Principal, Role
    from api.db.database import configure, connection
    from api.db.migrate import migrate
    from api.db.models import PolicyVersion
    from api.errors import UserErrors
    from api.reads.policies import paid_months_to_correct
    from api.services.policies import store_policy

    text = _read(args.file)
    if text is None:
        return 2
    configure()
    migrate()
    principal = Principal(name=args.actor or f"cli:{getpass.getuser()}", role=Role.ADMIN)
    with connection():
        before = {(v.policy.code, v.effective_from) for v in PolicyVersion.select(PolicyVersion, PolicyVersion.policy)}
        try:
            record = store_policy(principal, text, activate=args.activate)
        except UserErrors as exc:
            print(f"{PROG}: {args.file}: refused, nothing stored / 未导入:", file=sys.stderr)
            for error in exc.errors:
                print(f"  {error.message}", file=sys.stderr)
            return 2
        versions = list(PolicyVersion.select().where(PolicyVersion.policy == record).order_by(PolicyVersion.effective_from))
        corrected = paid_months_to_correct(record) if record.active else []
    new = [v.effective_from for v in versions if (record.code, v.effective_from) not in before]
    print(
        f"{record.code}: {len(versions)} version(s), new: {', '.join(map(str, new)) or 'none'}; "
        f"{'active / 已设为当前政策' if record.active else 'not active (activatePolicy or --activate)'}",
        file=sys.stderr,
    )
    if corrected:
        print(f"将更正 {len(corrected)} 个已发放月份（{'、'.join(corrected)}），下次生成工资时补发或补扣差额 / corrects "
              f"{len(corrected)} paid month(s) ({', '.join(corrected)}): the next payroll run pays or takes back the "
              "differences (§13)", file=sys.stderr)
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from api.db.database import configure, connection
    from api.db.migrate import migrate
    from api.db.models import Policy, PolicyVersion

    configure()
    migrate()
    with connection():
        policies = list(Policy.select().order_by(Policy.id))
        versions = list(PolicyVersion.select().order_by(PolicyVersion.effective_from))
    print("id\tcode\tactive\ttitle\tversions")
    for policy in policies:
        dates = ", ".join(str(v.effective_from) for v in versions if v.policy_id == policy.id)
        print(f"{policy.id}\t{policy.code}\t{'yes' if policy.active else 'no'}\t{policy.title}\t{dates}")
    return 0


GRADE_COLUMNS = ("post", "post_title", "grade", "coefficient", "grade_pay", "post_pay", "basic_pay", "performance_reserve")


def cmd_grades(args: argparse.Namespace) -> int:
    from payroll.money import format_fen, format_rate
    from payroll.policy import grade_table_rows, load_policy

    if args.policy:
        policy = load_policy(args.policy)
    else:
        from api.db.database import configure, connection
        from api.db.migrate import migrate
        from api.reads.policies import active_policy

        configure()
        migrate()
        with connection():
            policy = active_policy()
        if policy is None:
            print(f"{PROG}: error: no policy is active; give --policy FILE or import one", file=sys.stderr)
            return 2
    version = policy.version_for(args.period)
    out = safe_writer(sys.stdout, lineterminator="\n")
    out.writerow(GRADE_COLUMNS)
    for row in grade_table_rows(version):
        out.writerow((
            row.post, version.posts[row.post].title, row.grade,
            "" if row.coefficient is None else format_rate(row.coefficient), format_fen(row.grade_pay),
            format_fen(row.post_pay), format_fen(row.basic_pay), format_fen(row.performance_reserve),
        ))
    print(f"{policy.id}, version {version.effective_from} (in force in {args.period})", file=sys.stderr)
    return 0


def add_policy_commands(sub: argparse._SubParsersAction) -> None:

    policy = sub.add_parser("policy", help="政策：检查、导入发布、列出、等级工资表 / policies: validate, import, list, grade "
                                           "table",
                            description="检查政策文件、导入或发布新版本、查看等级工资表 / Check a policy document, import it "
                                        "or publish its new versions, print the grade table.")
    actions = policy.add_subparsers(dest="policy_command", metavar="ACTION", required=True)

    validate = actions.add_parser("validate", help="检查政策文件（不需数据库）/ check a document (no database needed)")
    validate.add_argument("file", metavar="FILE", help="政策文件（YAML 或 JSON）/ policy document (YAML or JSON)")
    validate.set_defaults(handler=cmd_validate)

    store = actions.add_parser("import", help="导入政策或发布新版本 / import a policy or publish its new versions",
                               description="与 importPolicy 相同：已发布的版本不可更改，只能新增生效日期更晚的版本 / As the "
                                           "importPolicy mutation: published versions never change; add a version with a "
                                           "later effective_from instead.")
    store.add_argument("file", metavar="FILE", help="政策文件（YAML 或 JSON）/ policy document (YAML or JSON)")
    store.add_argument("--activate", action="store_true", help="设为当前政策 / make it the active policy")
    store.add_argument("--actor", metavar="NAME", help="审计日志中的操作人（默认 cli:用户名）/ name recorded in the audit "
                                                      "log (default: cli:<user>)")
    store.set_defaults(handler=cmd_import)

    listing = actions.add_parser("list", help="列出已存政策及版本 / list stored policies and their versions")
    listing.set_defaults(handler=cmd_list)

    grades = actions.add_parser("grades", help="等级工资表（元，CSV）/ the post × grade table in yuan (CSV)")
    grades.add_argument("--period", type=period_argument, required=True, metavar="YYYY-MM",
                        help="月份，决定政策版本 / the month; picks the version in force")
    grades.add_argument("--policy", metavar="FILE", help="政策文件（默认：数据库中的当前政策）/ a policy document "
                                                        "(default: the active policy in the database)")
    grades.set_defaults(handler=cmd_grades)
