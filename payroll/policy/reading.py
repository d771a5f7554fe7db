"""Loading and validating a whole policy document: the entry points, the
document and its versions, the sections of pay and staffing (§8–§9 are in
:mod:`.deductions`)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any, Mapping

import yaml

from .. import codes
from ..money import RATE_SCALE, format_fen, format_rate
from ..texts import Text
from .deductions import DeductionReader
from .document import (
    TAX_METHODS,
    Allowances,
    CommunityFunds,
    DeputyRule,
    FixedAllowance,
    Grades,
    Performance,
    Policy,
    PolicyError,
    PolicyVersion,
    Post,
    Probation,
    Promotion,
    Staffing,
)
from .fields import MAX_COEFFICIENT, MAX_INT, POST_KEY_RE, describe, join_path


def load_policy(source: str | Path) -> Policy:
    """Load and validate a policy document from a YAML file path."""
    path = Path(source)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise PolicyError([Text("无法读取", f"cannot be read ({exc.strerror or exc})").about(str(path))]) from None
    return parse_policy_text(text)


def parse_policy_text(text: str) -> Policy:
    """Load and validate a policy document from YAML text."""
    return parse_policy(load_yaml(text))


def load_yaml(text: str) -> Any:
    """A document's YAML (or JSON) text as plain data; :class:`PolicyError`
    naming the line and column when it is not YAML."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        message = Text("不是有效的 YAML", f"not valid YAML ({problem})")
        if mark:
            message = Text(f"第 {mark.line + 1} 行第 {mark.column + 1} 列：{message.zh}",
                           f"line {mark.line + 1}, column {mark.column + 1}: {message.en}")
        raise PolicyError([message]) from None


def example_policy_path() -> Path:
    """The example policy shipped inside the package."""
    return Path(__file__).parent.parent / "data" / "policy-example.yaml"


def example_policy() -> Policy:
    return load_policy(example_policy_path())


def parse_policy(data: Any) -> Policy:
    """Validate plain data (as from YAML or JSON) into a :class:`Policy`."""
    reader = PolicyReader()
    policy = reader.policy(data)
    if reader.problems or policy is None:
        raise PolicyError(reader.problems or [Text("文件为空", "the document is empty")])
    return policy


_MISSING = object()


