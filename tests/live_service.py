"""The service as users run it, in a subprocess on a free port of 127.0.0.1:
``community-payroll serve`` (uvicorn) on a fresh SQLite file, optionally with
the demo city, in development mode or with tokens.

Shared by the tests that need a real HTTP server (the GraphQL-over-HTTP
audit, GraphiQL in Chromium, the package removed under a running service);
built on the dashboard browser test's helpers.
"""

from __future__ import annotations

import os
import subprocess
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Sequence

import pytest

from tests.test_dashboard_browser import Service, community_payroll, free_port


@contextmanager
def running_service(folder: Path, *, demo: bool = False, dev_admin: bool = False, serve_demo: bool = False,
                    command: Sequence[str] = (), env: dict[str, str] | None = None,
                    cwd: Path | None = None) -> Iterator[Service]:
    """Start ``community-payroll serve`` and wait for ``/healthz``; stop it afterwards.

    ``demo`` loads the demo city first (``community-payroll demo``);
    ``serve_demo`` runs ``serve --demo`` instead (the Quick start); ``command``
    replaces the ``community-payroll`` program (e.g. another interpreter).  The
    service's output is in ``folder/serve.log``."""
    port = free_port()
    environment = dict(os.environ, DATABASE_URL=f"sqlite:///{folder}/service.db", **(env or {}))
    environment.pop("PAYROLL_DEV_ADMIN", None)
    if dev_admin:
        environment["PAYROLL_DEV_ADMIN"] = "1"
    program = list(command) or community_payroll()
    if demo:
        subprocess.run([*program, "demo"], env=environment, check=True, capture_output=True, timeout=120, cwd=cwd)
    log_path = folder / "serve.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen([*program, "serve", *(["--demo"] if serve_demo else []), "--host", "127.0.0.1",
                                    "--port", str(port)],
                                   env=environment, stdout=log, stderr=subprocess.STDOUT, cwd=cwd or folder)
    service = Service(f"http://127.0.0.1:{port}", environment)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                pytest.fail("the service stopped:\n" + log_path.read_text(errors="replace"))
            try:
                with urllib.request.urlopen(service.url + "/healthz", timeout=2) as response:
                    if response.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                pytest.fail("the service did not answer /healthz in 60 s:\n" + log_path.read_text(errors="replace"))
            time.sleep(0.1)
        yield service
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
