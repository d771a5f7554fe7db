"""``community-payroll policy …``: check, publish and print policies.

- ``policy validate FILE`` checks a document without a database and lists
  every problem by its path (exit status 2), or the versions it holds;
- ``policy import FILE [--activate]`` stores a new policy or publishes the new
  versions of a stored one, exactly as the ``importPolicy`` mutation does
  (published versions never change; a document that alters one is refused);
- ``policy list`` lists the stored policies and their versions;
- ``policy grades [--period YYYY-MM] [--policy FILE]`` writes the post × grade
  table in yuan of the version in force — the table HR staff print and post
  for 公示 — with Chinese headings, as CSV (a file gets a UTF-8 BOM, so Excel
  reads it) or .xlsx.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from payroll.texts import Text

from api.cli.common import (
    CSV,
    TEXT,
    XLSX,
    UsageError,
    add_jurisdiction,
    add_output,
    error_line,
    jurisdiction_id,
    output_format,
    period_argument,
    say,
    write_output,
    write_table,
    wrote,
)


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}：无法读取", f"{path}: cannot be read ({getattr(exc, 'strerror', None) or exc})") \
            from None


def _description(policy) -> str:
    lines = [f"{policy.id}: {policy.title}"]
    for version in policy.versions:
        zh_posts = "、".join(f"{p.key}（{p.title}）{p.min_grade}–{p.max_grade} 级" for p in version.posts.values())
        en_posts = ", ".join(f"{p.key} {p.min_grade}–{p.max_grade}" for p in version.posts.values())
        base = version.base_income_annual / 100
        lines.append(f"  {version.effective_from} 起：基数 {base:.2f} 元，{version.grades.count} 级，岗位 {zh_posts}")
        lines.append(f"  {version.effective_from}  base income {base:.2f}  {version.grades.count} grades  "
                     f"posts: {en_posts}")
    return "\n".join(lines) + "\n"


def _refused(file: str, zh: str, en: str, messages: list[str]) -> int:
    print(error_line(f"{file}：{zh} / {file}: {en}"), file=sys.stderr)
    for message in messages:
        print(f"  {message}", file=sys.stderr)
    return 2


def cmd_validate(args: argparse.Namespace) -> int:
    from payroll.policy import parse_policy

    from api.errors import UserErrors
    from api.services.policies import parse_document

    output_format(args.output, (TEXT,), Text("政策说明", "the description"))
    text = _read(args.file)
    try:
        data = parse_document(text)
    except UserErrors as exc:
        return _refused(args.file, f"政策文件有误，共 {len(exc.errors)} 处", f"invalid policy document, "
                        f"{len(exc.errors)} problem(s)", [e.message for e in exc.errors])
    write_output(args.output, _description(parse_policy(data)))
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
    configure()
    migrate()
    principal = Principal(name=args.actor or f"cli:{getpass.getuser()}", role=Role.ADMIN)
    with connection():
        before = {(v.policy.code, v.effective_from) for v in PolicyVersion.select(PolicyVersion, PolicyVersion.policy)}
        try:
            record = store_policy(principal, text, activate=args.activate,
                                  jurisdiction_id=jurisdiction_id(args.jurisdiction))
        except UserErrors as exc:
            return _refused(args.file, "未导入", "refused, nothing stored", [e.message for e in exc.errors])
        versions = list(PolicyVersion.select().where(PolicyVersion.policy == record).order_by(PolicyVersion.effective_from))
        corrected = paid_months_to_correct(record) if record.active else []
    new = [str(v.effective_from) for v in versions if (record.code, v.effective_from) not in before]
    say(f"{record.code}：{len(versions)} 个版本，新增 {'、'.join(new) or '无'}；"
        f"{'已设为当前政策' if record.active else '未启用（activatePolicy 或 --activate）'}",
        f"{record.code}: {len(versions)} version(s), new: {', '.join(new) or 'none'}; "
        f"{'active' if record.active else 'not active (activatePolicy or --activate)'}")
    if corrected:
        say(f"将更正 {len(corrected)} 个已发放月份（{'、'.join(corrected)}），下次生成工资时补发或补扣差额",
            f"corrects {len(corrected)} paid month(s) ({', '.join(corrected)}): the next payroll run pays or takes "
            "back the differences (§13)")
    return 0


LIST_HEADINGS = ("编号", "代码", "当前政策", "名称", "版本（生效日期）")


def cmd_list(args: argparse.Namespace) -> int:
    from api.db.database import configure, connection
    from api.db.migrate import migrate
    from api.db.models import Policy, PolicyVersion

    kind = output_format(args.output, (CSV, XLSX), Text("政策列表", "the policy list"))
    configure()
    migrate()
    with connection():
        policies = list(Policy.select().order_by(Policy.id))
        versions = list(PolicyVersion.select().order_by(PolicyVersion.effective_from))
    rows = [(policy.id, policy.code, "是" if policy.active else "否", policy.title,
             "、".join(str(v.effective_from) for v in versions if v.policy_id == policy.id)) for policy in policies]
    write_table(args.output, kind, LIST_HEADINGS, rows, "薪酬政策", widths=(6, 20, 8, 50, 40))
    return 0


#: The grade table's headings: the table HR staff post for 公示.
GRADE_HEADINGS = ("岗位代码", "岗位", "等级", "系数", "岗位等级工资（元/月）", "岗位工资（元/月）", "基本报酬（元/月）",
                  "绩效工资预留（元/月）")


def cmd_grades(args: argparse.Namespace) -> int:
    from payroll.money import format_fen, format_rate
    from payroll.policy import grade_table_rows, load_policy

    kind = output_format(args.output, (CSV, XLSX), Text("等级工资表", "the grade table"))
    if args.policy:
        policy = load_policy(args.policy)
    else:
        from api.db.database import configure, connection
        from api.db.migrate import migrate
        from api.reads.policies import active_policy

        configure()
        migrate()
        with connection():
            policy = active_policy(jurisdiction_id(args.jurisdiction))
        if policy is None:
            raise UsageError("没有启用的政策：请给出 --policy FILE 或先导入政策", "no policy is active; give --policy "
                                                                          "FILE or import one")
    version = policy.version_for(args.period)
    rows = [
        (row.post, version.posts[row.post].title, row.grade,
         "" if row.coefficient is None else format_rate(row.coefficient), format_fen(row.grade_pay),
         format_fen(row.post_pay), format_fen(row.basic_pay), format_fen(row.performance_reserve))
        for row in grade_table_rows(version)
    ]
    title = f"{policy.title} 等级工资表（{version.effective_from} 起）"
    write_table(args.output, kind, GRADE_HEADINGS, rows, "等级工资表", title, widths=(10, 24, 6, 8, 16, 16, 16, 16))
    say(f"{policy.id}，{version.effective_from} 起生效的版本（{args.period} 适用）",
        f"{policy.id}, version {version.effective_from} (in force in {args.period})")
    wrote("等级工资表", "the grade table", args.output)
    return 0


def add_policy_commands(sub: argparse._SubParsersAction) -> None:

    policy = sub.add_parser("policy", help="政策：检查、导入发布、列出、等级工资表 / policies: validate, import, list, grade "
                                           "table",
                            description="检查政策文件、导入或发布新版本、查看等级工资表 / Check a policy document, import it "
                                        "or publish its new versions, print the grade table.")
    actions = policy.add_subparsers(dest="policy_command", metavar="ACTION", required=True)

    validate = actions.add_parser("validate", help="检查政策文件（不需数据库）/ check a document (no database needed)")
    validate.add_argument("file", metavar="FILE", help="政策文件（YAML 或 JSON）/ policy document (YAML or JSON)")
    add_output(validate, (TEXT,))
    validate.set_defaults(handler=cmd_validate)

    store = actions.add_parser("import", help="导入政策或发布新版本 / import a policy or publish its new versions",
                               description="与 importPolicy 相同：已发布的版本不可更改，只能新增生效日期更晚的版本 / As the "
                                           "importPolicy mutation: published versions never change; add a version with a "
                                           "later effective_from instead.")
    store.add_argument("file", metavar="FILE", help="政策文件（YAML 或 JSON）/ policy document (YAML or JSON)")
    store.add_argument("--activate", action="store_true", help="设为辖区的当前政策 / make it the jurisdiction's active "
                                                                  "policy")
    add_jurisdiction(store, "发布政策的辖区（只有一个辖区时可不给）", "the jurisdiction publishing it (may be left out "
                                                                  "when there is only one)")
    store.add_argument("--actor", metavar="NAME", help="审计日志中的操作人（默认 cli:用户名）/ name recorded in the audit "
                                                      "log (default: cli:<user>)")
    store.set_defaults(handler=cmd_import)

    listing = actions.add_parser("list", help="列出已存政策及版本 / list stored policies and their versions")
    add_output(listing, (CSV, XLSX))
    listing.set_defaults(handler=cmd_list)

    grades = actions.add_parser("grades", help="等级工资表（元，CSV 或 .xlsx，中文表头）/ the post × grade table in yuan "
                                               "(CSV or .xlsx, Chinese headings)")
    grades.add_argument("--period", type=period_argument, required=True, metavar="YYYY-MM",
                        help="月份，决定政策版本 / the month; picks the version in force")
    grades.add_argument("--policy", metavar="FILE", help="政策文件（默认：数据库中的当前政策）/ a policy document "
                                                        "(default: the active policy in the database)")
    add_jurisdiction(grades, "按该辖区适用的政策（默认：唯一启用的政策）", "the policy in force for this jurisdiction "
                                                                   "(default: the one active policy)")
    add_output(grades, (CSV, XLSX), "（文件带 UTF-8 BOM，Excel 可直接打开 / files carry a UTF-8 BOM for Excel）")
    grades.set_defaults(handler=cmd_grades)
