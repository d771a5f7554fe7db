"""Inputs of the policy mutations."""

from __future__ import annotations

import strawberry


@strawberry.input(description="导入政策文件或发布新版本 / Import a policy document, or publish new versions of a stored "
                              "one (published versions never change).")
class ImportPolicyInput:
    document: str = strawberry.field(description="政策文件（YAML 或 JSON）/ The whole document, YAML or JSON.")
    activate: bool = strawberry.field(default=False, description="导入后设为当前政策 / Make it the active policy.")


@strawberry.input(description="设为当前政策 / Make a policy the active one.")
class ActivatePolicyInput:
    id: strawberry.ID = strawberry.field(description="要启用的政策 / Global id of the policy, e.g. `Policy:1`.")
