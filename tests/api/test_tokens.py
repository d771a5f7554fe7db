"""Tokens from the command line: created once, stored as hashes, listed,
revoked and expired; development mode only when switched on."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from api.db.database import connection
from api.db.models import ApiToken, utcnow
from api.http.app import create_app
from api.settings import Settings

CLI = str(Path(sys.executable).with_name("community-payroll"))


def cli(database_url: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": database_url}
    return subprocess.run([CLI, *args], capture_output=True, text=True, env=env, timeout=60)


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path}/tokens.db"


def me(client: TestClient, token: str | None) -> dict:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.post("/graphql", json={"query": "{ me { name role streetCodes } }"}, headers=headers).json()


def test_token_lifecycle_through_the_command_line(sqlite_url):
    created = cli(sqlite_url, "token", "create", "--role", "FINANCE", "--name", "财务处", "--expires", "90d")
    assert created.returncode == 0, created.stderr
    token = created.stdout.strip()
    assert token.startswith("cp_") and len(token) > 40
    assert "shown only this once" in created.stderr
    app = create_app(Settings(database_url=sqlite_url, token_cache_seconds=0))
    with TestClient(app) as client:
        assert me(client, token)["data"]["me"] == {"name": "财务处", "role": "FINANCE", "streetCodes": []}
        with connection():
            stored = ApiToken.get(ApiToken.name == "财务处")
            assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
            assert token not in (stored.token_hash, stored.prefix)  # only a hash and a short prefix are kept
        listing = cli(sqlite_url, "token", "list")
        assert listing.stdout.splitlines()[0] == "编号,名称,角色,前缀,辖区,街道,社区,工作者,创建,到期,吊销,最近使用"
        assert "1,财务处,FINANCE," in listing.stdout and token not in listing.stdout
        revoked = cli(sqlite_url, "token", "revoke", str(stored.id))
        assert revoked.returncode == 0
        assert me(client, token)["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        assert cli(sqlite_url, "token", "revoke", str(stored.id)).returncode == 2


def test_hr_tokens_need_a_known_scope(sqlite_url):
    result = cli(sqlite_url, "token", "create", "--role", "HR", "--name", "人事")
    assert result.returncode == 2 and "an HR token needs at least one --jurisdiction, --street or --community" in result.stderr
    result = cli(sqlite_url, "token", "create", "--role", "HR", "--name", "人事", "--street", "NOPE")
    assert result.returncode == 2 and "unknown jurisdiction, street or community code: NOPE" in result.stderr
    result = cli(sqlite_url, "token", "create", "--role", "VIEWER", "--name", "x", "--street", "S1")
    assert result.returncode == 2 and "only HR tokens are scoped" in result.stderr


def test_expired_tokens_are_refused(sqlite_url):
    token = cli(sqlite_url, "token", "create", "--role", "VIEWER", "--name", "old").stdout.strip()
    app = create_app(Settings(database_url=sqlite_url, token_cache_seconds=0))
    with TestClient(app) as client:
        assert me(client, token)["data"]["me"]["role"] == "VIEWER"
        with connection():
            ApiToken.update(expires_at=utcnow()).where(ApiToken.name == "old").execute()
        assert me(client, token)["errors"][0]["message"] == "令牌无效、已过期或已吊销 / the token is unknown, expired or revoked"


def test_development_mode_only_when_switched_on(sqlite_url, caplog):
    with TestClient(create_app(Settings(database_url=sqlite_url))) as client:
        assert me(client, None)["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    with caplog.at_level("WARNING", logger="community_payroll"):
        app = create_app(Settings(database_url=sqlite_url, dev_admin=True))
    assert "DEVELOPMENT MODE: requests without a token act as ADMIN" in caplog.text
    with TestClient(app) as client:
        assert me(client, None)["data"]["me"] == {"name": "dev-admin", "role": "ADMIN", "streetCodes": []}


def test_a_revoked_token_stops_working_within_the_cache_time(sqlite_url, monkeypatch):
    token = cli(sqlite_url, "token", "create", "--role", "VIEWER", "--name", "cached").stdout.strip()
    app = create_app(Settings(database_url=sqlite_url, token_cache_seconds=5))
    with TestClient(app) as client:
        assert me(client, token)["data"]["me"]["role"] == "VIEWER"
        with connection():
            ApiToken.update(revoked_at=utcnow()).where(ApiToken.name == "cached").execute()
        assert me(client, token)["data"]["me"]["role"] == "VIEWER"  # still trusted for up to 5 s
        clock = __import__("time").monotonic() + 6
        monkeypatch.setattr("api.access.authentication.time.monotonic", lambda: clock)
        assert me(client, token)["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
