"""GraphQL's own messages, Chinese first.

graphql-core and strawberry write their parse, validation and variable errors
in English (``Cannot query field 'nosuch' on type 'Query'.``).  HR staff type
queries in GraphiQL and read these, so each is given a Chinese sentence in
front — the English stays as the library wrote it, after the separator:
``类型 Query 没有字段 nosuch / Cannot query field 'nosuch' on type 'Query'.``

The common messages have a sentence of their own, naming the field, argument
or value; an enum value that is not one (``education: "本科"``) lists the
enum's values with their Chinese names, so ``本科`` leads to ``BACHELOR``.  Any
other message gets a sentence for its kind (syntax, validation, variables,
limits).  Messages that already have Chinese (ours) are left as they are.
"""

from __future__ import annotations

import re
from typing import Callable

from payroll.texts import SEPARATOR

_CHINESE = re.compile(r"[\u3400-\u9fff]")

#: An enum's values with their Chinese names (``[("BACHELOR", "本科"), …]``); empty if no such enum.
EnumChoices = Callable[[str], "list[tuple[str, str]]"]


def _q(name: str) -> str:
    return name.strip("'\"")


#: (pattern, Chinese): the Chinese is formatted with the pattern's groups and
#: with ``choices`` (the values of the enum named by the group ``enum``).
_MESSAGES: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(pattern, re.DOTALL), zh) for pattern, zh in (
    (r"Syntax Error: (?P<detail>.*)", "查询语句有语法错误（检查括号和引号是否成对）"),
    (r"Cannot query field '(?P<field>\w+)' on type '(?P<type>\w+)'\..*", "类型 {type} 没有字段 {field}"),
    (r"Unknown argument '(?P<argument>\w+)' on field '(?P<field>[\w.]+)'\..*", "字段 {field} 没有参数 {argument}"),
    (r"Field '(?P<field>[\w.]+)' argument '(?P<argument>\w+)' of type '(?P<type>[^']+)' is required, but it was not "
     r"provided\.", "字段 {field} 缺少必填参数 {argument}（{type}）"),
    (r"Field '(?P<field>\w+)' of type '(?P<type>[^']+)' must have a selection of subfields\..*",
     "字段 {field}（{type}）须列出要返回的子字段，如 {field} {{ … }}"),
    (r"Field '(?P<field>\w+)' must not have a selection since type '(?P<type>[^']+)' has no subfields\.",
     "字段 {field}（{type}）没有子字段，不能再列出"),
    (r"Enum '(?P<enum>\w+)' cannot represent non-enum value: (?P<value>.+?)\..*",
     "“{value}”不是 {enum} 的可选值{meant}，请写代码而不加引号：{choices}"),
    (r"Value '(?P<value>[^']*)' does not exist in '(?P<enum>\w+)' enum\..*",
     "“{value}”不是 {enum} 的可选值{meant}，请写代码：{choices}"),
    (r"Expected value of type '(?P<type>[^']+)' to include required field '(?P<field>\w+)'.*",
     "{type} 缺少必填字段 {field}"),
    (r"Expected value of type '(?P<type>[^']+)' not to include unknown field '(?P<field>\w+)'.*",
     "{type} 没有字段 {field}"),
    (r"Expected value of type '(?P<type>[^']+)', but encountered error '(?P<inner>.*)'; found: (?P<value>.*?)\.?",
     "“{value}”不是有效的 {type}{inner_colon}"),
    (r"Expected value of type '(?P<type>[^']+)', found (?P<value>.*?)(?:; (?P<inner>.*))?",
     "“{value}”不是有效的 {type}{inner_colon}"),
    (r"Expected a value of non-null type '(?P<type>[^']+)' to be provided\.", "须提供 {type} 类型的值"),
    (r"Expected value of non-null type '(?P<type>[^']+)' not to be None\.", "须提供 {type} 类型的值，不能为 null"),
    (r"(?P<type>\w+) cannot represent (?:a )?non[- ](?P<kind>\w+) value: (?P<value>.*)", "“{value}”不是 {type} 类型的值"),
    (r"(?P<type>\w+) cannot represent value: (?P<value>.*)", "“{value}”不是 {type} 类型的值"),
    (r"Value cannot represent a (?P<type>\w+): (?P<value>.*?)\..*", "“{value}”不是有效的 {type}"),
    (r"Variable '\$(?P<variable>\w+)' has invalid value(?: at (?P<at>[\w.\[\]]+))?: (?P<inner>.*)",
     "变量 ${variable}{at_path} 的值无效{inner_colon}"),
    (r"Variable '\$(?P<variable>\w+)' of required type '(?P<type>[^']+)' was not provided\.",
     "缺少必填变量 ${variable}（{type}）"),
    (r"Variable '\$(?P<variable>\w+)' of non-null type '(?P<type>[^']+)' must not be null\.",
     "变量 ${variable}（{type}）不能为 null"),
    (r"Variable '\$(?P<variable>\w+)' is never used.*", "定义了变量 ${variable} 但没有用到"),
    (r"Variable '\$(?P<variable>\w+)' is not defined.*", "变量 ${variable} 没有在操作中定义"),
    (r"Variable '\$(?P<variable>\w+)' of type '(?P<type>[^']+)' used in position expecting type '(?P<expected>[^']+)'\.",
     "变量 ${variable} 的类型 {type} 与此处需要的 {expected} 不符"),
    (r"Unknown type '(?P<type>\w+)'.*", "没有类型 {type}"),
    (r"Unknown fragment '(?P<fragment>\w+)'\.", "没有片段 {fragment}"),
    (r"There can be only one (?P<kind>\w+) named '(?P<name>[^']+)'\.", "名称 {name} 重复"),
    (r"'(?P<operation>\w+)' exceeds maximum operation depth of (?P<depth>\d+)\.?",
     "查询嵌套过深：{operation} 超过最大深度 {depth}"),
    (r"(?P<count>\d+) aliases found\. Allowed: (?P<allowed>\d+)\.?", "别名过多：共 {count} 个，至多 {allowed} 个"),
    (r"Document contains more than (?P<tokens>\d+) tokens\..*", "查询过长：超过 {tokens} 个词法单元"),
))

