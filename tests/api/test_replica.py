"""Reading from a PostgreSQL streaming replica: the way past one machine.

A primary cluster and a streaming replica of it are made with Debian's
PostgreSQL tools on ports of their own (``pg_createcluster``, ``pg_basebackup
-R``), so the machine's own cluster is never touched.  A demo city is loaded
into the primary; a reporting instance of the service (``DATABASE_URL`` at the
replica, no migration on start) serves payslips, files and budgets from the
replica, and refuses writes with a message naming the primary.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from api.http.app import create_app
from api.settings import Settings

TOOLS = ("pg_createcluster", "pg_ctlcluster", "pg_dropcluster", "pg_basebackup", "runuser", "psql")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run(*command: str, env: dict | None = None) -> str:
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, f"{' '.join(command)}\n{done.stdout}\n{done.stderr}"
    return done.stdout


def _wait_ready(port: int) -> None:
    for _ in range(100):
        if subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1", "-p", str(port)]).returncode == 0:
            return
        time.sleep(0.1)
    raise AssertionError(f"PostgreSQL on port {port} did not start")


@pytest.fixture(scope="module")
def replica():
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing or os.geteuid() != 0 or not Path("/etc/postgresql").is_dir():
        pytest.skip("需要 Debian 的 PostgreSQL 集群工具并以 root 运行 / the replica test needs Debian's PostgreSQL "
                    f"cluster tools and root (missing: {', '.join(missing) or 'root'})")
    version = sorted(os.listdir("/etc/postgresql"))[-1]
    suffix = f"{os.getpid()}"
    primary, standby = f"cp_primary_{suffix}", f"cp_replica_{suffix}"
    primary_port, standby_port = _free_port(), _free_port()
    try:
        _run("pg_createcluster", version, primary, "-p", str(primary_port), "--", "--auth=trust")
        with open(f"/etc/postgresql/{version}/{primary}/pg_hba.conf", "a", encoding="utf-8") as hba:
            hba.write("host replication all 127.0.0.1/32 trust\n")
        _run("pg_ctlcluster", version, primary, "start")
        _wait_ready(primary_port)
        _run("psql", "-h", "127.0.0.1", "-p", str(primary_port), "-U", "postgres", "-c", "CREATE DATABASE payroll")
        primary_url = f"postgresql://postgres@127.0.0.1:{primary_port}/payroll"
        env = {**os.environ, "DATABASE_URL": primary_url}
        cli = [sys.executable, "-m", "api.cli"]
        _run(*cli, "demo", "--workers", "120", "--streets", "2", "--communities", "6", env=env)
        token = _run(*cli, "token", "create", "--role", "ADMIN", "--name", "reporting", env=env).strip()
        _run("pg_createcluster", version, standby, "-p", str(standby_port), "--", "--auth=trust")
        data = Path(f"/var/lib/postgresql/{version}/{standby}")
        for entry in data.iterdir():  # empty, kept: the folder is postgres's, its parent may not be
            shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
        _run("runuser", "-u", "postgres", "--", "pg_basebackup", "-h", "127.0.0.1", "-p", str(primary_port),
             "-U", "postgres", "-D", str(data), "-R", "-X", "stream", "--checkpoint=fast")
        _run("pg_ctlcluster", version, standby, "start")
        _wait_ready(standby_port)
        yield f"postgresql://postgres@127.0.0.1:{standby_port}/payroll", primary_port, token
    finally:
        for name in (standby, primary):
            subprocess.run(["pg_dropcluster", "--stop", version, name], capture_output=True)


def test_a_reporting_instance_serves_from_the_replica_and_refuses_writes(replica):
    url, primary_port, token = replica
    app = create_app(Settings(database_url=url, migrate_on_start=False))
    headers = {"Authorization": f"Bearer {token}"}
    with TestClient(app) as client:
        assert client.get("/healthz").json() == {"status": "ok", "database": "postgresql"}
        in_recovery = client.post("/graphql", headers=headers, json={"query": "{ payrollPeriods(first: 1) }"})
        period = in_recovery.json()["data"]["payrollPeriods"][0]
        payslips = client.post("/graphql", headers=headers, json={"query": f"""{{ payslips(period: "{period}",
            first: 5) {{ totalCount nodes {{ net worker {{ code }} payrollRun {{ id }} }} }} }}"""}).json()
        assert payslips["data"]["payslips"]["totalCount"] > 0
        run = payslips["data"]["payslips"]["nodes"][0]["payrollRun"]["id"].partition(":")[2]
        export = client.get(f"/exports/payroll-runs/{run}.csv", headers=headers)
        assert export.status_code == 200 and export.text.startswith("worker_id,period,post")
        budget = client.post("/graphql", headers=headers,
                             json={"query": "{ budget(year: 2026) { totals { total } } }"}).json()
        assert "errors" not in budget and budget["data"]["budget"]["totals"]["total"] != "0.00"
        write = client.post("/graphql", headers=headers, json={
            "query": 'mutation { createStreet(input: {code: "S9", name: "九"}) { errors { message } } }'}).json()
        error = write["errors"][0]
        assert error["extensions"]["code"] == "READ_ONLY"
        assert f"127.0.0.1:{primary_port}" in error["message"] and error["message"].startswith("本实例连接的是只读副本")
