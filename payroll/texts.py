"""Texts that people read: Chinese first, then English.

Every message HR staff may read — errors of the engine, the service and the
command line, import reports, explanations — has one shape, defined here:
``中文说明 / English text``, and ``field：中文 / field: English`` where a field
(or a path in a document) is named.  Codes, identifiers and field names stay
English in both halves.

:class:`Text` keeps the two halves apart until a message is put together, so
that a message made of parts (a file and line, then each field's problem)
still reads all Chinese first and then all English.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

#: What separates the Chinese half of a message from the English one.
SEPARATOR = " / "


def bilingual(zh: str, en: str) -> str:
    """``中文 / English``."""
    return f"{zh}{SEPARATOR}{en}"


@dataclass(frozen=True)
class Text:
    """A message in Chinese and in English."""

    zh: str
    en: str

    def __str__(self) -> str:
        return bilingual(self.zh, self.en)

    def about(self, name: str | None) -> Text:
        """The message about a field or place: ``name：中文 / name: English``."""
        if not name:
            return self
        return Text(f"{name}：{self.zh}", f"{name}: {self.en}")

    def then(self, other: Text, zh_joint: str = "；", en_joint: str = "; ") -> Text:
        """This message followed by ``other``."""
        return Text(f"{self.zh}{zh_joint}{other.zh}", f"{self.en}{en_joint}{other.en}")


#: Where a message put together as one string turns to English: `` / ``, or
#: ``/ `` right after a closing full-width bracket or quote (``（上限）/ the …``).
_TURN = re.compile(r" / |(?<=[）」”』】])/ ")


def split_message(message: str) -> Text:
    """A ``中文 / English`` string as its two halves (a message without an
    English half is used for both)."""
    parts = _TURN.split(message, maxsplit=1)
    return Text(parts[0], parts[1]) if len(parts) == 2 else Text(message, message)


def join(texts: Iterable[Text], zh_joint: str = "；", en_joint: str = "; ") -> Text:
    """Several messages as one: the Chinese halves, then the English ones."""
    texts = list(texts)
    return Text(zh_joint.join(t.zh for t in texts), en_joint.join(t.en for t in texts))


def field_text(name: str | None, zh: str, en: str) -> str:
    """``name：中文 / name: English`` (just ``中文 / English`` without a name)."""
    return str(Text(zh, en).about(name))


class BilingualError(Exception):
    """An error whose message people read, kept in both languages
    (``text``); ``str()`` gives ``中文 / English``."""

    def __init__(self, zh: str, en: str):
        self.text = Text(zh, en)
        super().__init__(str(self.text))
