"""No limit on guessing (issue 12): failed authentication is counted per
client address; after PAYROLL_AUTH_MAX_FAILURES within the window the
address is locked out (429, Retry-After) — valid token or not — for
PAYROLL_AUTH_LOCKOUT_SECONDS, other addresses unaffected; the log gets one
short line per failure and none per refused attempt."""

from __future__ import annotations

import logging
from types import SimpleNamespace

from starlette.testclient import TestClient

from api.access import authentication
from api.access.principal import Role
from api.db.database import connection
from api.http.app import create_app
from api.services.tokens import create_token
from api.settings import Settings

ME = {"query": "{ me { name } }"}


def test_three_hundred_bad_tokens_lock_the_address_out(database_url, caplog, monkeypatch):
    # The limiter's clock stands still unless moved: on a loaded machine 300
    # requests may take longer than the one-second lockout.
    clock = [1000.0]
    monkeypatch.setattr(authentication, "time", SimpleNamespace(monotonic=lambda: clock[0]))
    app = create_app(Settings(database_url=database_url, auth_max_failures=10, auth_window_seconds=60,
                              auth_lockout_seconds=1))
    with connection():
        good = create_token("finance", Role.FINANCE).token
    guesser = TestClient(app, client=("203.0.113.7", 40000))
    neighbour = TestClient(app, client=("203.0.113.8", 40000))
    with guesser, neighbour, caplog.at_level(logging.INFO):
        statuses = [guesser.post("/graphql", json=ME, headers={"Authorization": f"Bearer cp_guess{i}"})
                    for i in range(300)]
        assert [r.status_code for r in statuses[:10]] == [401] * 10
        assert {r.status_code for r in statuses[10:]} == {429}
        locked = statuses[-1]
        assert int(locked.headers["retry-after"]) == 1
        assert locked.json() == {"errors": [{
            "message": "认证失败次数过多，请 1 秒后再试 / too many failed authentication attempts from this address; "
                       "try again in 1 s", "extensions": {"code": "RATE_LIMITED"}}]}
        # Locked out whatever the token, on every route; another address is served.
        assert guesser.post("/graphql", json=ME, headers={"Authorization": f"Bearer {good}"}).status_code == 429
        assert guesser.get("/exports/payroll-runs/1.csv", headers={"Authorization": "Bearer x"}).status_code == 429
        assert neighbour.post("/graphql", json=ME, headers={"Authorization": f"Bearer {good}"}).json() == {
            "data": {"me": {"name": "finance"}}}
        clock[0] += 1.1
        assert guesser.post("/graphql", json=ME, headers={"Authorization": f"Bearer {good}"}).status_code == 200
    logged = [r for r in caplog.records if r.name.startswith("community_payroll")]
    assert len(logged) == 10 and all(r.exc_info is None for r in logged)
    assert sum(len(r.getMessage()) for r in logged) < 1000
    assert logged[0].getMessage() == "authentication failed from 203.0.113.7: the token is unknown, expired or revoked"
