"""Types of the payslip link mutations."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated

import strawberry

from api.graphql.core.types import UserError

if TYPE_CHECKING:
    from api.graphql.records.types import Worker

RECORD_TYPES = "api.graphql.records.types"


@strawberry.type(description="一次性电子工资条链接（只显示这一次）/ A one-time payslip link, shown only this once: print it "
                             "or send it to the worker. Opening it on a phone signs the phone in to the worker's own "
                             "payslips; it works once.")
class PayslipLink:
    url: str = strawberry.field(description="完整链接（含一次性代码）/ The link with its one-time code: the service's "
                                            "address (PAYROLL_PUBLIC_URL, else this request's) and `path`.")
    path: str = strawberry.field(description="服务内路径 `/payslips/#code=…` / The path on the service, `/payslips/#code=…`.")
    expires_at: dt.datetime = strawberry.field(description="未使用时的失效时间（UTC）/ When the link expires if unused (UTC).")
    worker: Annotated[Worker, strawberry.lazy(RECORD_TYPES)] = strawberry.field(description="工作者 / The worker.")


@strawberry.type(description="发放链接结果 / Result of creating a payslip link.")
class PayslipLinkPayload:
    link: PayslipLink | None = strawberry.field(description="新链接；有错误时为空 / The new link; null when there are "
                                                            "errors.")
    errors: list[UserError] = strawberry.field(description="输入错误；为空即成功 / Mistakes in the input; empty on "
                                                           "success, otherwise nothing was written.")


@strawberry.type(description="撤销结果 / Result of revoking a worker's payslip access.")
class RevokePayslipAccessPayload:
    links_revoked: int = strawberry.field(description="撤销的未使用链接数 / Unused links revoked.")
    tokens_revoked: int = strawberry.field(description="撤销的手机令牌数 / Worker tokens (phones) revoked.")
    errors: list[UserError] = strawberry.field(description="输入错误；为空即成功 / Mistakes in the input; empty on "
                                                           "success, otherwise nothing was written.")

    @classmethod
    def nothing(cls, errors: list[UserError]) -> RevokePayslipAccessPayload:
        return cls(links_revoked=0, tokens_revoked=0, errors=errors)
