"""Reading the sections of §8–§9 of a version: social insurance, the housing
fund and income tax (with their contribution bases and brackets)."""

from __future__ import annotations

from typing import Any, Mapping

from .. import codes
from ..money import RATE_SCALE, format_fen
from .document import ROUNDING_MODES, Bracket, ContributionPart, HousingFund, IncomeTax, SocialInsurance
from .fields import FieldReader


class DeductionReader(FieldReader):
    """The §8–§9 sections of a version, for :class:`.reading.PolicyReader`."""

    def _base(self, node: dict, path: str) -> tuple[int | None, int | None]:
        floor = self.money(node.get("base_floor"), f"{path}.base_floor") if "base_floor" in node else None
        ceiling = self.money(node.get("base_ceiling"), f"{path}.base_ceiling") if "base_ceiling" in node else None
        if floor is not None and ceiling is not None and floor > ceiling:
            self.problem(f"{path}.base_floor", f"{format_fen(floor)} 高于 base_ceiling {format_fen(ceiling)}",
                         f"{format_fen(floor)} is above base_ceiling {format_fen(ceiling)}")
            return None, None
        return floor, ceiling

    def _held_base_options(self, node: dict, path: str) -> tuple[str | None, int | None, bool]:
        """``rounding`` and ``base_month`` of a contribution block (§8.2, §8.4);
        the flag says whether both were valid."""
        rounding = "FEN"
        if "rounding" in node:
            rounding = node["rounding"]
            if rounding not in ROUNDING_MODES:
                self.problem(f"{path}.rounding", f"{rounding!r} 不是 FEN（到分）、YUAN（四舍五入到元）、YUAN_UP（见角进元）之一",
                             f"{rounding!r} is not one of FEN, YUAN, YUAN_UP")
                return None, None, False
        base_month = None
        if node.get("base_month") is not None:
            value = node["base_month"]
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 12:
                self.problem(f"{path}.base_month", f"{value!r} 不是 1–12 的月份（缴费基数按该月工资核定一年）",
                             f"{value!r} is not a month 1–12 (the month whose wage fixes the base for a year)")
                return None, None, False
            base_month = value
        return rounding, base_month, True

    def contribution_item(self, raw: Any, path: str) -> tuple[ContributionPart, ...] | None:
        """An item: a plain rate, or a list of parts ``{rate}`` / ``{amount}`` (§8.3)."""
        if not isinstance(raw, list):
            rate = self.rate(raw, path, maximum=RATE_SCALE)
            return None if rate is None else (ContributionPart(rate=rate),)
        if not raw:
            self.problem(path, "须为费率，或非空的组成部分列表",
                         "must be a rate or a non-empty list of parts ({rate: …} or {amount: …})")
            return None
        parts = []
        for i, item in enumerate(raw):
            ppath = f"{path}[{i}]"
            if not isinstance(item, Mapping) or len(item) != 1 or next(iter(item)) not in ("rate", "amount"):
                self.problem(ppath, "每一部分只能给出 rate 或 amount 之一", "give exactly one of rate and amount in each part")
                return None
            if "rate" in item:
                rate = self.rate(item["rate"], f"{ppath}.rate", maximum=RATE_SCALE)
                if rate is None:
                    return None
                parts.append(ContributionPart(rate=rate))
            else:
                amount = self.money(item["amount"], f"{ppath}.amount")
                if amount is None:
                    return None
                parts.append(ContributionPart(amount=amount))
        return tuple(parts)

    def social_insurance(self, raw: Any, path: str) -> SocialInsurance | None:
        node = self.mapping(raw, path, ["base_floor", "base_ceiling", "employee", "employer"], ["rounding", "base_month"])
        if node is None:
            return None
        floor, ceiling = self._base(node, path)
        rounding, base_month, options_ok = self._held_base_options(node, path)
        employee = self.code_map(node.get("employee"), f"{path}.employee", codes.SI_EMPLOYEE_ITEMS, self.contribution_item)
        employer = self.code_map(node.get("employer"), f"{path}.employer", codes.SI_EMPLOYER_ITEMS, self.contribution_item)
        if None in (floor, ceiling, employee, employer) or not options_ok:
            return None

        def plain(items: Mapping[str, tuple[ContributionPart, ...]]) -> dict[str, int]:
            return {k: p[0].rate for k, p in items.items() if len(p) == 1 and p[0].rate is not None}

        return SocialInsurance(floor, ceiling, plain(employee), plain(employer), employee, employer, rounding, base_month)

    def housing_fund(self, raw: Any, path: str) -> HousingFund | None:
        node = self.mapping(raw, path, ["base_floor", "base_ceiling", "employee", "employer"], ["rounding", "base_month"])
        if node is None:
            return None
        floor, ceiling = self._base(node, path)
        rounding, base_month, options_ok = self._held_base_options(node, path)
        employee = self.rate(node.get("employee"), f"{path}.employee", maximum=RATE_SCALE) if "employee" in node else None
        employer = self.rate(node.get("employer"), f"{path}.employer", maximum=RATE_SCALE) if "employer" in node else None
        if None in (floor, ceiling, employee, employer) or not options_ok:
            return None
        return HousingFund(floor, ceiling, employee, employer, rounding, base_month)

    def brackets(self, raw: Any, path: str) -> tuple[Bracket, ...] | None:
        if not isinstance(raw, list) or not raw:
            self.wrong_kind(path, "非空的税率级距列表", "a non-empty list of brackets", raw)
            return None
        rows: list[Bracket] = []
        ok = True
        for i, item in enumerate(raw):
            bpath = f"{path}[{i}]"
            last = i == len(raw) - 1
            node = self.mapping(item, bpath, ["rate", "quick_deduction"], ["upto"])
            if node is None:
                ok = False
                continue
            upto = None
            if "upto" in node:
                if last:
                    self.problem(f"{bpath}.upto", "最后一级不能有 upto（它没有上限）",
                                 "the last bracket must have no upto (it has no upper limit)")
                    ok = False
                else:
                    upto = self.money(node["upto"], f"{bpath}.upto", minimum=1)
                    if upto is None:
                        ok = False
            elif not last:
                self.problem(f"{bpath}.upto", "缺少此项（只有最后一级没有上限）",
                             "is missing (only the last bracket has no upper limit)")
                ok = False
            rate = self.rate(node.get("rate"), f"{bpath}.rate", maximum=RATE_SCALE) if "rate" in node else None
            quick = self.money(node.get("quick_deduction"), f"{bpath}.quick_deduction") if "quick_deduction" in node else None
            if rate is None or quick is None:
                ok = False
                continue
            if ok:
                if rows and upto is not None and rows[-1].upto is not None and upto <= rows[-1].upto:
                    self.problem(f"{bpath}.upto", f"{format_fen(upto)} 须高于上一级的 {format_fen(rows[-1].upto)}（级距递增）",
                                 f"{format_fen(upto)} must be above the previous bracket's {format_fen(rows[-1].upto)} "
                                 "(brackets ascend)")
                    ok = False
                    continue
                rows.append(Bracket(upto, rate, quick))
        return tuple(rows) if ok else None

    def income_tax(self, raw: Any, path: str) -> IncomeTax | None:
        node = self.mapping(raw, path, ["monthly_basic_deduction", "brackets", "bonus_brackets"])
        if node is None:
            return None
        basic = self.money(node.get("monthly_basic_deduction"), f"{path}.monthly_basic_deduction") if "monthly_basic_deduction" in node else None
        brackets = self.brackets(node.get("brackets"), f"{path}.brackets") if "brackets" in node else None
        bonus = self.brackets(node.get("bonus_brackets"), f"{path}.bonus_brackets") if "bonus_brackets" in node else None
        if None in (basic, brackets, bonus):
            return None
        return IncomeTax(basic, brackets, bonus)
