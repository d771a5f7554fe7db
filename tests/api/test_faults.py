"""Nothing is lost under faults: an exception in the middle of a payroll run
leaves no run and no payslips; killing the server during a run leaves the
database consistent; concurrent creations of the same run give exactly one
(threads, processes, and two API processes)."""

from __future__ import annotations

import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx2
import pytest

from payroll.periods import Period

from api.access.principal import SYSTEM, Role
from api.db.database import connection
from api.db.models import PayrollRun, Payslip
from api.errors import UserErrors
from api.services import payroll as payroll_service
from api.services.demo import load_demo
from api.services.tokens import create_token

from .test_payroll_runs import CREATE_RUN


def consistent_runs() -> list[tuple[int, int]]:
    """Every run with its payslip count; asserts each run has exactly the payslips it says."""
    with connection():
        runs = list(PayrollRun.select())
        for run in runs:
            assert Payslip.select().where(Payslip.run == run.id).count() == run.payslip_count, run.id
        assert Payslip.select().where(Payslip.run.not_in([r.id for r in runs] or [0])).count() == 0
        return [(r.id, r.payslip_count) for r in runs]


def test_an_exception_in_the_middle_of_a_run_leaves_nothing(gql, city, monkeypatch):
    original = payroll_service.insert_payslips

    def insert_then_fail(*args, **kwargs):
        original(*args, **kwargs)  # the payslips are written …
        raise RuntimeError("power cut")  # … and then the run fails

    monkeypatch.setattr(payroll_service, "insert_payslips", insert_then_fail)
    body = gql.post(CREATE_RUN, {"input": {"period": "2026-01"}})
    assert body["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert consistent_runs() == []
    with connection():
        assert Payslip.select().count() == 0
    monkeypatch.setattr(payroll_service, "insert_payslips", original)
    created = gql.mutate(CREATE_RUN, {"input": {"period": "2026-01"}})["payrollRun"]
    assert created["payslipCount"] == 4


def test_concurrent_creations_in_threads_give_one_run(app, city):
    outcomes: list[str] = []
    barrier = threading.Barrier(4)

    def create() -> None:
        barrier.wait()
        with connection():
            try:
                payroll_service.create_run(SYSTEM, Period(2026, 1), None, None)
                outcomes.append("created")
            except UserErrors as exc:
                outcomes.append(exc.errors[0].code.value)

    threads = [threading.Thread(target=create) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(outcomes) == ["DUPLICATE", "DUPLICATE", "DUPLICATE", "created"]
    assert consistent_runs() == [(1, 4)]


_CREATE_SCRIPT = """
import sys
from api.access.principal import SYSTEM
from api.errors import UserErrors
from api.db.database import configure, connection
from api.services.payroll import create_run
from payroll.periods import Period
configure(sys.argv[1])
with connection():
    try:
        create_run(SYSTEM, Period(2026, 1), None, None)
        print("created")
    except UserErrors as exc:
        print(exc.errors[0].code.value)
"""


def test_concurrent_creations_in_processes_give_one_run(database_url, app, city):
    processes = [
        subprocess.Popen([sys.executable, "-c", _CREATE_SCRIPT, database_url], stdout=subprocess.PIPE, text=True)
        for _ in range(3)
    ]
    outcomes = sorted(p.communicate(timeout=120)[0].strip() for p in processes)
    assert outcomes == ["DUPLICATE", "DUPLICATE", "created"]
    assert consistent_runs() == [(1, 4)]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """``community-payroll serve`` in a subprocess."""

    def __init__(self, database_url: str, port: int | None = None):
        self.port = port or free_port()
        env = {**os.environ, "DATABASE_URL": database_url}
        env.pop("PAYROLL_DEV_ADMIN", None)
        script = Path(sys.executable).with_name("community-payroll")
        self.log = tempfile.TemporaryFile()
        self.process = subprocess.Popen(
            [str(script), "serve", "--port", str(self.port), "--log-level", "warning"],
            env=env, stdout=subprocess.DEVNULL, stderr=self.log,
        )
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                if httpx2.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return
            except httpx2.HTTPError:
                time.sleep(0.1)
        self.stop()
        self.log.seek(0)
        raise RuntimeError(f"the server did not start: {self.log.read().decode(errors='replace')}")

    def post(self, token: str, query: str, variables: dict | None = None, timeout: float = 60) -> dict:
        response = httpx2.post(self.url + "/graphql", json={"query": query, "variables": variables or {}},
                               headers={"Authorization": f"Bearer {token}"}, timeout=timeout)
        return response.json()

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)
        self.log.close()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self.log.close()


@pytest.fixture
def big_city(database_url, app) -> str:
    """A city of 20,000 workers without runs, and an ADMIN token."""
    with connection():
        load_demo(workers=20_000, streets=4, communities=80, today=dt.date(2026, 3, 5), runs=False)
        return create_token("admin", Role.ADMIN).token


def test_killing_the_server_during_a_run_leaves_the_database_consistent(database_url, big_city):
    server = Server(database_url)
    answer: dict = {}

    def create() -> None:
        try:
            answer["body"] = server.post(big_city, CREATE_RUN, {"input": {"period": "2026-01"}})
        except httpx2.HTTPError as exc:
            answer["error"] = repr(exc)

    thread = threading.Thread(target=create)
    thread.start()
    time.sleep(0.4)  # the run takes about a second for 20,000 workers
    server.kill()
    thread.join(30)
    restarted = Server(database_url)
    try:
        runs = consistent_runs()
        if runs:  # the run committed before the kill: it is whole
            assert runs[0][1] > 19_000
        else:  # killed mid-run: nothing of it remains, and it can be created again
            body = restarted.post(big_city, CREATE_RUN, {"input": {"period": "2026-01"}})
            assert body["data"]["createPayrollRun"]["errors"] == []
            assert len(consistent_runs()) == 1
    finally:
        restarted.stop()


def test_two_api_processes_serve_consistent_results_and_never_create_a_run_twice(database_url, big_city):
    servers = [Server(database_url), Server(database_url)]
    try:
        results: list[dict] = []
        barrier = threading.Barrier(4)

        def create(server: Server) -> None:
            barrier.wait()
            results.append(server.post(big_city, CREATE_RUN, {"input": {"period": "2026-01"}}))

        threads = [threading.Thread(target=create, args=(servers[i % 2],)) for i in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        payloads = [r["data"]["createPayrollRun"] for r in results]
        created = [p for p in payloads if p["payrollRun"]]
        assert len(created) == 1
        assert all(p["errors"][0]["code"] == "DUPLICATE" for p in payloads if not p["payrollRun"])
        assert len(consistent_runs()) == 1
        query = "{ payrollRuns { nodes { id period payslipCount net } } workers(first: 3) { totalCount nodes { code } } }"
        answers = [s.post(big_city, query)["data"] for s in servers]
        assert answers[0] == answers[1]
        assert answers[0]["payrollRuns"]["nodes"][0]["payslipCount"] == created[0]["payrollRun"]["payslipCount"]
    finally:
        for server in servers:
            server.stop()
