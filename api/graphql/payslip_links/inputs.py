"""Inputs of the payslip link mutations."""

from __future__ import annotations

import strawberry

from api.settings import DEFAULT_LINK_DAYS, MAX_LINK_DAYS


@strawberry.input(description="发放电子工资条链接 / A one-time payslip link for a worker.")
class CreatePayslipLinkInput:
    worker_id: strawberry.ID = strawberry.field(description="工作者编号（须在令牌范围内）/ The worker (inside the token's "
                                                            "scope).")
    expires_in_days: int = strawberry.field(
        default=DEFAULT_LINK_DAYS,
        description=f"链接有效天数（1–{MAX_LINK_DAYS}，默认 {DEFAULT_LINK_DAYS}）/ Days until the link expires if unused "
                    f"(1–{MAX_LINK_DAYS}, default {DEFAULT_LINK_DAYS}).")


@strawberry.input(description="撤销电子工资条 / Revoke a worker's payslip links and tokens.")
class RevokePayslipAccessInput:
    worker_id: strawberry.ID = strawberry.field(description="工作者编号（须在令牌范围内）/ The worker (inside the token's "
                                                            "scope).")
