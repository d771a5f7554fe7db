"""The fixed codes of the worker inputs (spec §1).

Each code list is ordered; the engine stores a worker's code as its position
in the list (an ``int8`` array) and looks policy figures up by indexing a
table with it, the way OpenFisca indexes parameters with enum arrays.
Posts are not here: their keys come from the policy document.
"""

from __future__ import annotations

import re
from typing import Iterable

EDUCATION = ("SECONDARY", "JUNIOR_COLLEGE", "BACHELOR", "MASTER", "DOCTOR")
CERTIFICATE = ("NONE", "ASSISTANT_SOCIAL_WORKER", "SOCIAL_WORKER", "SENIOR_SOCIAL_WORKER")
ASSESSMENT = ("EXCELLENT", "COMPETENT", "BASIC", "INCOMPETENT")

EDUCATION_LABELS = {
    "SECONDARY": "高中/中专及以下",
    "JUNIOR_COLLEGE": "大专",
    "BACHELOR": "本科",
    "MASTER": "硕士",
    "DOCTOR": "博士",
}
CERTIFICATE_LABELS = {
    "NONE": "无",
    "ASSISTANT_SOCIAL_WORKER": "助理社会工作师",
    "SOCIAL_WORKER": "社会工作师",
    "SENIOR_SOCIAL_WORKER": "高级社会工作师",
}
ASSESSMENT_LABELS = {
    "EXCELLENT": "优秀",
    "COMPETENT": "称职",
    "BASIC": "基本称职",
    "INCOMPETENT": "不称职",
}

#: 累计减除费用规则 (salary-model §1, §9): the basic deduction counted per
#: month of employment, for the whole year (公告2020年第13号), or from
#: January (公告2020年第19号).
TAX_BASIC_DEDUCTION = ("MONTHLY", "FULL_YEAR", "FROM_JANUARY")
#: 年终奖计税方式: the worker's own choice for the year-end payout.
BONUS_TAX_METHOD = ("SEPARATE", "COMBINED")

TAX_BASIC_DEDUCTION_LABELS = {
    "MONTHLY": "按月累计",
    "FULL_YEAR": "全年一次性扣除",
    "FROM_JANUARY": "自1月起累计",
}
BONUS_TAX_METHOD_LABELS = {
    "SEPARATE": "单独计税",
    "COMBINED": "并入综合所得",
}

#: Chinese labels of every code of the worker inputs, by field: one place that
#: every reader (CSV files, imports, the service) uses to accept 本科 for
#: BACHELOR and to show codes to HR staff.
CODE_LABELS = {
    "education": EDUCATION_LABELS,
    "certificate": CERTIFICATE_LABELS,
    "assessment": ASSESSMENT_LABELS,
    "tax_basic_deduction": TAX_BASIC_DEDUCTION_LABELS,
    "bonus_tax_method": BONUS_TAX_METHOD_LABELS,
}

#: Chinese column headings of the optional revision-2 worker columns.
FIELD_HEADINGS_ZH = {
    "tax_basic_deduction": "累计减除费用规则",
    "bonus_tax_method": "年终奖计税方式",
}


#: Other names HR sheets use for the codes (高中, 专科, 社工师 …), by field.
CODE_ALIASES = {
    "education": {
        "高中": "SECONDARY", "中专": "SECONDARY", "初中": "SECONDARY", "小学": "SECONDARY", "职高": "SECONDARY",
        "技校": "SECONDARY", "高中及以下": "SECONDARY", "中专及以下": "SECONDARY", "高中/中专": "SECONDARY",
        "高中（中专）": "SECONDARY",
        "专科": "JUNIOR_COLLEGE", "大学专科": "JUNIOR_COLLEGE", "高职": "JUNIOR_COLLEGE",
        "大学本科": "BACHELOR", "学士": "BACHELOR", "研究生": "MASTER", "硕士研究生": "MASTER", "博士研究生": "DOCTOR",
    },
    "certificate": {
        "无证书": "NONE", "没有": "NONE", "否": "NONE",
        "助理社会工作师证": "ASSISTANT_SOCIAL_WORKER", "助理社工师": "ASSISTANT_SOCIAL_WORKER",
        "社会工作师证": "SOCIAL_WORKER", "社工师": "SOCIAL_WORKER", "中级社会工作师": "SOCIAL_WORKER",
        "高级社会工作师证": "SENIOR_SOCIAL_WORKER", "高级社工师": "SENIOR_SOCIAL_WORKER",
    },
    "tax_basic_deduction": {"按月": "MONTHLY", "全年": "FULL_YEAR", "13号公告": "FULL_YEAR", "19号公告": "FROM_JANUARY"},
    "bonus_tax_method": {"单独": "SEPARATE", "合并": "COMBINED", "并入": "COMBINED"},
}


