"""How the services find what they are asked to change: through the caller's
scope (:mod:`api.access.scopes`), so a record outside it is NOT_FOUND exactly
like one that does not exist, and the message never tells the two apart."""

from __future__ import annotations

from typing import Any

import peewee as pw

from api.access import scopes
from api.access.principal import Principal
from api.db.models import Community, Jurisdiction, PayrollRun, Position, Street, Worker
from api.errors import ErrorCode, UserErrors
from api.settings import MAX_ID

#: What a record is called in messages (中文 / English).
RECORD_NAMES = {Jurisdiction: ("辖区", "jurisdiction"), Street: ("街道", "street"), Community: ("社区", "community"), Worker: ("工作者", "worker"),
                Position: ("岗位", "position"), PayrollRun: ("发放批次", "payroll run")}


def not_found(field: str, model: type[pw.Model], key: Any) -> UserErrors:
    """NOT_FOUND — the same for a record that does not exist and one outside the caller's scope."""
    zh, en = RECORD_NAMES[model]
    return UserErrors.one(field, ErrorCode.NOT_FOUND, f"{field}：{zh} {key} 不存在 / {field}: {en} {key} does not exist")


def visible(model: type[pw.Model], pk: Any, principal: Principal, field: str,
            condition: scopes.Condition | None = None) -> pw.Model:
    """The record ``pk`` of ``model`` if the principal may change it (by the
    scope of its kind, or by ``condition``), else NOT_FOUND."""
    if not isinstance(pk, int) or not 0 < pk <= MAX_ID:
        raise not_found(field, model, pk)
    query = model.select().where(model.id == pk)
    scope = condition if condition is not None else scopes.BY_MODEL[model](principal)
    record = (query.where(scope) if scope is not None else query).first()
    if record is None:
        raise not_found(field, model, pk)
    return record


def jurisdiction_to_change(principal: Principal, pk: int | None, field: str = "jurisdictionId") -> Jurisdiction:
    """The jurisdiction a write names, held whole by the principal (NOT_FOUND
    otherwise); when none is named, the only jurisdiction there is — a
    one-city installation needs no extra step — else REQUIRED."""
    if pk is not None:
        return visible(Jurisdiction, pk, principal, field, scopes.whole_jurisdictions(principal))
    condition = scopes.whole_jurisdictions(principal)
    query = Jurisdiction.select()
    candidates = list((query.where(condition) if condition is not None else query).order_by(Jurisdiction.id).limit(2))
    if len(candidates) == 1:
        return candidates[0]
    raise UserErrors.one(field, ErrorCode.REQUIRED, f"{field}：有多个辖区，请指定辖区 / {field}: there are several "
                                                    "jurisdictions; name one")
