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

EDUCATION_INDEX = {code: i for i, code in enumerate(EDUCATION)}
CERTIFICATE_INDEX = {code: i for i, code in enumerate(CERTIFICATE)}
ASSESSMENT_INDEX = {code: i for i, code in enumerate(ASSESSMENT)}

#: Assessment index meaning "not given: use the policy's default_assessment".
DEFAULT_ASSESSMENT = -1

SI_EMPLOYEE_ITEMS = ("pension", "medical", "unemployment")
SI_EMPLOYER_ITEMS = ("pension", "medical", "unemployment", "work_injury")

#: The posts a staffing count separates; every other post counts as staff.
CHIEF_POST = "CHIEF"
DEPUTY_POST = "DEPUTY"
STAFF_POST = "STAFF"
