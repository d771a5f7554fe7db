"""The GraphQL-over-HTTP specification's own audit (the npm package
``graphql-http``, ``auditServer``) against the service as it runs: no MUST
failure and no SHOULD warning; every MAY is taken too.

The audit is installed by .ci/run (a pinned version, outside the repository);
nothing is downloaded here.  Without Node or the package the test skips and
says how to install them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.live_service import running_service

HERE = Path(__file__).resolve().parent
VERSION = "1.23.1"  # keep equal to .ci/run
AUDIT_DIR = Path(os.environ.get("GRAPHQL_HTTP_AUDIT_DIR")
                 or Path.home() / ".cache" / "community-payroll" / "graphql-http-audit")
INSTALL = (f"npm install --prefix {AUDIT_DIR} --save-exact graphql-http@{VERSION} graphql@16.15.0 "
           "(as .ci/run does; GRAPHQL_HTTP_AUDIT_DIR picks another folder)")


def audit(url: str, token: str | None) -> list[dict]:
    node = shutil.which("node")
    if node is None:
        pytest.skip("Node.js is not installed (Debian: apt-get install nodejs npm); the audit needs it, then " + INSTALL)
    package = AUDIT_DIR / "node_modules" / "graphql-http" / "package.json"
    if not package.is_file():
        pytest.skip(f"graphql-http is not installed in {AUDIT_DIR}: {INSTALL}")
    version = json.loads(package.read_text(encoding="utf-8"))["version"]
    assert version == VERSION, f"{AUDIT_DIR} holds graphql-http {version}, not {VERSION}: {INSTALL}"
    done = subprocess.run([node, str(HERE / "graphql_http_audit.mjs"), url, *([token] if token else [])],
                          env=dict(os.environ, GRAPHQL_HTTP_AUDIT_DIR=str(AUDIT_DIR)), capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.parametrize("mode", ["token", "development"])
def test_the_graphql_over_http_audit_passes(tmp_path, mode):
    with running_service(tmp_path, dev_admin=mode == "development") as service:
        token = service.create_token("--role", "VIEWER", "--name", "audit") if mode == "token" else None
        results = audit(service.url + "/graphql", token)
    problems = [f"{r['status'].upper()} {r['id']} {r['name']}: {r['reason']}" for r in results if r["status"] != "ok"]
    print("\n".join(problems))
    assert problems == []
    counts = {level: sum(1 for r in results if r["name"].startswith(level + " ")) for level in ("MUST", "SHOULD", "MAY")}
    print(f"graphql-http {VERSION} audit ({mode}): {len(results)} ok: {counts}")
    assert counts["MUST"] >= 10 and counts["SHOULD"] >= 20 and sum(counts.values()) == len(results)
