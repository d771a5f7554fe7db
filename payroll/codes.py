"""The fixed codes of the worker inputs (spec §1).

Each code list is ordered; the engine stores a worker's code as its position
in the list (an ``int8`` array) and looks policy figures up by indexing a
table with it, the way OpenFisca indexes parameters with enum arrays.
Posts are not here: their keys come from the policy document.
"""

from __future__ import annotations

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


def code_from_label(field: str, value: str) -> str | None:
    """The code a Chinese label stands for in ``field`` (``本科`` → ``BACHELOR``), or None."""
    for code, label in CODE_LABELS.get(field, {}).items():
        if value in (label, *label.split("/")):
            return code
    return None


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