class PolicyReader(DeductionReader):
    """Reads the document node by node, collecting problems with their paths."""

    # -- the document --

    def policy(self, data: Any) -> Policy | None:
        if data is None:
            self.problem("", "文件为空", "the document is empty")
            return None
        doc = self.mapping(data, "", ["id", "title", "versions"], ["description"])
        if doc is None:
            return None
        policy_id = self.text(doc.get("id"), "id") if "id" in doc else None
        if policy_id is not None and not re.match(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$", policy_id):
            self.problem("id", f"{policy_id!r} 只能由字母、数字、-、_、. 组成（至多 64 个）",
                         f"{policy_id!r} must be letters, digits, '-', '_' or '.' (at most 64)")
        title = self.text(doc.get("title"), "title") if "title" in doc else None
        raw_versions = doc.get("versions", _MISSING)
        if raw_versions is _MISSING:
            return None
        if not isinstance(raw_versions, list) or not raw_versions:
            self.problem("versions", "须为非空的版本列表", "must be a non-empty list of versions")
            return None
        post_keys: list[str] = []
        for raw in raw_versions:
            if isinstance(raw, Mapping) and isinstance(raw.get("posts"), Mapping):
                for key in raw["posts"]:
                    if isinstance(key, str) and key not in post_keys:
                        post_keys.append(key)
        versions = []
        for i, raw in enumerate(raw_versions):
            version = self.version(raw, f"versions[{i}]", i, tuple(post_keys))
            if version is not None:
                versions.append(version)
        seen: dict[dt.date, int] = {}
        for v in versions:
            if v.effective_from in seen:
                self.problem(
                    f"versions[{v.index}].effective_from",
                    f"{v.effective_from.isoformat()} 与 versions[{seen[v.effective_from]}] 的生效日期相同",
                    f"{v.effective_from.isoformat()} is also the date of versions[{seen[v.effective_from]}]",
                )
            seen[v.effective_from] = v.index
        if self.problems:
            return None
        versions.sort(key=lambda v: v.effective_from)
        return Policy(id=policy_id, title=title, versions=tuple(versions), document=data)

    def version(self, raw: Any, path: str, index: int, post_keys: tuple[str, ...]) -> PolicyVersion | None:
        keys = [
            "effective_from", "base_income_annual", "grades", "posts", "promotion", "allowances",
            "performance", "conversion", "social_insurance", "housing_fund",
            "accident_insurance_annual", "income_tax", "staffing", "community_funds",
        ]
        node = self.mapping(raw, path, keys, ["source", "notes", "probation", "certificate_counts_from"])
        if node is None:
            return None
        before = len(self.problems)
        effective_from = self.date(node.get("effective_from"), f"{path}.effective_from") if "effective_from" in node else None
        source = node.get("source")
        if source is not None and not isinstance(source, str):
            self.wrong_kind(f"{path}.source", "文字", "a text", source)
        base = self.money(node.get("base_income_annual"), f"{path}.base_income_annual", minimum=1) if "base_income_annual" in node else None
        grades = self.grades(node.get("grades"), f"{path}.grades") if "grades" in node else None
        posts = self.posts(node.get("posts"), f"{path}.posts", grades) if "posts" in node else None
        promotion = self.promotion(node.get("promotion"), f"{path}.promotion") if "promotion" in node else None
        allowances = self.allowances(node.get("allowances"), f"{path}.allowances") if "allowances" in node else None
        performance = self.performance(node.get("performance"), f"{path}.performance") if "performance" in node else None
        if posts is not None:
            self.check_post_references(posts, allowances, performance, path)
        probation = self.probation(node["probation"], f"{path}.probation") if node.get("probation") is not None else None
        counts_from = "REGISTRATION_MONTH"
        if "certificate_counts_from" in node:
            counts_from = self.choice(
                node["certificate_counts_from"], f"{path}.certificate_counts_from", ("REGISTRATION_MONTH", "NEXT_MONTH"),
            )
        protect = None
        if "conversion" in node:
            conv = self.mapping(node["conversion"], f"{path}.conversion", ["protect_previous_pay"])
            if conv is not None and "protect_previous_pay" in conv:
                protect = conv["protect_previous_pay"]
                if not isinstance(protect, bool):
                    self.wrong_kind(f"{path}.conversion.protect_previous_pay", " true 或 false", "true or false", protect)
        si = self.social_insurance(node.get("social_insurance"), f"{path}.social_insurance") if "social_insurance" in node else None
        hf = self.housing_fund(node.get("housing_fund"), f"{path}.housing_fund") if "housing_fund" in node else None
        accident = self.money(node.get("accident_insurance_annual"), f"{path}.accident_insurance_annual") if "accident_insurance_annual" in node else None
        tax = self.income_tax(node.get("income_tax"), f"{path}.income_tax") if "income_tax" in node else None
        staffing = self.staffing(node.get("staffing"), f"{path}.staffing") if "staffing" in node else None
        funds = None
        if "community_funds" in node:
            f = self.mapping(node["community_funds"], f"{path}.community_funds", ["service_fund_annual", "party_building_annual"])
            if f is not None and "service_fund_annual" in f and "party_building_annual" in f:
                a = self.money(f["service_fund_annual"], f"{path}.community_funds.service_fund_annual")
                b = self.money(f["party_building_annual"], f"{path}.community_funds.party_building_annual")
                if a is not None and b is not None:
                    funds = CommunityFunds(a, b)
        if len(self.problems) > before:
            return None
        return PolicyVersion(
            index=index,
            effective_from=effective_from,
            source=source,
            base_income_annual=base,
            grades=grades,
            posts=posts,
            promotion=promotion,
            allowances=allowances,
            performance=performance,
            protect_previous_pay=protect,
            social_insurance=si,
            housing_fund=hf,
            accident_insurance_annual=accident,
            income_tax=tax,
            staffing=staffing,
            community_funds=funds,
            post_keys=post_keys,
            certificate_counts_from=counts_from,
            probation=probation,
        )

    def grades(self, raw: Any, path: str) -> Grades | None:
        node = self.mapping(raw, path, [], ["coefficients", "amounts", "count"])
        if node is None:
            return None
        if ("coefficients" in node) == ("amounts" in node):
            self.problem(path, "只能给出 coefficients 或 amounts 之一",
                         "give exactly one of grades.coefficients and grades.amounts")
            return None
        if "amounts" in node:
            return self.grade_list(node, path, "amounts")
        return self.grade_list(node, path, "coefficients")

    def grade_list(self, node: dict, path: str, key: str) -> Grades | None:
        """``grades.coefficients`` or ``grades.amounts``: one entry per grade
        from grade 1 up, never decreasing."""
        entries = node[key]
        lpath = f"{path}.{key}"
        amounts = key == "amounts"
        if not isinstance(entries, list) or not entries:
            what, what_zh = ("amount", "金额") if amounts else ("coefficient", "系数")
            self.problem(lpath, f"须为非空列表，从 1 级起每级一个{what_zh}",
                         f"must be a non-empty list, one {what} per grade from grade 1 up")
            return None
        if len(entries) > 100:
            self.problem(lpath, f"有 {len(entries)} 级，至多支持 100 级", f"has {len(entries)} grades; at most 100 are supported")
            return None
        if amounts:
            values = [self.money(a, f"{lpath}[{i}]", minimum=1) for i, a in enumerate(entries)]
            show = format_fen
        else:
            values = [self.rate(c, f"{lpath}[{i}]", minimum=1, maximum=MAX_COEFFICIENT) for i, c in enumerate(entries)]
            show = format_rate
        if "count" in node:
            count = self.integer(node["count"], f"{path}.count", minimum=1, maximum=100)
            if count is not None and count != len(entries):
                self.problem(lpath, f"有 {len(entries)} 个 {key}，而等级表为 {count} 级（count: {count}）",
                             f"has {len(entries)} {key} for a {count}-grade table (count: {count})")
                return None
        if any(v is None for v in values):
            return None
        for i in range(1, len(values)):
            if values[i] < values[i - 1]:
                what, what_zh = ("amounts", "金额") if amounts else ("coefficients", "系数")
                self.problem(f"{lpath}[{i}]",
                             f"第 {i + 1} 级 {show(values[i])} 低于第 {i} 级 {show(values[i - 1])}，各级{what_zh}不得递减",
                             f"{show(values[i])} for grade {i + 1} is below {show(values[i - 1])} for grade {i}; "
                             f"{what} must not decrease")
                return None
        if amounts:
            return Grades(coefficients=(), amounts=tuple(values))
        return Grades(tuple(values))

    def posts(self, raw: Any, path: str, grades: Grades | None) -> dict[str, Post] | None:
        if not isinstance(raw, Mapping) or not raw:
            self.wrong_kind(path, "非空的岗位映射（岗位代码: 岗位）", "a non-empty mapping of post keys to posts", raw)
            return None
        posts: dict[str, Post] = {}
        ok = True
        for key, value in raw.items():
            ppath = join_path(path, str(key))
            if not isinstance(key, str) or not POST_KEY_RE.match(key):
                self.problem(ppath, "岗位代码须由大写字母、数字和 _ 组成（如 CHIEF）",
                             "a post key must be upper-case letters, digits and '_' (e.g. CHIEF)")
                ok = False
                continue
            node = self.mapping(value, ppath, ["min_grade", "max_grade"], ["title", "post_pay"])
            if node is None:
                ok = False
                continue
            title = node.get("title", key)
            if not isinstance(title, str):
                self.wrong_kind(f"{ppath}.title", "文字", "a text", title)
                ok = False
            lo = self.integer(node.get("min_grade"), f"{ppath}.min_grade", minimum=1) if "min_grade" in node else None
            hi = self.integer(node.get("max_grade"), f"{ppath}.max_grade", minimum=1) if "max_grade" in node else None
            post_pay = self.money(node["post_pay"], f"{ppath}.post_pay") if "post_pay" in node else 0
            if lo is None or hi is None or post_pay is None:
                ok = False
                continue
            if grades is not None:
                for name, grade in (("min_grade", lo), ("max_grade", hi)):
                    if grade > grades.count:
                        self.problem(f"{ppath}.{name}", f"{grade} 超出本表的 {grades.count} 个等级",
                                     f"{grade} is above the {grades.count} grades of this table")
                        ok = False
            if lo > hi:
                self.problem(f"{ppath}.min_grade", f"{lo} 高于 max_grade {hi}", f"{lo} is above max_grade {hi}")
                ok = False
            if ok:
                posts[key] = Post(key=key, title=title, min_grade=lo, max_grade=hi, post_pay=post_pay)
        return posts if ok else None

    def promotion(self, raw: Any, path: str) -> Promotion | None:
        keys = ["years_per_grade", "bonus_combine"]
        optional = ["education_credit_years", "education_grade_bonus", "certificate_grade_bonus", "counting"]
        node = self.mapping(raw, path, keys, optional)
        if node is None:
            return None
        ypg = self.integer(node.get("years_per_grade"), f"{path}.years_per_grade", minimum=1, maximum=100) if "years_per_grade" in node else None
        years = lambda v, p: self.integer(v, p, minimum=0, maximum=100)  # noqa: E731
        credit = self.code_map(node.get("education_credit_years"), f"{path}.education_credit_years", codes.EDUCATION, years)
        ebonus = self.code_map(node.get("education_grade_bonus"), f"{path}.education_grade_bonus", codes.EDUCATION, years)
        cbonus = self.code_map(node.get("certificate_grade_bonus"), f"{path}.certificate_grade_bonus", codes.CERTIFICATE, years)
        combine = self.choice(node.get("bonus_combine"), f"{path}.bonus_combine", ("SUM", "MAX")) if "bonus_combine" in node else None
        counting = (
            self.choice(node["counting"], f"{path}.counting", ("ANNIVERSARY", "JANUARY"))
            if "counting" in node else "ANNIVERSARY"
        )
        if None in (ypg, credit, ebonus, cbonus, combine, counting):
            return None
        return Promotion(ypg, credit, ebonus, cbonus, combine, counting)

    def allowances(self, raw: Any, path: str) -> Allowances | None:
        node = self.mapping(raw, path, ["tenure_per_year", "tenure_cap_years"], ["education", "certificate", "fixed"])
        if node is None:
            return None
        money = lambda v, p: self.money(v, p)  # noqa: E731
        edu = self.code_map(node.get("education"), f"{path}.education", codes.EDUCATION, money)
        cert = self.code_map(node.get("certificate"), f"{path}.certificate", codes.CERTIFICATE, money)
        if cert and "NONE" in cert:
            # §4.4 pays the allowance only for a certificate that counts; NONE never does.
            self.problem(f"{path}.certificate.NONE", "证书津贴只发给已登记的证书，请删去此项",
                         "a certificate allowance is paid only for a registered certificate; remove this entry")
            cert = None
        per_year = self.money(node.get("tenure_per_year"), f"{path}.tenure_per_year") if "tenure_per_year" in node else None
        cap = self.integer(node.get("tenure_cap_years"), f"{path}.tenure_cap_years", maximum=100) if "tenure_cap_years" in node else None
        fixed = self.fixed_allowances(node["fixed"], f"{path}.fixed") if node.get("fixed") is not None else ()
        if None in (edu, cert, per_year, cap, fixed):
            return None
        return Allowances(edu, cert, per_year, cap, fixed)

    def fixed_allowances(self, raw: Any, path: str) -> tuple[FixedAllowance, ...] | None:
        if not isinstance(raw, list):
            self.problem(path, "须为固定津贴补贴列表，每项含 code、title、amount（可选 posts）",
                         f"must be a list of entries with code, title, amount and optional posts, not {describe(raw).en}")
            return None
        before = len(self.problems)
        entries: list[FixedAllowance] = []
        first_with_code: dict[str, int] = {}
        for i, item in enumerate(raw):
            epath = f"{path}[{i}]"
            node = self.mapping(item, epath, ["code", "title", "amount"], ["posts"])
            if node is None:
                continue
            code = self.text(node["code"], f"{epath}.code") if "code" in node else None
            if code is not None and not POST_KEY_RE.match(code):
                self.problem(f"{epath}.code", f"代码 {code!r} 须由大写字母、数字和 _ 组成",
                             f"{code!r} must be upper-case letters, digits and '_' (e.g. LIVING)")
                code = None
            if code is not None and code in first_with_code:
                self.problem(f"{epath}.code", f"代码 {code} 与 fixed[{first_with_code[code]}] 重复，请改用不同的代码",
                             f"{code} is also the code of fixed[{first_with_code[code]}]; give each entry its own code")
                code = None
            elif code is not None:
                first_with_code[code] = i
            title = self.text(node["title"], f"{epath}.title") if "title" in node else None
            amount = self.money(node["amount"], f"{epath}.amount") if "amount" in node else None
            posts = None
            if "posts" in node:
                raw_posts = node["posts"]
                if not isinstance(raw_posts, list) or not raw_posts or not all(isinstance(p, str) for p in raw_posts):
                    self.problem(f"{epath}.posts", "须为岗位代码列表，省略则适用于所有岗位",
                                 "must be a non-empty list of post keys (leave it out for every post)")
                else:
                    posts = tuple(raw_posts)
            if None not in (code, title, amount):
                entries.append(FixedAllowance(code, title, amount, posts))
        return tuple(entries) if len(self.problems) == before else None

    def check_post_references(self, posts: Mapping[str, Post], allowances, performance, path: str) -> None:
        """Posts named by ``allowances.fixed[i].posts`` and a map of
        ``performance.withheld_monthly`` must be posts of the version."""
        known = ", ".join(posts)

        def unknown(where: str, post: str) -> None:
            self.problem(where, f"{post} 不是本版本 posts 中的岗位",
                         f"{post} is not a post of this version (posts: {known}); use one of them or add the post")

        if allowances is not None:
            for i, entry in enumerate(allowances.fixed):
                for j, post in enumerate(entry.posts or ()):
                    if post not in posts:
                        unknown(f"{path}.allowances.fixed[{i}].posts[{j}]", post)
        if performance is not None and isinstance(performance.withheld_monthly, Mapping):
            for post in performance.withheld_monthly:
                if post not in posts:
                    unknown(f"{path}.performance.withheld_monthly.{post}", post)

    def probation(self, raw: Any, path: str) -> Probation | None:
        node = self.mapping(raw, path, ["months", "pay_share"], ["reserve"])
        if node is None:
            return None
        months = None
        if "months" in node:
            months = self.integer(node["months"], f"{path}.months", minimum=-MAX_INT, maximum=120)
            if months is not None and months < 1:
                self.problem(f"{path}.months", f"试用期月数 {months} 须至少为 1（没有试用期则删去 probation）",
                             f"{months} must be at least 1 month (leave probation out for none)")
                months = None
        share = None
        if "pay_share" in node:
            share = self.rate(node["pay_share"], f"{path}.pay_share", minimum=-RATE_SCALE * 1000)
            if share is not None and not 0 < share <= RATE_SCALE:
                self.problem(f"{path}.pay_share", f"试用期工资比例 {format_rate(share)} 须大于 0 且不超过 1",
                             f"{format_rate(share)} must be above 0 and at most 1 (e.g. 0.8 for 80%)")
                share = None
        reserve = node.get("reserve", False)
        if not isinstance(reserve, bool):
            self.wrong_kind(f"{path}.reserve", " true 或 false", "true or false", reserve)
            reserve = None
        if None in (months, share, reserve):
            return None
        return Probation(months, share, reserve)

    def performance(self, raw: Any, path: str) -> Performance | None:
        keys = ["payout_months", "factors", "default_assessment", "tax_method"]
        required = keys if isinstance(raw, Mapping) and "withheld_monthly" in raw else ["withheld_share", *keys]
        node = self.mapping(raw, path, required, ["withheld_share", "withheld_monthly"])
        if node is None:
            return None
        share = self.rate(node.get("withheld_share"), f"{path}.withheld_share", maximum=RATE_SCALE) if "withheld_share" in node else None
        monthly = None
        if "withheld_monthly" in node:
            monthly = self.withheld_monthly(node["withheld_monthly"], f"{path}.withheld_monthly")
            if "withheld_share" not in node:
                share = 0  # a fixed 奖励绩效 alone: no share of pay is held (§4.4)
        months = None
        if "payout_months" in node:
            raw_months = node["payout_months"]
            mpath = f"{path}.payout_months"
            if not isinstance(raw_months, list) or not raw_months:
                self.problem(mpath, "须为包含 12 的非空月份列表（1–12）", "must be a non-empty list of months (1–12) that includes 12")
            else:
                parsed = [self.integer(m, f"{mpath}[{i}]", minimum=1, maximum=12) for i, m in enumerate(raw_months)]
                if None not in parsed:
                    if len(set(parsed)) != len(parsed):
                        self.problem(mpath, f"{parsed} 中有重复的月份", f"{parsed} lists a month twice")
                    elif 12 not in parsed:
                        self.problem(mpath, f"{parsed} 须包含 12，预留绩效不跨年",
                                     f"{parsed} must include 12, so that no reserve crosses a year end")
                    else:
                        months = tuple(sorted(parsed))
        factors = None
        if "factors" in node:
            fpath = f"{path}.factors"
            rate = lambda v, p: self.rate(v, p, maximum=10 * RATE_SCALE)  # noqa: E731
            factors = self.code_map(node["factors"], fpath, codes.ASSESSMENT, rate)
            if factors is not None:
                missing = [a for a in codes.ASSESSMENT if a not in factors]
                if missing:
                    self.problem(fpath, f"缺少 {'、'.join(missing)} 的系数", f"has no factor for {', '.join(missing)}")
                    factors = None
        default = self.choice(node.get("default_assessment"), f"{path}.default_assessment", codes.ASSESSMENT) if "default_assessment" in node else None
        method = self.choice(node.get("tax_method"), f"{path}.tax_method", TAX_METHODS) if "tax_method" in node else None
        if None in (share, months, factors, default, method) or ("withheld_monthly" in node and monthly is None):
            return None
        return Performance(share, months, factors, default, method, monthly)

    def withheld_monthly(self, raw: Any, path: str) -> int | dict[str, int] | None:
        if isinstance(raw, Mapping):
            out: dict[str, int] = {}
            for key, value in raw.items():
                amount = self.money(value, join_path(path, str(key)))
                if amount is None:
                    return None
                out[str(key)] = amount
            return out
        if raw is None or isinstance(raw, (list, bool)):
            self.problem(path, "须为每月金额，或按岗位给出的金额表",
                         f"must be a monthly amount or a map of post keys to amounts, not {describe(raw).en}")
            return None
        return self.money(raw, path)

    def staffing(self, raw: Any, path: str) -> Staffing | None:
        optional = ["min_workers", "max_workers", "households_per_worker", "workers_per_10k_residents", "households_per_grid"]
        node = self.mapping(raw, path, ["chief_positions", "deputy_positions"], optional)
        if node is None:
            return None
        before = len(self.problems)
        chief = self.integer(node.get("chief_positions"), f"{path}.chief_positions", maximum=100) if "chief_positions" in node else None
        values: dict[str, int | None] = {}
        for key in ("min_workers", "max_workers"):
            if node.get(key) is not None:
                values[key] = self.integer(node[key], f"{path}.{key}", maximum=100_000)
        for key in ("households_per_worker", "households_per_grid"):
            if node.get(key) is not None:
                values[key] = self.integer(node[key], f"{path}.{key}", minimum=1)
        if node.get("workers_per_10k_residents") is not None:
            values["workers_per_10k_residents"] = self.rate(
                node["workers_per_10k_residents"], f"{path}.workers_per_10k_residents", maximum=10_000 * RATE_SCALE
            )
        if values.get("min_workers") is not None and values.get("max_workers") is not None:
            if values["min_workers"] > values["max_workers"]:
                self.problem(f"{path}.min_workers", f"{values['min_workers']} 高于 max_workers {values['max_workers']}",
                             f"{values['min_workers']} is above max_workers {values['max_workers']}")
        deputies: list[DeputyRule] = []
        if "deputy_positions" in node:
            dpath = f"{path}.deputy_positions"
            raw_rows = node["deputy_positions"]
            if raw_rows is None:
                raw_rows = []
            if not isinstance(raw_rows, list):
                self.wrong_kind(dpath, " {min_required, count} 行的列表", "a list of {min_required, count} rows", raw_rows)
            else:
                for i, item in enumerate(raw_rows):
                    row = self.mapping(item, f"{dpath}[{i}]", ["min_required", "count"])
                    if row is None or "min_required" not in row or "count" not in row:
                        continue
                    lo = self.integer(row["min_required"], f"{dpath}[{i}].min_required")
                    count = self.integer(row["count"], f"{dpath}[{i}].count", maximum=1000)
                    if lo is None or count is None:
                        continue
                    if deputies and lo <= deputies[-1].min_required:
                        self.problem(f"{dpath}[{i}].min_required", f"{lo} 须高于上一行的 {deputies[-1].min_required}（各行递增）",
                                     f"{lo} must be above the previous row's {deputies[-1].min_required} (rows ascend)")
                        continue
                    deputies.append(DeputyRule(lo, count))
        if len(self.problems) > before or chief is None:
            return None
        return Staffing(chief_positions=chief, deputy_positions=tuple(deputies), **values)
