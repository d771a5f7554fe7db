"""Service subcommands of ``community-payroll``: serve, migrate, demo, token.

Heavy imports (strawberry, uvicorn) happen inside the handlers so that the
engine subcommands stay quick to start.
"""

from __future__ import annotations

import argparse
import os
import sys

from payroll.texts import Text

from api.cli.common import (
    CSV,
    TEXT,
    XLSX,
    Refused,
    UsageError,
    add_output,
    output_format,
    say,
    write_output,
    write_table,
)
from api.settings import DEFAULT_LINK_DAYS, MAX_LINK_DAYS


def _configure() -> None:
    from api.db.database import configure
    from api.db.migrate import migrate

    configure()
    migrate()


def cmd_migrate(args: argparse.Namespace) -> None:
    from api.db.database import configure, database_url
    from api.db.migrate import migrate

    configure()
    applied = migrate()
    if applied:
        say(f"{database_url()}：已执行迁移 {'、'.join(applied)}", f"{database_url()}: applied {', '.join(applied)}")
    else:
        say(f"{database_url()}：已是最新", f"{database_url()}: up to date")


def cmd_demo(args: argparse.Namespace) -> int:
    from api.db.database import connection, database_url
    from api.services.demo import load_demo

    _configure()
    with connection():
        try:
            summary = load_demo(workers=args.workers, streets=args.streets, communities=args.communities,
                                runs=args.runs, seed=args.seed, jurisdictions=args.jurisdictions)
        except ValueError as exc:
            raise UsageError(*_halves(str(exc))) from None
    say(_summary_zh("演示城市已载入", database_url(), summary), _summary_en("demo city loaded into", database_url(), summary))
    return 0


def _halves(message: str) -> tuple[str, str]:
    """The two halves of a service's ``中文 / English`` message."""
    zh, separator, en = message.partition(" / ")
    return (zh, en) if separator else (message, message)


def _summary_zh(done: str, url: str, summary) -> str:
    places = f"{summary.jurisdictions} 个辖区，" if summary.jurisdictions > 1 else ""
    return (f"{done} {url}：{places}{summary.streets} 个街道，{summary.communities} 个社区，{summary.workers} 名工作者，"
            f"{summary.runs} 个发放批次")


def _summary_en(done: str, url: str, summary) -> str:
    places = f"{summary.jurisdictions} jurisdictions, " if summary.jurisdictions > 1 else ""
    return (f"{done} {url}: {places}{summary.streets} streets, {summary.communities} communities, {summary.workers} "
            f"workers, {summary.runs} payroll runs")


def cmd_serve(args: argparse.Namespace) -> None:
    """Start uvicorn; with --demo, load the demo city into an empty database and
    say what the database holds and which addresses to open.

    The development-mode warning is not printed here: the application logs it
    when it is created (also under gunicorn or uvicorn with PAYROLL_DEV_ADMIN=1),
    and printing it here as well showed it twice."""
    import uvicorn

    if args.demo:
        os.environ["PAYROLL_DEV_ADMIN"] = "1"
        from api.db.database import connection, database_url
        from api.db.models import Community, Jurisdiction, PayrollRun, Street, Worker
        from api.services.demo import DemoSummary, database_is_empty, load_demo

        _configure()
        with connection():
            if database_is_empty():
                say("载入演示城市 …", "loading the demo city …")
                summary = load_demo(jurisdictions=args.jurisdictions)
                done = ("演示城市已载入", "demo city loaded into")
            else:
                summary = DemoSummary(streets=Street.select().count(), communities=Community.select().count(),
                                      workers=Worker.select().count(), runs=PayrollRun.select().count(),
                                      jurisdictions=Jurisdiction.select().count())
                done = ("数据库已有数据，未重新载入", "the database already holds data, not loaded again:")
        say(_summary_zh(done[0], database_url(), summary), _summary_en(done[1], database_url(), summary))
    shown_host = "127.0.0.1" if args.host in ("0.0.0.0", "::") else args.host
    base = f"http://{'[' + shown_host + ']' if ':' in shown_host else shown_host}:{args.port}"
    print(f"打开 / open:\n  GraphiQL           {base}/graphql\n  看板 / dashboard   {base}/dashboard/", file=sys.stderr)
    uvicorn.run(
        "api.http.asgi:app",
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level=args.log_level,
        proxy_headers=True,
    )


def cmd_token_create(args: argparse.Namespace) -> int:
    from api.access.principal import Role
    from api.db.database import connection
    from api.services.tokens import create_token, parse_duration

    output_format(args.output, (TEXT,), Text("令牌", "the token"))
    _configure()
    try:
        expires = parse_duration(args.expires) if args.expires else None
        with connection():
            created = create_token(args.name, Role(args.role), args.street or [], args.community or [], expires,
                                   args.worker, args.jurisdiction or [])
    except ValueError as exc:
        raise UsageError(*_halves(str(exc))) from None
    write_output(args.output, created.token + "\n")
    expiry = created.record.expires_at
    say(f"令牌只显示这一次，请妥善保存（编号 {created.record.id}，角色 {args.role}"
        + (f"，{expiry:%Y-%m-%d %H:%M} UTC 到期" if expiry else "") + "）",
        f"the token is shown only this once (id {created.record.id}, role {args.role}"
        + (f", expires {expiry:%Y-%m-%d %H:%M} UTC" if expiry else "") + ")")
    return 0


