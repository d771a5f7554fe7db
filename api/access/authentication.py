"""Bearer tokens → principals: a Starlette authentication backend.

Tokens are 32 random bytes shown once at creation (``cp_…``,
:mod:`api.services.tokens`); only their SHA-256 is stored, so a database leak
does not leak tokens.  :class:`BearerTokenBackend` runs for every request
(through Starlette's ``AuthenticationMiddleware``) and sets
``request.user``:

- a valid token → :class:`PrincipalUser` holding the token's principal;
- no ``Authorization`` header → :class:`Anonymous` (in development mode,
  the ADMIN principal instead): what a route needs is for the route to say,
  so the dashboard's files and GraphiQL's page load without a token and
  GraphQL answers UNAUTHENTICATED in its own format;
- a bad, unknown, expired or revoked token → 401 with a JSON error body.

Failed attempts are counted per client address: after
``PAYROLL_AUTH_MAX_FAILURES`` within ``PAYROLL_AUTH_WINDOW_SECONDS`` the
address is locked out for ``PAYROLL_AUTH_LOCKOUT_SECONDS`` (429 with
``Retry-After``), so tokens cannot be guessed at speed.  Each failure is
logged in one line, without a traceback.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import time
from collections import deque

import peewee as pw
from starlette.authentication import AuthCredentials, AuthenticationBackend, AuthenticationError, BaseUser
from starlette.requests import HTTPConnection
from starlette.responses import JSONResponse

from api.access.principal import DEV_ADMIN, Principal, Role
from api.db.database import read_only
from api.db.jurisdictions import JurisdictionTree
from api.db.models import ApiToken, Community, Street, utcnow
from api.db.threads import run_db
from api.settings import Settings

logger = logging.getLogger("community_payroll.auth")

TOKEN_PREFIX = "cp_"
NO_TOKEN = ("未提供令牌：请发送请求头 Authorization: Bearer <令牌>（用 community-payroll token create 创建）/ no token: "
            "send the header Authorization: Bearer <token> (create one with community-payroll token create)")
BAD_SCHEME = "请求头 Authorization 应为 Bearer <令牌> / the Authorization header must be: Bearer <token>"
BAD_TOKEN = "令牌无效、已过期或已吊销 / the token is unknown, expired or revoked"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def principal_for_token(token: str) -> Principal | None:
    """The principal of a valid (known, unexpired, unrevoked) token, else None."""
    record = ApiToken.get_or_none(ApiToken.token_hash == hash_token(token))
    now = utcnow()
    if record is None or record.revoked_at is not None or (record.expires_at is not None and record.expires_at <= now):
        return None
    role = Role(record.role)
    if (role is Role.WORKER) != (record.worker_id is not None):
        logger.error("token %s: a %s token %s a worker; refused", record.id, role.value,
                     "without" if role is Role.WORKER else "with")
        return None
    if record.last_used_at is None or now - record.last_used_at > dt.timedelta(minutes=5):
        # Kept coarse so that reads do not write on every request; an instance
        # reading a replica cannot write it at all, and need not.
        try:
            with ApiToken._meta.database.atomic():
                ApiToken.update(last_used_at=now).where(ApiToken.id == record.id).execute()
        except pw.InternalError as exc:
            if not read_only(exc):
                raise
    jurisdictions = json.loads(record.jurisdictions)
    streets = json.loads(record.streets)
    communities = json.loads(record.communities)
    tree = JurisdictionTree.load() if jurisdictions else None
    return Principal(
        name=record.name,
        role=role,
        token_id=record.id,
        worker_id=record.worker_id,
        jurisdiction_ids=tree.descendants(tree.ids_of_codes(jurisdictions)) if tree else frozenset(),
        scoped=bool(jurisdictions or streets or communities),
        street_ids=frozenset(s.id for s in Street.select(Street.id).where(Street.code.in_(streets))) if streets
        else frozenset(),
        community_ids=frozenset(c.id for c in Community.select(Community.id).where(Community.code.in_(communities)))
        if communities else frozenset(),
    )


class PrincipalUser(BaseUser):
    """``request.user`` of an authenticated request."""

    def __init__(self, principal: Principal):
        self.principal = principal

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def display_name(self) -> str:
        return self.principal.name


class Anonymous(BaseUser):
    """``request.user`` of a request without a token."""

    problem = NO_TOKEN

    @property
    def is_authenticated(self) -> bool:
        return False

    @property
    def display_name(self) -> str:
        return ""


class TooManyFailures(AuthenticationError):
    def __init__(self, retry_after: int):
        super().__init__(f"认证失败次数过多，请 {retry_after} 秒后再试 / too many failed authentication attempts from "
                         f"this address; try again in {retry_after} s")
        self.retry_after = retry_after


class FailedAttempts:
    """Failed attempts per client address in a sliding window, and lockouts."""

    def __init__(self, max_failures: int, window: float, lockout: float):
        self.max_failures = max_failures
        self.window = window
        self.lockout = lockout
        self._failures: dict[str, deque[float]] = {}
        self._locked_until: dict[str, float] = {}

    def locked(self, address: str) -> int:
        """Seconds left of the address's lockout (0: not locked)."""
        until = self._locked_until.get(address)
        if until is None:
            return 0
        left = until - time.monotonic()
        if left <= 0:
            del self._locked_until[address]
            return 0
        return max(1, round(left))

    def fail(self, address: str) -> None:
        now = time.monotonic()
        failures = self._failures.setdefault(address, deque())
        failures.append(now)
        while failures and failures[0] < now - self.window:
            failures.popleft()
        if len(failures) >= self.max_failures:
            self._locked_until[address] = now + self.lockout
            failures.clear()
        if len(self._failures) > 10_000:  # forget quiet addresses
            for key in [k for k, v in self._failures.items() if not v or v[-1] < now - self.window]:
                del self._failures[key]


