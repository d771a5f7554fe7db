"""What each role may do.  The only place a role is named in a rule.

The GraphQL layer declares the permission a field or mutation needs next to it
(:func:`api.graphql.core.permissions.needs`); the services check the same
permission before they change anything (:func:`require`), so the command line
and GraphQL follow one rule.  Scope — *which* records — is
:mod:`api.access.scopes`.
"""

from __future__ import annotations

import enum

from api.access.principal import ROLE_LABELS, Principal, Role
from api.errors import Forbidden


class Permission(enum.Enum):
    """Something a role may do; the value is its description (中文 / English)."""

    READ = "查看记录、工资与报表 / read records, payroll and reports"
    SEE_PERSONAL_DATA = "查看身份证号、电话、银行账号 / see identity numbers, phones and bank accounts"
    EDIT_RECORDS = "维护社区、岗位、工作者与考核（含导入） / edit communities, positions, workers and assessments (imports too)"
    CREATE_STREETS = "新建街道 / create streets"
    MANAGE_JURISDICTIONS = "新建与修改辖区（市、县、区） / create and change jurisdictions (cities, counties, districts)"
    PREPARE_PAYROLL = "生成与删除发放草稿 / create and delete draft payroll runs"
    APPROVE_PAYROLL = "审核发放批次并标记已发放 / approve payroll runs and mark them paid"
    MANAGE_POLICIES = "导入与启用薪酬政策 / import and activate pay policies"
    READ_AUDIT_LOG = "查看操作日志 / read the audit log"
    ISSUE_PAYSLIP_ACCESS = "发放与撤销电子工资条链接 / issue and revoke workers' payslip links and tokens"
    READ_OWN_PAYSLIPS = "查看本人工资条 / read one's own worker record and payslips"


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.HR: frozenset({Permission.READ, Permission.SEE_PERSONAL_DATA, Permission.EDIT_RECORDS,
                        Permission.PREPARE_PAYROLL, Permission.ISSUE_PAYSLIP_ACCESS}),
    Role.FINANCE: frozenset({Permission.READ, Permission.SEE_PERSONAL_DATA, Permission.APPROVE_PAYROLL}),
    Role.VIEWER: frozenset({Permission.READ}),
    # Their own record and payslips only (the scope is one worker: api.access.scopes),
    # personal data masked: the token lives on a phone that others may pick up.
    Role.WORKER: frozenset({Permission.READ_OWN_PAYSLIPS}),
    # A province reads every jurisdiction — personal data and the audit log
    # included, as its supervision needs — and changes nothing.
    Role.PROVINCE: frozenset({Permission.READ, Permission.SEE_PERSONAL_DATA, Permission.READ_AUDIT_LOG}),
}


def allowed(principal: Principal, *permissions: Permission) -> bool:
    """Whether the principal's role has any of ``permissions``."""
    granted = ROLE_PERMISSIONS[principal.role]
    return any(permission in granted for permission in permissions)


def roles_with(*permissions: Permission) -> list[Role]:
    """The roles with any of ``permissions``."""
    return [role for role, granted in ROLE_PERMISSIONS.items() if any(p in granted for p in permissions)]


def refusal(principal: Principal, *permissions: Permission) -> str:
    """Why ``principal`` may not do it (the first permission names it), Chinese first."""
    zh, _, en = permissions[0].value.partition(" / ")
    roles = roles_with(*permissions)
    return (f"无权{zh}：需要{('或'.join(ROLE_LABELS[r] for r in roles))}角色，本令牌为{ROLE_LABELS[principal.role]} / "
            f"not allowed to {en}: needs the role {' or '.join(r.value for r in roles)}; this token has "
            f"{principal.role.value}")


def require(principal: Principal, permission: Permission) -> None:
    """Raise FORBIDDEN unless the principal's role has ``permission``."""
    if not allowed(principal, permission):
        raise Forbidden(refusal(principal, permission))
