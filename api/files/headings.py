"""The columns of the import files (社区, 工作者, 年度考核): each field, its
standard Chinese heading and the other headings that name it.

Defined here, beside the files, because two sides share them: the imports
(:mod:`api.services.imports`) read files by these headings, and the workers
file (:mod:`api.files.worker_file`) is written with them so HR can export,
edit and import it again.
"""

from __future__ import annotations

from dataclasses import dataclass

from payroll import codes


@dataclass(frozen=True)
class Column:
    """A field an import reads, and the headings that name it."""

    field: str
    #: The standard Chinese heading (used when the file has no such column).
    heading: str
    aliases: tuple[str, ...] = ()
    #: The field name the record services use in their errors (``serviceStart``).
    api_field: str | None = None



COMMUNITY_COLUMNS = (
    Column("code", "社区代码", ("community_id", "社区编号", "社区编码", "code", "community_code"), "code"),
    Column("name", "社区名称", ("name", "名称", "社区", "community_name"), "name"),
    Column("street", "街道", ("street", "所属街道", "街道名称", "街道代码", "街道办事处", "street_code", "street_id"), "streetId"),
    Column("households", "户数", ("households", "总户数", "住户数"), "households"),
    Column("population", "人口", ("population", "常住人口", "人口数", "居民人数", "residents"), "population"),
)

WORKER_COLUMNS = (
    Column("code", "工号", ("worker_id", "code", "worker_code", "人员编号", "职工编号", "编号"), "code"),
    Column("id_number", "身份证号", ("id_number", "身份证号码", "身份证", "公民身份号码", "id_card"), "idNumber"),
    Column("name", "姓名", ("name",), "name"),
    Column("community", "社区代码", ("community_id", "community", "community_code", "社区", "所属社区", "社区编号",
                                     "社区编码"), "communityId"),
    Column("post", "岗位", ("post", "计薪岗位", "岗位类别"), "post"),
    Column("service_start", "参加工作时间", ("service_start", "参加社区工作时间", "参加社区工作日期", "入职日期", "入职时间"),
           "serviceStart"),
    Column("service_end", "离职日期", ("service_end", "离职时间", "最后工作日"), "serviceEnd"),
    Column("prior_service_years", "认定工作年限", ("prior_service_years", "此前工作年限", "认定工龄", "此前工龄"),
           "priorServiceYears"),
    Column("education", "学历", ("education", "最高学历"), "education"),
    Column("certificate", "证书", ("certificate", "职业资格", "职业资格证书", "社工证"), "certificate"),
    Column("certificate_date", "证书登记日期", ("certificate_date", "证书日期", "取证日期", "取证时间", "发证日期"),
           "certificateDate"),
    Column("incompetent_years_before", "不称职年数", ("incompetent_years", "incompetent_years_before"),
           "incompetentYearsBefore"),
    Column("assessment", "年度考核", ("assessment", "考核结果", "考核", "年度考核结果")),
    Column("special_deduction_monthly", "专项附加扣除", ("special_deduction_monthly", "每月专项附加扣除"),
           "specialDeductionMonthly"),
    Column("previous_monthly_pay", "套改前月工资", ("previous_monthly_pay", "原月工资"), "previousMonthlyPay"),
    Column("opening_through", "期初截至月份", ("opening_through", "原系统发放至"), "openingThrough"),
    Column("opening_months", "期初已计税月数", ("opening_months", "期初月数"), "openingMonths"),
    Column("opening_income", "期初累计收入", ("opening_income",), "openingIncome"),
    Column("opening_deductions", "期初累计扣除", ("opening_deductions",), "openingDeductions"),
    Column("opening_tax", "期初已预扣税额", ("opening_tax", "期初累计已预扣税额", "期初已缴税额"), "openingTax"),
    Column("opening_reserve", "期初绩效预留", ("opening_reserve", "期初未发绩效"), "openingReserve"),
    Column("phone", "手机", ("phone", "手机号", "手机号码", "电话", "联系电话"), "phone"),
    Column("bank_name", "开户行", ("bank_name", "bank", "开户银行"), "bankName"),
    Column("bank_account", "银行账号", ("bank_account", "银行卡号", "账号", "卡号"), "bankAccount"),
    Column("tax_basic_deduction", codes.FIELD_HEADINGS_ZH["tax_basic_deduction"],
           ("tax_basic_deduction", "减除费用规则", "基本减除费用规则"), "taxBasicDeduction"),
    Column("bonus_tax_method", codes.FIELD_HEADINGS_ZH["bonus_tax_method"],
           ("bonus_tax_method", "年终奖计税", "全年一次性奖金计税方式"), "bonusTaxMethod"),
    #: The version of the worker the file was exported from: a row changing a
    #: worker changed since is refused (CONFLICT) instead of undoing that change.
    Column("version", "版本", ("version", "记录版本"), "version"),
)

ASSESSMENT_COLUMNS = (
    Column("code", "工号", ("worker_id", "code", "worker_code", "人员编号", "职工编号", "编号"), "workerId"),
    Column("id_number", "身份证号", ("id_number", "身份证号码", "身份证", "公民身份号码"), "idNumber"),
    Column("name", "姓名", ("name",), "name"),
    Column("result", "考核结果", ("result", "assessment", "年度考核", "考核", "年度考核结果", "等次", "考核等次"), "result"),
    Column("year", "年度", ("year", "考核年度"), "year"),
)
