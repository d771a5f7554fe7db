"""Inputs of the reports: the scope, and the conversion's filters."""

from __future__ import annotations

import enum

import strawberry


@strawberry.enum(description="套改结果 / How the conversion changes a worker's pay.")
class ConversionOutcome(enum.Enum):
    GAIN = strawberry.enum_value("GAIN", description="增资：新标准工资高于套改前工资 / The new standard pay is higher.")
    LOSS = strawberry.enum_value("LOSS", description="减资：新标准工资低于套改前工资（政策保留时由保留补差补足）/ The new "
                                                     "standard pay is lower (the protection allowance makes up the "
                                                     "difference when the policy protects previous pay).")
    SAME = strawberry.enum_value("SAME", description="持平 / Unchanged.")
    NO_PREVIOUS = strawberry.enum_value("NO_PREVIOUS", description="无套改前工资，无从比较 / No previous pay recorded.")


@strawberry.enum(description="套改名单排序 / Order of the conversion's workers.")
class ConversionOrder(enum.Enum):
    WORKER = strawberry.enum_value("WORKER", description="按街道、社区、工号 / By street, community and worker code.")
    DIFFERENCE = strawberry.enum_value("DIFFERENCE", description="差额从小到大（减资最多者在前；无套改前工资者在后）/ "
                                                                 "Difference ascending: the largest losses first, "
                                                                 "workers without previous pay last.")
    DIFFERENCE_DESC = strawberry.enum_value("DIFFERENCE_DESC", description="差额从大到小（增资最多者在前）/ Difference "
                                                                           "descending: the largest gains first.")
