"""Types shared by every domain: user errors, page info, ordering."""

from __future__ import annotations

import enum

import strawberry

from ...core.errors import ErrorCode as _ErrorCode
from ...core.errors import UserError as _UserError

ErrorCode = strawberry.enum(
    _ErrorCode,
    name="ErrorCode",
    description="错误代码 / What kind of mistake a user error reports.",
)


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
    ASC = "ASC"
    DESC = "DESC"


@strawberry.type(description="分页信息 / Where this page is in the list.")
class PageInfo:
    has_next_page: bool = strawberry.field(description="后面还有 / More items after this page.")
    has_previous_page: bool = strawberry.field(description="前面还有 / Items before this page.")
    start_cursor: str | None = strawberry.field(description="本页第一项的游标 / Cursor of the first item.")
    end_cursor: str | None = strawberry.field(description="本页最后一项的游标 / Cursor of the last item; pass it as "
                                                          "`after` for the next page.")