class BearerTokenBackend(AuthenticationBackend):
    def __init__(self, settings: Settings):
        self.settings = settings
        self.failures = FailedAttempts(settings.auth_max_failures, settings.auth_window_seconds,
                                       settings.auth_lockout_seconds)
        #: token hash → (expiry on the monotonic clock, principal).  A revoked
        #: or expired token stops working within ``PAYROLL_TOKEN_CACHE_SECONDS``.
        self._cache: dict[str, tuple[float, Principal]] = {}

    async def authenticate(self, conn: HTTPConnection) -> tuple[AuthCredentials, BaseUser] | None:
        header = conn.headers.get("authorization")
        if not header:
            if self.settings.dev_admin:
                return AuthCredentials(["authenticated"]), PrincipalUser(DEV_ADMIN)
            return AuthCredentials(), Anonymous()
        address = conn.client.host if conn.client else "-"
        retry_after = self.failures.locked(address)
        if retry_after:
            raise TooManyFailures(retry_after)
        scheme, _, token = header.partition(" ")
        token = token.strip()
        principal = await self._principal(token) if scheme.lower() == "bearer" and token else None
        if principal is None:
            self.failures.fail(address)
            reason = BAD_TOKEN if token and scheme.lower() == "bearer" else BAD_SCHEME
            logger.warning("authentication failed from %s: %s", address, reason.partition(" / ")[2])
            raise AuthenticationError(reason)
        return AuthCredentials(["authenticated"]), PrincipalUser(principal)

    async def _principal(self, token: str) -> Principal | None:
        key = hash_token(token)
        seconds = self.settings.token_cache_seconds
        entry = self._cache.get(key)
        if entry is not None and entry[0] >= time.monotonic():
            return entry[1]
        principal = await run_db(principal_for_token, token)
        if principal is not None and seconds > 0:
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[key] = (time.monotonic() + seconds, principal)
        return principal


def authentication_error(conn: HTTPConnection, exc: AuthenticationError) -> JSONResponse:
    """The JSON answer to a refused token (401), or to a locked-out address (429)."""
    if isinstance(exc, TooManyFailures):
        return JSONResponse({"errors": [{"message": str(exc), "extensions": {"code": "RATE_LIMITED"}}]},
                            status_code=429, headers={"retry-after": str(exc.retry_after)})
    return JSONResponse({"errors": [{"message": str(exc), "extensions": {"code": "UNAUTHENTICATED"}}]},
                        status_code=401, headers={"www-authenticate": "Bearer"})


def principal_of(conn: HTTPConnection) -> Principal | None:
    """The request's principal (set by the backend), or None without a token."""
    user = conn.scope.get("user")
    return user.principal if isinstance(user, PrincipalUser) else None
