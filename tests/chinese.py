"""What "Chinese first" means for a message HR staff read, as the tests check it.

A message has Chinese, and no English word comes before its Chinese:
``community-payroll: 错误 / error: …``, ``post：“X”不是… / post: 'X' is …`` and
``workers.csv 第 3 行（工作者 W1）：…`` pass; ``no policy is active; 没有…``
and ``payroll run 3 does not exist`` do not.  Codes, field names, paths
(``versions[1].posts.CHIEF.max_grade``), file names and values may come first.
"""

from __future__ import annotations

import re

CHINESE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
#: What may come before the Chinese: the program's name, values in quotes or
#: brackets, options and file names.
_VALUES = re.compile(r"community-payroll:|'[^']*'|\"[^\"]*\"|“[^”]*”|\([^)]*\)|--[\w-]+|\S+\.[A-Za-z]{2,4}\b|\S*/\S*")
#: What an f-string inserts (``{}`` as the static check shows it): part of the word it follows.
_INSERTED = re.compile(r"\{[^}]*\}")
#: An English word (three letters or more, not a code in capitals) that is not
#: a field name or a step of a path (those are followed by a colon, dot or bracket).
_ENGLISH_WORD = re.compile(r"\b[A-Za-z][a-z]{2,}\b(?![：:.\[{_A-Za-z])")


def chinese_first(text: str) -> bool:
    """Whether ``text`` has Chinese and no English word before it (other than
    field names, codes, values and file names)."""
    found = CHINESE.search(text)
    if found is None:
        return False
    before = _VALUES.sub(" ", _INSERTED.sub("0", text[: found.start()]))
    return _ENGLISH_WORD.search(before) is None


def assert_chinese_first(text: str, where: str = "") -> None:
    assert chinese_first(text), f"not Chinese first{f' ({where})' if where else ''}: {text!r}"
