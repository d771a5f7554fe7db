"""Types shared by every domain: user errors, page info, ordering."""

from __future__ import annotations

import enum
from typing import Annotated, Any, TypeVar

import strawberry

from api.errors import ErrorCode as _ErrorCode
from api.errors import UserError as _UserError

T = TypeVar("T")

ErrorCode = strawberry.enum(
    _ErrorCode,
    name="ErrorCode",
    description="错误代码 / What kind of mistake a user error reports.",
)

#: The values' descriptions: the enum itself lives in api/core/errors.py (plain
#: Python, used by the services), so they are attached to its GraphQL definition.
_ERROR_CODE_DESCRIPTIONS = {
    "INVALID": "无效的值（格式、范围或代码不对）/ Invalid value: wrong format, out of range or an unknown code.",
    "REQUIRED": "必填项未填 / A required value is missing.",
    "NOT_FOUND": "引用的记录不存在 / The record referred to does not exist.",
    "DUPLICATE": "重复（代码、身份证号或同月批次已存在）/ Already exists: a code, identity number or a run for the month.",
    "CONFLICT": "版本冲突：他人已修改，请重新读取 / Changed by someone else since you read it (stale version); reload.",
    "INVALID_STATE": "当前状态不允许（如批次非草稿、上月未发放）/ Not possible in the current state, e.g. approving a run "
                     "that is not DRAFT, or a month whose previous month has not been run.",
    "FORBIDDEN": "无权限（角色或范围不允许）/ Not allowed for this token's role or scope.",
}
for _value in ErrorCode.__strawberry_definition__.values:
    _value.description = _ERROR_CODE_DESCRIPTIONS[_value.name]


@strawberry.type(description="用户错误：字段、代码与说明 / A mistake in the input: which field, what kind, and a message "
                             "that names the record and field. Nothing was written.")
class UserError:
    field: str | None = strawberry.field(description="出错的输入字段 / The input field at fault (camelCase), or null for the "
                                                     "whole input.")
    code: ErrorCode = strawberry.field(description="错误代码 / The kind of mistake.")
    message: str = strawberry.field(description="说明 / What is wrong and how to put it right.")

    @classmethod
    def of(cls, error: _UserError) -> UserError:
        return cls(field=error.field, code=error.code, message=error.message)


@strawberry.enum(description="排序方向 / Sort direction.")
class OrderDirection(enum.Enum):
    ASC = strawberry.enum_value("ASC", description="升序（从小到大、从早到晚）/ Ascending: smallest or earliest first")
    DESC = strawberry.enum_value("DESC", description="降序（从大到小、从晚到早）/ Descending: largest or latest first")


@strawberry.type(description="分页信息 / Where this page is in the list.")
class PageInfo:
    has_next_page: bool = strawberry.field(description="后面还有 / More items after this page.")
    has_previous_page: bool = strawberry.field(description="前面还有 / Items before this page.")
    start_cursor: str | None = strawberry.field(description="本页第一项的游标 / Cursor of the first item.")
    end_cursor: str | None = strawberry.field(description="本页最后一项的游标 / Cursor of the last item; pass it as "
                                                          "`after` for the next page.")


def build(cls: type[T], values: dict[str, Any]) -> T:
    """An instance of the strawberry type ``cls`` holding ``values`` (every
    field without a plain default must be present), without running the
    dataclass ``__init__``: a page builds hundreds of these, and keyword
    passing of some thirty fields was the largest cost of building them."""
    instance = object.__new__(cls)
    instance.__dict__.update(values)
    return instance


def ordering(order_by: Any) -> list[tuple[str, bool]]:
    """An ``orderBy`` list as the read layer takes it: (field, descending)."""
    return [(item.field.value, item.direction is OrderDirection.DESC) for item in order_by or ()]


#: The arguments many fields share, described once.
Where = Annotated[T | None, strawberry.argument(description="筛选条件 / Filters; all given conditions must hold.")]
OrderBy = Annotated[list[T] | None, strawberry.argument(
    description="排序（可多个字段，最后按编号）/ Sort order: one or more fields; ties are broken by id.")]
Input = Annotated[T, strawberry.argument(description="输入 / The mutation's input.")]
Id = Annotated[strawberry.ID, strawberry.argument(description="编号（全局 id，如 Worker:12）/ Global id, e.g. `Worker:12`.")]
OptionalId = Annotated[strawberry.ID | None, strawberry.argument(
    description="编号（全局 id，如 Worker:12）/ Global id, e.g. `Worker:12`.")]
Code = Annotated[str | None, strawberry.argument(description="代码 / The record's code.")]


@strawberry.input(description="范围：不填为全市（或令牌范围）/ A scope: a street or a community; neither means the city "
                              "(for HR tokens: everything in their scope).")
class ScopeInput:
    jurisdiction_id: strawberry.ID | None = strawberry.field(
        default=None, description="辖区（含其下级）/ A jurisdiction with those below it, e.g. `Jurisdiction:2`.")
    street_id: strawberry.ID | None = strawberry.field(default=None, description="街道 / A street, e.g. `Street:1`.")
    community_id: strawberry.ID | None = strawberry.field(default=None, description="社区（三者只给一个）/ A community; "
                                                                                    "give one of the three.")
