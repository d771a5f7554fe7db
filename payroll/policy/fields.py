"""Reading one field of a policy document (an amount, a rate, a whole number, a
text, a date, a mapping), collecting every problem with its path."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Iterable, Mapping

from ..money import RATE_SCALE, MoneyFormatError, format_fen, format_rate, parse_fen, parse_rate
from ..periods import PeriodFormatError, parse_date
from ..texts import Text

POST_KEY_RE = re.compile(r"^[A-Z][A-Z0-9_]{0,31}$")
#: Caps on figures, far above any real policy, so that no product the engine
#: forms (fen × scaled rate × 2, accrued over a year) can overflow int64.
MAX_INT = 1_000_000
MAX_POLICY_FEN = 1_000_000_000  # 10 million yuan
MAX_COEFFICIENT = 20 * RATE_SCALE

_KINDS_ZH = {"str": "文字", "int": "整数", "float": "小数"}


def join_path(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def describe(value: Any) -> Text:
    """What a value of the wrong kind is, for a message: ``文字 'x'`` / ``str 'x'``."""
    if value is None:
        return Text("空值", "nothing")
    if isinstance(value, bool):
        return Text(f"布尔值 {str(value).lower()}", f"the boolean {str(value).lower()}")
    if isinstance(value, (list, tuple)):
        return Text("列表", "a list")
    if isinstance(value, Mapping):
        return Text("映射", "a mapping")
    text = repr(value)
    if len(text) > 40:
        text = text[:37] + "..."
    kind = type(value).__name__
    return Text(f"{_KINDS_ZH.get(kind, kind)} {text}", f"{kind} {text}")


class FieldReader:
    """Reads the document node by node, collecting problems with their paths."""

    def __init__(self) -> None:
        self.problems: list[Text] = []

    def problem(self, path: str, zh: str, en: str) -> None:
        """A problem at ``path``: ``path：中文 / path: English``."""
        self.problems.append(Text(zh, en).about(path))

    def wrong_kind(self, path: str, zh: str, en: str, node: Any) -> None:
        """``path`` holds a value of the wrong kind: ``须为{zh}，而不是…`` / ``must be {en}, not …``."""
        found = describe(node)
        self.problem(path, f"须为{zh}，而不是{found.zh}", f"must be {en}, not {found.en}")

    # -- primitives --

    def mapping(self, node: Any, path: str, required: Iterable[str], optional: Iterable[str] = ()) -> dict | None:
        if not isinstance(node, Mapping):
            self.wrong_kind(path, "键值映射", "a mapping of keys to values", node)
            return None
        required = list(required)
        allowed = set(required) | set(optional)
        for key in required:
            if key not in node:
                self.problem(join_path(path, key), "缺少此项", "is missing")
        for key in node:
            if key not in allowed:
                self.problem(join_path(path, str(key)), f"不是可用的键（可用：{'、'.join(sorted(allowed))}）",
                             f"is not a known key (expected one of: {', '.join(sorted(allowed))})")
        return dict(node)

    def money(self, node: Any, path: str, minimum: int = 0, maximum: int = MAX_POLICY_FEN) -> int | None:
        """An amount of yuan in fen."""
        try:
            value = parse_fen(node)
        except MoneyFormatError as exc:
            self.problem(path, "须为最多两位小数的元金额，如 \"600.00\"", exc.text.en)
            return None
        for wrong, zh, en, bound in (
            (value < minimum, "不能小于", "must not be below", minimum),
            (value > maximum, "不能大于", "must not be above", maximum),
        ):
            if wrong:
                self.problem(path, f"金额 {format_fen(value)} {zh} {format_fen(bound)}",
                             f"{format_fen(value)} {en} {format_fen(bound)}")
                return None
        return value

    def rate(self, node: Any, path: str, minimum: int = 0, maximum: int | None = None) -> int | None:
        try:
            value = parse_rate(node)
        except MoneyFormatError as exc:
            self.problem(path, exc.text.zh, exc.text.en)
            return None
        if value < minimum:
            self.problem(path, f"{format_rate(value)} 不能小于 {format_rate(minimum)}",
                         f"{format_rate(value)} must not be below {format_rate(minimum)}")
            return None
        if maximum is not None and value > maximum:
            self.problem(path, f"{format_rate(value)} 不能大于 {format_rate(maximum)}",
                         f"{format_rate(value)} must not be above {format_rate(maximum)}")
            return None
        return value

    def integer(self, node: Any, path: str, minimum: int = 0, maximum: int = MAX_INT) -> int | None:
        if isinstance(node, bool) or not isinstance(node, int):
            if isinstance(node, str) and node.strip().lstrip("-").isdigit():
                node = int(node.strip())
            else:
                self.wrong_kind(path, "整数", "a whole number", node)
                return None
        if node < minimum:
            self.problem(path, f"{node} 不能小于 {minimum}", f"{node} must not be below {minimum}")
            return None
        if node > maximum:
            self.problem(path, f"{node} 不能大于 {maximum}", f"{node} must not be above {maximum}")
            return None
        return node

    def text(self, node: Any, path: str) -> str | None:
        if not isinstance(node, str) or not node.strip():
            self.wrong_kind(path, "非空文字", "a non-empty text", node)
            return None
        return node

    def choice(self, node: Any, path: str, choices: Iterable[str]) -> str | None:
        choices = tuple(choices)
        if node not in choices:
            self.problem(path, f"{node!r} 不是 {'、'.join(choices)} 之一", f"{node!r} is not one of {', '.join(choices)}")
            return None
        return node

    def code_map(self, node: Any, path: str, code_list: Iterable[str], read) -> dict[str, int] | None:
        if node is None:
            return {}
        if not isinstance(node, Mapping):
            self.wrong_kind(path, "代码到数值的映射", "a mapping from codes to values", node)
            return None
        code_list = tuple(code_list)
        out: dict[str, int] = {}
        ok = True
        for key, value in node.items():
            if key not in code_list:
                self.problem(join_path(path, str(key)), f"不是可用的代码（可用：{'、'.join(code_list)}）",
                             f"is not a known code (expected one of: {', '.join(code_list)})")
                ok = False
                continue
            parsed = read(value, join_path(path, key))
            if parsed is None:
                ok = False
            else:
                out[key] = parsed
        return out if ok else None

    def date(self, node: Any, path: str) -> dt.date | None:
        try:
            return parse_date(node)
        except PeriodFormatError as exc:
            self.problem(path, exc.text.zh, exc.text.en)
            return None
