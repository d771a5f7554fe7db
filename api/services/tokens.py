"""Creating, listing and revoking API tokens (the command line's ``token``).

A token is 32 random bytes shown once (``cp_…``); only its SHA-256 is stored
(:func:`api.access.authentication.hash_token`).  HR tokens are scoped to
jurisdictions, streets or communities; FINANCE, VIEWER and PROVINCE tokens
may be scoped to jurisdictions (a city's finance office sees its own city);
a WORKER token to one worker (电子工资条: the worker's own record and
payslips); unscoped tokens read everything.  Workers
usually get theirs from a one-time link (:mod:`api.services.payslip_links`).
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from dataclasses import dataclass

from api.access.authentication import TOKEN_PREFIX, hash_token
from api.access.principal import Role
from api.db.models import ApiToken, Community, Jurisdiction, Street, Worker, utcnow
from api.services.columns import max_length


@dataclass(frozen=True)
class NewToken:
    token: str
    record: ApiToken


def create_token(
    name: str,
    role: Role,
    street_codes: list[str] = (),
    community_codes: list[str] = (),
    expires_in: dt.timedelta | None = None,
    worker_code: str | None = None,
    jurisdiction_codes: list[str] = (),
) -> NewToken:
    """Store a new token (its hash) and return the token text, shown once."""
    street_codes, community_codes, jurisdiction_codes = list(street_codes), list(community_codes), list(jurisdiction_codes)
    if not name.strip() or len(name) > max_length(ApiToken.name):
        raise ValueError(f"令牌名称须为 1–{max_length(ApiToken.name)} 字 / the token's name must have 1 to "
                         f"{max_length(ApiToken.name)} characters")
    if role is Role.HR and not (street_codes or community_codes or jurisdiction_codes):
        raise ValueError("人事令牌须限定 --jurisdiction、--street 或 --community / an HR token needs at least one "
                         "--jurisdiction, --street or --community")
    if role in (Role.ADMIN, Role.WORKER) and jurisdiction_codes:
        raise ValueError("管理员和工作者令牌不限定辖区 / ADMIN and WORKER tokens are not scoped to jurisdictions")
    if role is not Role.HR and (street_codes or community_codes):
        raise ValueError("只有人事令牌可限定街道或社区 / only HR tokens are scoped to streets or communities")
    if role is Role.WORKER and not worker_code:
        raise ValueError("工作者令牌须用 --worker 指定工号 / a WORKER token needs --worker with the worker's code")
    if role is not Role.WORKER and worker_code:
        raise ValueError("只有工作者令牌可指定 --worker / only WORKER tokens name a --worker")
    worker = Worker.get_or_none(Worker.code == worker_code) if worker_code else None
    if worker_code and worker is None:
        raise ValueError(f"工号不存在：{worker_code} / unknown worker code: {worker_code}")
    known_streets = {s.code for s in Street.select(Street.code).where(Street.code.in_(street_codes))}
    known_communities = {c.code for c in Community.select(Community.code).where(Community.code.in_(community_codes))}
    known_jurisdictions = {j.code for j in Jurisdiction.select(Jurisdiction.code)
                           .where(Jurisdiction.code.in_(jurisdiction_codes))}
    unknown = ([c for c in jurisdiction_codes if c not in known_jurisdictions]
               + [c for c in street_codes if c not in known_streets]
               + [c for c in community_codes if c not in known_communities])
    if unknown:
        raise ValueError(f"辖区、街道或社区代码不存在：{', '.join(unknown)} / unknown jurisdiction, street or community code: "
                         f"{', '.join(unknown)}")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    record = ApiToken.create(
        name=name,
        role=role.value,
        token_hash=hash_token(token),
        prefix=token[:10],
        jurisdictions=json.dumps(sorted(jurisdiction_codes)),
        streets=json.dumps(sorted(street_codes)),
        communities=json.dumps(sorted(community_codes)),
        expires_at=utcnow() + expires_in if expires_in else None,
        worker=worker.id if worker is not None else None,
    )
    return NewToken(token, record)


def revoke_token(token_id: int) -> bool:
    """Revoke an active token; False when there is none with that id."""
    return bool(ApiToken.update(revoked_at=utcnow())
                .where((ApiToken.id == token_id) & ApiToken.revoked_at.is_null()).execute())


def parse_duration(text: str) -> dt.timedelta:
    """``90d``, ``12h``, ``30m`` → a timedelta."""
    text = text.strip().lower()
    units = {"d": "days", "h": "hours", "m": "minutes"}
    if len(text) < 2 or text[-1] not in units or not text[:-1].isdigit() or len(text) > 8:
        raise ValueError(f"{text!r} 不是有效期，应如 90d、12h、30m / {text!r} is not a duration such as 90d, 12h or 30m")
    return dt.timedelta(**{units[text[-1]]: int(text[:-1])})