def cmd_token_link(args: argparse.Namespace) -> int:
    """A one-time payslip link (电子工资条) for a worker, printed once."""
    import getpass

    from api.access.principal import Principal, Role
    from api.db.database import connection
    from api.errors import UserErrors
    from api.reads.records import worker
    from api.services.payslip_links import issue_link
    from api.settings import Settings

    output_format(args.output, (TEXT,), Text("链接", "the link"))
    _configure()
    principal = Principal(name=args.actor or f"cli:{getpass.getuser()}", role=Role.ADMIN)
    with connection():
        found = worker(principal, code=args.worker)
        if found is None:
            raise UsageError(f"工号不存在：{args.worker}", f"unknown worker code: {args.worker}")
        try:
            link = issue_link(principal, found["id"], args.days)
        except UserErrors as exc:
            raise Refused(str(exc)) from None
    public_url = Settings.from_env().public_url
    write_output(args.output, (public_url or "") + link.path + "\n")
    expires = f"{link.record.expires_at:%Y-%m-%d %H:%M}"
    say(f"{found['name']}（{found['code']}）的电子工资条链接只显示这一次，仅可使用一次，{expires} UTC 前有效"
        + ("" if public_url else "；请在前面加上服务地址，或设置 PAYROLL_PUBLIC_URL"),
        f"the payslip link of {found['code']} is shown only this once, works once and expires {expires} UTC"
        + ("" if public_url else "; put the service's address in front, or set PAYROLL_PUBLIC_URL"))
    return 0


TOKEN_HEADINGS = ("编号", "名称", "角色", "前缀", "辖区", "街道", "社区", "工作者", "创建", "到期", "吊销", "最近使用")


def cmd_token_list(args: argparse.Namespace) -> None:
    import json

    from api.db.database import connection
    from api.db.models import ApiToken, Worker

    kind = output_format(args.output, (CSV, XLSX), Text("令牌列表", "the token list"))
    _configure()
    with connection():
        workers = dict(Worker.select(Worker.id, Worker.code).join(ApiToken, on=ApiToken.worker == Worker.id).tuples())
        rows = [(
            t.id, t.name, t.role, t.prefix + "…", "、".join(json.loads(t.jurisdictions)),
            "、".join(json.loads(t.streets)), "、".join(json.loads(t.communities)),
            workers.get(t.worker_id, "-"),
            f"{t.created_at:%Y-%m-%d}", f"{t.expires_at:%Y-%m-%d}" if t.expires_at else "-",
            f"{t.revoked_at:%Y-%m-%d}" if t.revoked_at else "-",
            f"{t.last_used_at:%Y-%m-%d %H:%M}" if t.last_used_at else "-",
        ) for t in ApiToken.select().order_by(ApiToken.id)]
    write_table(args.output, kind, TOKEN_HEADINGS, rows, "访问令牌", widths=(6, 16, 9, 14, 14, 14, 14, 10, 11, 11, 11, 16))


def cmd_token_revoke(args: argparse.Namespace) -> int:
    from api.db.database import connection
    from api.services.tokens import revoke_token

    _configure()
    with connection():
        revoked = revoke_token(args.id)
    if not revoked:
        raise UsageError(f"没有编号为 {args.id} 的有效令牌", f"no active token with id {args.id}")
    say(f"令牌 {args.id} 已吊销", f"token {args.id} revoked")
    return 0


