"""The per-request context: who is asking, and the request's data loaders."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request

from api.access.principal import Principal
from api.errors import Unauthenticated


@dataclass
class Context:
    request: Request | None
    response: Any
    #: None when the request carried no valid token (and dev mode is off).
    principal_or_none: Principal | None
    #: Why there is no principal (for the UNAUTHENTICATED message).
    auth_problem: str | None = None
    loaders: Any = field(default=None)
    #: The response is written by orjson, so pre-rendered JSON can be placed in
    #: the result as ``orjson.Fragment`` (see :mod:`.sqlrender`).
    json_fragments: bool = False

    @property
    def principal(self) -> Principal:
        if self.principal_or_none is None:
            raise Unauthenticated(self.auth_problem or "send Authorization: Bearer <token>")
        return self.principal_or_none
