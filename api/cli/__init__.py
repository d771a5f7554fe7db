"""The ``community-payroll`` command line (interfaces.md §2), one package.

- :mod:`.engine`: quote, staffing, budget, explain — files in, files out, no
  database;
- :mod:`.service`: serve, migrate, demo, token;
- :mod:`.imports`, :mod:`.policies`, :mod:`.exports`: files into and out of the
  configured database.

It lives on the service side: the engine (``payroll``) never imports it.
Heavy imports (strawberry, uvicorn) happen inside the handlers so that the
engine subcommands stay quick to start.
"""

from __future__ import annotations

import argparse
import sys
from typing import Callable, Sequence

from api.cli import engine, exports, imports, policies, service
from api.cli.common import INPUT_ERRORS, PROG, Parser, error_line, one_line


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog=PROG,
        description="社区工作者“三岗十六级”薪酬计算与服务 / Community worker payroll (three posts, sixteen grades)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    engine.add_engine_commands(sub)
    service.add_service_commands(sub)
    imports.add_import_commands(sub)
    policies.add_policy_commands(sub)
    exports.add_export_commands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Callable[[argparse.Namespace], int | None] = args.handler
    try:
        return handler(args) or 0
    except INPUT_ERRORS as exc:
        print(error_line(one_line(exc)), file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. piped into head
        return 0