def add_service_commands(sub: argparse._SubParsersAction) -> None:
    serve = sub.add_parser(
        "serve",
        help="启动 GraphQL 服务 / start the GraphQL service",
        description="在配置的数据库上启动服务（必要时建库并迁移）/ Start the service on DATABASE_URL (default: a SQLite file "
        "here), creating and migrating the database when needed.",
    )
    serve.add_argument("--host", default="127.0.0.1", help="监听地址 / address to listen on")
    serve.add_argument("--port", type=int, default=8000, help="端口 / port")
    serve.add_argument("--workers", type=int, default=1, help="进程数 / worker processes")
    serve.add_argument("--log-level", default="info", help="日志级别 / log level")
    serve.add_argument(
        "--demo",
        action="store_true",
        help="空库时载入演示城市，并以开发模式运行（无令牌即管理员）/ load the demo city into an empty database and run in "
        "development mode (requests without a token act as ADMIN)",
    )
    serve.add_argument("--jurisdictions", type=int, default=1, metavar="N",
                       help="与 --demo 同用：演示 N 个辖区（市、县），各有政策（默认 1，即单个城市）/ with --demo: N "
                            "jurisdictions (cities, counties), each with its own policy (default 1: one city)")
    serve.set_defaults(handler=cmd_serve)

    migrate = sub.add_parser("migrate", help="建库或升级数据库 / create or migrate the database",
                             description="应用未执行的迁移 / Apply the pending migrations to DATABASE_URL.")
    migrate.set_defaults(handler=cmd_migrate)

    demo = sub.add_parser("demo", help="载入演示城市 / load the demo city",
                          description="向空库载入演示城市（街道、社区、工作者、政策、当年工资批次）/ Load a realistic demo "
                          "city into an empty database: streets, communities, workers, the example policy and this year's "
                          "payroll runs up to last month.")
    demo.add_argument("--workers", type=int, default=800, help="工作者人数 / workers (default 800)")
    demo.add_argument("--streets", type=int, default=6, help="街道数 / streets (default 6)")
    demo.add_argument("--communities", type=int, default=60, help="社区数 / communities (default 60)")
    demo.add_argument("--no-runs", dest="runs", action="store_false", help="不生成工资批次 / no payroll runs")
    demo.add_argument("--seed", type=int, default=2026, help="随机种子 / random seed")
    demo.add_argument("--jurisdictions", type=int, default=1, metavar="N",
                      help="辖区数：街道分属 N 个市、县，各有政策和上年度城镇居民人均可支配收入（默认 1）/ jurisdictions: the "
                           "streets shared among N cities and counties, each with its own policy and income (default 1)")
    demo.set_defaults(handler=cmd_demo)

    token = sub.add_parser("token", help="访问令牌 / API tokens", description="管理访问令牌 / Manage API tokens.")
    token_sub = token.add_subparsers(dest="token_command", metavar="ACTION", required=True)
    create = token_sub.add_parser("create", help="新建令牌（只显示一次）/ create a token (shown once)")
    create.add_argument("--role", required=True, choices=["ADMIN", "HR", "FINANCE", "VIEWER", "WORKER", "PROVINCE"],
                        help="角色：ADMIN 管理员、HR 人事、FINANCE 财务、VIEWER 只读、WORKER 工作者本人（电子工资条）、PROVINCE 省级"
                             "（查看各辖区，不能修改）/ role")
    create.add_argument("--name", required=True, help="用途或使用人 / who or what uses it")
    create.add_argument("--jurisdiction", action="append", metavar="CODE",
                        help="限定辖区（行政区划代码，可多次；含其下级；HR、FINANCE、VIEWER、PROVINCE）/ scope: jurisdiction code, "
                             "repeatable, with the jurisdictions below it (HR, FINANCE, VIEWER, PROVINCE)")
    create.add_argument("--street", action="append", metavar="CODE", help="HR 限定街道（可多次）/ HR scope: street code")
    create.add_argument("--community", action="append", metavar="CODE", help="HR 限定社区 / HR scope: community code")
    create.add_argument("--worker", metavar="CODE", help="WORKER 令牌所属工作者的工号（电子工资条）/ WORKER scope: the "
                        "worker's code (its own payslips only)")
    create.add_argument("--expires", metavar="90d", help="有效期，如 90d、12h / lifetime, e.g. 90d, 12h")
    add_output(create, (TEXT,), "令牌写入该文件 / the token goes into this file")
    create.set_defaults(handler=cmd_token_create)
    link = token_sub.add_parser(
        "link", help="电子工资条一次性链接（只显示一次）/ a worker's one-time payslip link (shown once)",
        description="为工作者生成一次性电子工资条链接：在手机上打开即登录本人工资条，仅可使用一次；此前未用的链接作废 / Print a "
        "one-time link to a worker's own payslips: opened on a phone it signs the phone in, once; the worker's earlier "
        "unused links stop working.")
    link.add_argument("--worker", required=True, metavar="CODE", help="工号 / the worker's code")
    link.add_argument("--days", type=int, default=DEFAULT_LINK_DAYS,
                      help=f"未使用时的有效天数（1–{MAX_LINK_DAYS}，默认 {DEFAULT_LINK_DAYS}）/ days until the link "
                      f"expires if unused (1–{MAX_LINK_DAYS}, default {DEFAULT_LINK_DAYS})")
    link.add_argument("--actor", metavar="NAME", help="审计日志中的操作人（默认 cli:用户名）/ name recorded in the audit "
                      "log (default cli:<user>)")
    add_output(link, (TEXT,), "链接写入该文件 / the link goes into this file")
    link.set_defaults(handler=cmd_token_link)
    listing = token_sub.add_parser("list", help="列出令牌 / list tokens")
    add_output(listing, (CSV, XLSX))
    listing.set_defaults(handler=cmd_token_list)
    revoke = token_sub.add_parser("revoke", help="吊销令牌 / revoke a token")
    revoke.add_argument("id", type=int, help="令牌编号（token list 中的编号）/ the token's id (see token list)")
    revoke.set_defaults(handler=cmd_token_revoke)

            
