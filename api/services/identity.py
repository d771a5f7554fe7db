"""Chinese resident identity numbers (居民身份证号码, GB 11643-1999).

18 characters: a 6-digit region code, the birth date ``YYYYMMDD``, a 3-digit
sequence (odd for men, even for women) and a check character computed from
the first 17 digits (ISO 7064 MOD 11-2; ``X`` stands for 10).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from payroll.texts import BilingualError

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


class IdNumberError(BilingualError, ValueError):
    """An identity number that cannot be right; the message says why."""


@dataclass(frozen=True)
class IdNumber:
    number: str
    birth_date: dt.date
    sex: str  # "M" or "F"


def check_character(first17: str) -> str:
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS)) % 11]


def parse_id_number(text: str) -> IdNumber:
    """Validate an 18-character identity number; the error says what is wrong."""
    number = text.strip().upper()
    if len(number) != 18:
        raise IdNumberError(f"“{text}”有 {len(number)} 位，身份证号应为 18 位",
                            f"{text!r} has {len(number)} characters; an identity number has 18")
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise IdNumberError(f"“{text}”应为 17 位数字加一位数字或 X", f"{text!r} must be 17 digits followed by a digit or X")
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise IdNumberError(f"“{text}”中的出生日期 {number[6:14]} 不是有效日期",
                            f"{text!r} contains the birth date {number[6:14]}, which is not a valid date") from None
    if not dt.date(1900, 1, 1) <= birth <= dt.date.today():
        raise IdNumberError(f"“{text}”中的出生日期 {birth.isoformat()} 超出范围",
                            f"{text!r} contains the birth date {birth.isoformat()}, which is out of range")
    expected = check_character(number[:17])
    if number[17] != expected:
        raise IdNumberError(f"“{text}”校验位不符：最后一位应为 {expected}，而不是 {number[17]}",
                            f"{text!r} fails its checksum: the last character should be {expected}, not {number[17]}")
    return IdNumber(number, birth, "M" if int(number[16]) % 2 else "F")
