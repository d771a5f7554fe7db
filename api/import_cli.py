"""``community-payroll import …`` (placeholder: filled in by the imports work)."""

from __future__ import annotations

import argparse


def add_import_commands(sub: argparse._SubParsersAction) -> None:
    """Register the import subcommands."""