#: The sentence for a message of a kind (``extensions.code``) that has none of its own.
_BY_CODE = {
    "GRAPHQL_PARSE_FAILED": "查询语句有语法错误",
    "GRAPHQL_VALIDATION_FAILED": "查询与接口结构不符（在 GraphiQL 左侧的文档中可查看字段和参数）",
    "LIMIT_EXCEEDED": "查询超出服务的限制",
    "BAD_USER_INPUT": "变量的值不符合其类型",
}
_GENERAL = "请求有误"


#: Quoted values, which may hold Chinese (``"本科"``) without making a message Chinese.
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"|“[^”]*”")
#: An English word of a sentence (GraphQL's messages start with one: ``Enum``, ``Variable`` …).
_WORD = re.compile(r"\b[A-Za-z][a-z]{2,}\b(?![：:.\[_A-Za-z])")


def is_chinese_first(message: str) -> bool:
    """A message of ours: Chinese before any English word (quoted values aside)."""
    found = _CHINESE.search(message)
    if found is None:
        return False
    return _WORD.search(_QUOTED.sub(" ", message[: found.start()])) is None


def _halves(message: str, enum_choices: EnumChoices | None) -> tuple[str, str] | None:
    """The Chinese and English of a message: ours split at the separator,
    graphql-core's by its pattern; None when it has none."""
    if is_chinese_first(message):
        zh, _, en = message.partition(SEPARATOR)
        return zh, en or zh
    for pattern, zh in _MESSAGES:
        match = pattern.fullmatch(message)
        if match is None:
            continue
        groups = {name: _q(value) if value else "" for name, value in match.groupdict().items()}
        english = message
        inner_zh = ""
        if groups.get("inner"):
            inner = _halves(match.group("inner"), enum_choices)
            if inner is not None:
                inner_zh = inner[0]
                english = message.replace(match.group("inner"), inner[1])
        values = enum_choices(groups["enum"]) if enum_choices and groups.get("enum") else []
        choices = "、".join(f"{name}（{label}）" if label else name for name, label in values) or "见 GraphiQL 文档"
        meant = next((f"（“{groups['value']}”即 {name}）" for name, label in values
                      if groups.get("value") and groups["value"] in label.split("/")), "")
        text = zh.format(**{**groups, "inner": inner_zh, "inner_colon": f"：{inner_zh}" if inner_zh else "",
                            "at_path": f" 中 {groups['at']}" if groups.get("at") else "", "choices": choices,
                            "meant": meant})
        return text, english
    return None


def chinese_first(message: str, code: str | None, enum_choices: EnumChoices | None = None) -> str:
    """``message`` with a Chinese sentence in front (unless it has one)."""
    if is_chinese_first(message):
        return message
    halves = _halves(message, enum_choices)
    if halves is None:
        return f"{_BY_CODE.get(code or '', _GENERAL)}{SEPARATOR}{message}"
    return f"{halves[0]}{SEPARATOR}{halves[1]}"
