"""Money as integer fen, rates as scaled integers, and exact half-up rounding.

Spec §0: money is integer fen (分) inside the system and yuan with exactly two
decimals outside it; ``R(x)`` rounds half up (away from zero on a tie, the
``decimal.ROUND_HALF_UP`` rule) and every product of money and a rate is exact
before it is rounded.  Binary floating point never touches an amount here.

Rates and coefficients have at most six decimal places, so a rate ``r`` is held
as the integer ``k = r × 10^6`` (:data:`RATE_SCALE`) and ``R(a × r)`` is the
integer quotient ``a × k / 10^6`` rounded half up.  The helpers work on Python
ints and, with the same names prefixed ``np_``, on int64 numpy arrays.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

import numpy as np

from .texts import BilingualError

RATE_SCALE = 1_000_000
RATE_DECIMALS = 6

#: The largest amount accepted anywhere (100 million yuan, in fen).  Keeps every
#: product ``fen × scaled rate × 2`` far inside int64.
MAX_FEN = 10_000_000_000

_MONEY_RE = re.compile(r"^([+-]?)(\d{1,12})(?:\.(\d{1,2}))?$")
_RATE_RE = re.compile(r"^([+-]?)(\d{1,9})(?:\.(\d{1,6}))?$")


class MoneyFormatError(BilingualError, ValueError):
    """A text that is not an amount of yuan with at most two decimals, or not
    an accepted rate."""


class RateRangeError(MoneyFormatError):
    """A rate outside the range accepted where it was typed in."""


def parse_fen(text: str | int | float | Decimal) -> int:
    """Parse yuan (``"3520.48"``, ``"36000"``, ``-1.5``) into integer fen; see :func:`_parse_fen`."""
    if type(text) is str:  # the common case, cached: files repeat the same amounts
        return _parse_fen_text(text)
    return _parse_fen(text)


@lru_cache(maxsize=16384)
def _parse_fen_text(text: str) -> int:
    return _parse_fen(text)


def _parse_fen(text: str | int | float | Decimal) -> int:
    """Parse yuan (``"3520.48"``, ``"36000"``, ``-1.5``) into integer fen.

    Accepts at most two decimals; anything else (``"1.234"``, ``"12,00"``,
    ``"abc"``, ``nan``) raises :class:`MoneyFormatError` with a message that
    says what was wrong.  A float is accepted only when its shortest decimal
    form has at most two decimals, so ``120000.0`` from an unquoted YAML value
    is read exactly and ``0.1 + 0.2`` is refused.
    """
    if isinstance(text, bool):
        raise MoneyFormatError(f"{text!r} 不是元金额", f"{text!r} is not an amount of yuan")
    if isinstance(text, int):
        fen = text * 100
    else:
        if isinstance(text, (float, Decimal)):
            text = repr(text) if isinstance(text, float) else str(text)
            if text.endswith(".0"):
                text = text[:-2]
        if not isinstance(text, str):
            raise MoneyFormatError(f"{text!r} 不是元金额", f"{text!r} is not an amount of yuan")
        match = _MONEY_RE.match(text.strip())
        if not match:
            raise MoneyFormatError(
                f"“{text}”不是最多两位小数的元金额（如 3520.48）",
                f"{text!r} is not an amount of yuan with at most two decimals (e.g. 3520.48)",
            )
        fen = _scaled(match, 2)
    if abs(fen) > MAX_FEN:
        raise MoneyFormatError(f"“{text}”超过允许的最大金额 {format_fen(MAX_FEN)}",
                               f"{text!r} is larger than the largest amount accepted ({format_fen(MAX_FEN)})")
    return fen


def _scaled(match: re.Match[str], decimals: int) -> int:
    """A matched ``(sign, whole, fraction)`` as an integer scaled by ``10^decimals``
    (the fraction has at most ``decimals`` digits)."""
    sign, whole, frac = match.groups()
    value = int(whole) * 10**decimals + int((frac or "").ljust(decimals, "0"))
    return -value if sign == "-" else value


def parse_rate(text: str | int | float | Decimal) -> int:
    """Parse a rate or coefficient (``"0.08"``, ``1.65``) into ``rate × 10^6``.

    At most six decimal places (spec §0); more is an error rather than a silent
    rounding, because a policy figure must mean exactly what it says.
    """
    if isinstance(text, bool):
        raise MoneyFormatError(f"{text!r} 不是小数", f"{text!r} is not a decimal number")
    if isinstance(text, int):
        value = text * RATE_SCALE
    else:
        if isinstance(text, float):
            text = repr(text)
            if "e" in text or "E" in text:
                text = format(Decimal(text), "f")
        elif isinstance(text, Decimal):
            text = format(text, "f")
        if not isinstance(text, str):
            raise MoneyFormatError(f"{text!r} 不是小数", f"{text!r} is not a decimal number")
        match = _RATE_RE.match(text.strip())
        if not match:
            raise MoneyFormatError(
                f"“{text}”不是最多 {RATE_DECIMALS} 位小数的数",
                f"{text!r} is not a decimal number with at most {RATE_DECIMALS} decimal places",
            )
        value = _scaled(match, RATE_DECIMALS)
    if abs(value) > 1_000_000 * RATE_SCALE:
        raise MoneyFormatError(f"“{text}”作为比率或系数过大", f"{text!r} is too large for a rate or coefficient")
    return value


def parse_bounded_rate(text: str | int | float | Decimal, minimum: int, maximum: int) -> int:
    """A rate a person typed in (``"0.05"``), scaled by 10^6, from ``minimum``
    to ``maximum`` (scaled, inclusive).

    Outside the range it is refused with :class:`RateRangeError`; a value that
    looks like a percentage — ``5`` for 5 %, which would otherwise mean 500 % —
    and is in the range once divided by 100 gets the hint "did you mean 5 %
    (0.05)?".
    """
    value = parse_rate(text)
    if minimum <= value <= maximum:
        return value
    low, high = format_rate(minimum), format_rate(maximum)
    zh = f"{format_rate(value)} 超出允许范围 {percent_text(minimum)} 至 {percent_text(maximum)}（{low} 至 {high}）"
    en = (f"{format_rate(value)} is outside the accepted range {percent_text(minimum)} to {percent_text(maximum)} "
          f"({low} to {high})")
    if abs(value) <= RATE_SCALE:
        raise RateRangeError(zh, en)
    zh += "，比率须写成小数，如 0.05 表示 5 %"
    en += "; give the rate as a decimal, e.g. 0.05 for 5 %"
    as_percent = Decimal(value).scaleb(-RATE_DECIMALS - 2)
    if minimum <= as_percent.scaleb(RATE_DECIMALS) <= maximum:
        meant = format(as_percent.normalize(), "f")
        zh += f"；是否指 {format_rate(value)} %（{meant}）？"
        en += f"; did you mean {format_rate(value)} % ({meant})?"
    raise RateRangeError(zh, en)


def percent_text(scaled: int) -> str:
    """A scaled rate as a percentage: ``-500000 → "-50 %"``."""
    return f"{format(Decimal(int(scaled)).scaleb(-RATE_DECIMALS + 2).normalize(), 'f')} %"


def format_fen(fen: int) -> str:
    """Integer fen as yuan with exactly two decimals: ``352048 → "3520.48"``."""
    fen = int(fen)
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return f"{sign}{fen // 100}.{fen % 100:02d}"


def format_rate(scaled: int) -> str:
    """A scaled rate in its shortest decimal form: ``1650000 → "1.65"``."""
    value = Decimal(int(scaled)).scaleb(-RATE_DECIMALS).normalize()
    text = format(value, "f")
    return text


def fen_to_decimal(fen: int) -> Decimal:
    return Decimal(int(fen)).scaleb(-2)


def decimal_to_fen(value: Decimal) -> int:
    """``R(value)`` for a Decimal amount in yuan, as integer fen."""
    return int(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP).scaleb(2))


def div_half_up(numerator: int, denominator: int) -> int:
    """``numerator / denominator`` rounded half up (away from zero on a tie)."""
    if denominator <= 0:
        raise ValueError("denominator must be positive")
    if numerator >= 0:
        return (2 * numerator + denominator) // (2 * denominator)
    return -((-2 * numerator + denominator) // (2 * denominator))


def mul_rate(fen: int, scaled_rate: int) -> int:
    """``R(fen × rate)`` with the rate given as ``rate × 10^6``."""
    return div_half_up(fen * scaled_rate, RATE_SCALE)


def prorate(fen: int, days: int, days_in_month: int) -> int:
    """``R(amount × days / D)`` (spec §5)."""
    return div_half_up(fen * days, days_in_month)


# --- numpy ---------------------------------------------------------------------------
# All arrays are int64.  The non-negative variants skip the sign handling on the
# hot path where the operands cannot be negative (amounts of pay, rates ≥ 0).


def np_div_half_up_nonneg(numerator: np.ndarray, denominator: int | np.ndarray) -> np.ndarray:
    """Half-up quotient of non-negative numerators by positive denominators."""
    return (2 * numerator + denominator) // (2 * denominator)


def np_div_half_up(numerator: np.ndarray, denominator: int | np.ndarray) -> np.ndarray:
    """Half-up quotient (away from zero on a tie) for numerators of any sign."""
    magnitude = (2 * np.abs(numerator) + denominator) // (2 * denominator)
    return np.where(numerator < 0, -magnitude, magnitude)


def np_mul_rate_nonneg(fen: np.ndarray, scaled_rate: int | np.ndarray) -> np.ndarray:
    """``R(fen × rate)`` for non-negative amounts and rates."""
    return (2 * fen * scaled_rate + RATE_SCALE) // (2 * RATE_SCALE)


def np_mul_rate_rounded(base: np.ndarray, scaled_rate: int, mode: str) -> np.ndarray:
    """A contribution ``base × rate`` rounded straight from the exact product by
    ``mode`` (salary-model §8.4): ``FEN`` half up to the fen, ``YUAN`` half up
    to the whole yuan, ``YUAN_UP`` up to the next whole yuan when any fraction
    remains.  Non-negative bases and rates."""
    yuan_scale = 100 * RATE_SCALE
    if mode == "FEN":
        return (base * (2 * scaled_rate) + RATE_SCALE) // (2 * RATE_SCALE)
    if mode == "YUAN":
        return (base * (2 * scaled_rate) + yuan_scale) // (2 * yuan_scale) * 100
    if mode == "YUAN_UP":
        return (base * scaled_rate + (yuan_scale - 1)) // yuan_scale * 100
    raise ValueError(f"unknown rounding mode {mode!r}")


def np_prorate(fen: np.ndarray, days: np.ndarray, days_in_month: int) -> np.ndarray:
    """``R(amount × days / D)`` for non-negative amounts and 0 ≤ days ≤ D."""
    return (2 * fen * days + days_in_month) // (2 * days_in_month)


def exact_text(value: Decimal, places: int = 6) -> str:
    """An exact quotient for an explanation: ``5532.175`` or ``1453.615483…``."""
    quantized = value.quantize(Decimal(1).scaleb(-places), rounding="ROUND_DOWN")
    text = format(quantized.normalize(), "f") if quantized != 0 else "0"
    if quantized != value:
        text += "…"
    return text


def decimal_from_text(text: str) -> Decimal:
    try:
        return Decimal(text)
    except InvalidOperation as exc:  # pragma: no cover - callers validate first
        raise MoneyFormatError(f"“{text}”不是小数", f"{text!r} is not a decimal number") from exc
