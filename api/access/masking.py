"""Personal data, and what is derived from it, for principals who may not see it.

An identity number (身份证号) is the region code, the birth date, a sequence
number whose last digit gives the sex, and a check character computed from
all the others.  Showing any of those parts beside the masked number lets a
reader rebuild it: the first and last four digits plus the birth date left
only two region digits to guess, and the check character narrowed those to
one — every masked number of the demo could be rebuilt.  So a principal
without :attr:`Permission.SEE_PERSONAL_DATA` gets

- the identity number with only its first four digits (province and city,
  the same for every worker of a city) — never a birth-date digit, the
  sequence, the sex digit or the check character;
- no birth date, sex or age (all read from the number);
- the phone number with its middle four digits hidden (``138****5678``);
- the bank account with only its last four digits (``************5678``);
- no search by identity number (a search that answers "found" for a guessed
  number would confirm it) — :mod:`api.reads.records` leaves it out.

Names and bank names are not masked: they are how HR and finance staff
recognise a payslip.  A WORKER token (a worker's own payslips on a phone)
sees its own record masked too: the token lives in a phone's browser that
others may pick up, and the payslip page needs none of these values.
docs/security.md lists the same rules.
"""

from __future__ import annotations

from typing import Any

from api.access.permissions import Permission, allowed
from api.access.principal import Principal

#: Worker fields that are personal data or derived from it, and how each is shown masked.
ID_NUMBER_VISIBLE_DIGITS = 4
PHONE_VISIBLE = (3, 4)
BANK_ACCOUNT_VISIBLE_END = 4
#: Fields read from the identity number, hidden with it.
DERIVED_FROM_ID_NUMBER = ("birth_date", "sex")


def sees_personal_data(principal: Principal) -> bool:
    return allowed(principal, Permission.SEE_PERSONAL_DATA)


def _stars(text: str, keep_start: int, keep_end: int) -> str:
    if len(text) <= keep_start + keep_end:
        return "*" * len(text)
    return text[:keep_start] + "*" * (len(text) - keep_start - keep_end) + text[len(text) - keep_end:]


def mask_id_number(number: str | None) -> str | None:
    return None if number is None else _stars(number, ID_NUMBER_VISIBLE_DIGITS, 0)


def mask_phone(phone: str | None) -> str | None:
    return None if phone is None else _stars(phone, *PHONE_VISIBLE)


def mask_bank_account(account: str | None) -> str | None:
    return None if account is None else _stars(account, 0, BANK_ACCOUNT_VISIBLE_END)


def present_worker(values: dict[str, Any], principal: Principal) -> dict[str, Any]:
    """A worker's values as ``principal`` may see them (``values`` by field
    name; a masked copy when needed, the same dict otherwise)."""
    if sees_personal_data(principal):
        return values
    shown = dict(values)
    shown["id_number"] = mask_id_number(values.get("id_number"))
    shown["phone"] = mask_phone(values.get("phone"))
    shown["bank_account"] = mask_bank_account(values.get("bank_account"))
    for name in DERIVED_FROM_ID_NUMBER:
        shown[name] = None
    return shown
