"""Shared fixtures: the spec's example files and helpers to build policies."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml
from hypothesis import settings

from payroll.policy import Policy, load_policy, parse_policy

DATA = Path(__file__).with_name("data")
EXAMPLES = DATA / "examples"
EXAMPLE_POLICY = DATA / "policy-example.yaml"

# Timing varies on shared CI machines; correctness, not speed, is tested here.
settings.register_profile("project", deadline=None, print_blob=True)
settings.load_profile("project")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The tests marked slow first, in their own order.  pytest-xdist hands the
    first tests to its processes in turn, so two long ones that sit side by
    side (a test's SQLite and PostgreSQL runs) go to different processes;
    found last, both could end the run on one process while the other waits."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


def example_payslip_lines(name: str = "payslips-2026.csv") -> list[str]:
    """An example payslips file, header included, line by line."""
    return (EXAMPLES / name).read_text(encoding="utf-8").splitlines()


@pytest.fixture(scope="session")
def example_policy() -> Policy:
    return load_policy(EXAMPLE_POLICY)


def example_document() -> dict:
    return yaml.safe_load(EXAMPLE_POLICY.read_text(encoding="utf-8"))


def set_path(node: dict, dotted: str, value) -> None:
    keys = dotted.split(".")
    for key in keys[:-1]:
        node = node[key]
    node[keys[-1]] = value


def one_version_policy(**overrides) -> Policy:
    """The example's 2026 version alone (effective 2020-01-01), with
    ``overrides`` given as dotted paths with '__' for '.'
    (``performance__withheld_share="0"``)."""
    doc = example_document()
    version = copy.deepcopy(doc["versions"][1])
    version["effective_from"] = "2020-01-01"
    for key, value in overrides.items():
        set_path(version, key.replace("__", "."), value)
    doc["versions"] = [version]
    return parse_policy(doc)