def label_key(text: str) -> str:
    """A label as it is compared: spaces gone, upper case (``" bachelor "`` → ``"BACHELOR"``)."""
    return re.sub(r"[\s\u3000]+", "", text).upper()


def _names_of_codes(field: str) -> dict[str, str]:
    labels = CODE_LABELS[field]
    names = {code: code for code in labels}
    for code, label in labels.items():
        names[label] = code
        for part in label.split("/"):
            names[part] = code
    names.update(CODE_ALIASES.get(field, {}))
    return {label_key(name): code for name, code in names.items()}


#: Every name accepted for a code, as :func:`label_key` gives it → the code, by field.
CODE_NAMES = {field: _names_of_codes(field) for field in CODE_LABELS}


def code_from_label(field: str, value: str) -> str | None:
    """The code ``value`` names in ``field`` — the code itself, its Chinese
    label or another usual name (``本科``, ``大学本科`` → ``BACHELOR``) — or None."""
    return CODE_NAMES.get(field, {}).get(label_key(value))


def code_choices(field: str) -> str:
    """The codes of ``field`` with their labels, for a message: ``SECONDARY（高中/中专及以下）、…``."""
    return "、".join(f"{code}（{label}）" for code, label in CODE_LABELS[field].items())


def post_names(posts: Iterable[tuple[str, str]]) -> dict[str, str]:
    """The names HR staff write for posts, as :func:`label_key` gives them →
    the post key, from ``(key, title)`` pairs: the key, the title, the title
    before a bracket and each name in the bracket (``正职（书记、主任）`` →
    正职, 书记, 主任).  A name that could mean two posts is left out."""
    names: dict[str, set[str]] = {}

    def add(name: str, key: str) -> None:
        if name.strip():
            names.setdefault(label_key(name), set()).add(key)

    for key, title in posts:
        add(key, key)
        add(title, key)
        add(re.split(r"[（(]", title, maxsplit=1)[0], key)
        bracket = re.search(r"[（(]([^）)]*)[）)]", title)
        if bracket:
            for part in re.split(r"[、,，/]", bracket.group(1)):
                add(part, key)
    return {name: next(iter(keys)) for name, keys in names.items() if len(keys) == 1}


EDUCATION_INDEX = {code: i for i, code in enumerate(EDUCATION)}
CERTIFICATE_INDEX = {code: i for i, code in enumerate(CERTIFICATE)}
ASSESSMENT_INDEX = {code: i for i, code in enumerate(ASSESSMENT)}
TAX_BASIC_DEDUCTION_INDEX = {code: i for i, code in enumerate(TAX_BASIC_DEDUCTION)}
BONUS_TAX_METHOD_INDEX = {code: i for i, code in enumerate(BONUS_TAX_METHOD)}

#: Bonus-tax-method index meaning "not given: use the policy's tax_method".
DEFAULT_BONUS_TAX_METHOD = -1

#: Assessment index meaning "not given: use the policy's default_assessment".
DEFAULT_ASSESSMENT = -1

SI_EMPLOYEE_ITEMS = ("pension", "medical", "unemployment")
SI_EMPLOYER_ITEMS = ("pension", "medical", "unemployment", "work_injury")

#: The posts a staffing count separates; every other post counts as staff.
CHIEF_POST = "CHIEF"
DEPUTY_POST = "DEPUTY"
STAFF_POST = "STAFF"
