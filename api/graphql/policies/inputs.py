"""Inputs of the policy mutations."""

from __future__ import annotations

import strawberry


@strawberry.input(description="导入政策文件或发布新版本 / Import a policy document, or publish new versions of a stored "
                              "one (published versions never change).")
class ImportPolicyInput:
    document: str = strawberry.field(description="政策文件（YAML 或 JSON）/ The whole document, YAML or JSON.")
    activate: bool = strawberry.field(default=False, description="导入后设为辖区的当前政策 / Make it the jurisdiction's "
                                                               "active policy.")
    jurisdiction_id: strawberry.ID | None = strawberry.field(
        default=None, description="发布政策的辖区；只有一个辖区时可不填 / The jurisdiction publishing it; may be left out "
                                  "when there is only one.")


@strawberry.input(description="设为辖区的当前政策 / Make a policy the one its jurisdiction is paid under.")
class ActivatePolicyInput:
    id: strawberry.ID = strawberry.field(description="要启用的政策 / Global id of the policy, e.g. `Policy:1`.")
