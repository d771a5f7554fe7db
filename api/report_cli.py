"""``community-payroll export …`` and report subcommands (placeholder: filled in by the workflows work)."""

from __future__ import annotations

import argparse


def add_report_commands(sub: argparse._SubParsersAction) -> None:
    """Register the export and report subcommands."""
