"""工资套改 on the spec's small city, against figures worked out by hand from
the example policy (version 2026-01-01: base income 40234.00, tenure 20.00 a
year, 3 years a grade; see salary-model.md §2–§4).

Each worker in August 2026 (P1 = 2026-08-01):

- W001 张敏 CHIEF, start 2012-03-01, 本科, 社会工作师 (2018): 14 years; credit 3 →
  steps ⌊17/3⌋ = 5; certificate bonus 1 → grade 5+5+1 = 11 (1.65);
  grade pay R(40234.00 × 1.65 / 12) = R(5532.175) = 5532.18; + 200 + 200 + 14×20
  = 6212.18. No previous pay.
- W002 李强 DEPUTY, start 2019-07-15 (day > 1: 84 months), prior 2 → 9 years;
  大专 no credit → steps 3 → grade 3+3 = 6 (1.28): R(51499.52 / 12) =
  R(4291.6266…) = 4291.63; + 100 (大专) + 100 (助理社工师, 2026-05) + 180 = 4671.63.
  Previous pay 4500.00 (set here): +171.63, a gain.
- W003 王芳 STAFF, start 2026-03-16: 0 years; 硕士 credit 5 → steps 1 → grade 2
  (1.05): R(3520.475) = 3520.48; + 350 = 3870.48. Previous pay 3870.48 (set
  here): unchanged.
- W004 赵磊 STAFF, start 2008-01-01 (leaves 2026-08-20), 18 years − 1 不称职
  year = 17 → steps 5 → grade 6: 4291.63 + 17×20 = 4631.63. Previous 5200.00:
  −568.37, protection allowance 568.37.
- W005 陈静 CHIEF, start 2001-09-01, 博士, 高级社工师: 24 years; credit 7 →
  steps ⌊31/3⌋ = 10, bonus 2 → 5+10+2 = 17, capped at 16 (2.10): R(84491.40 /
  12) = 7040.95; + 500 + 300 + 24×20 = 8320.95. Previous 15000.00: −6679.05,
  protection 6679.05.
- W006 刘洋 DEPUTY, start 2016-05-01, 本科: 10 years; credit 3 → steps 4 →
  grade 7 (1.35): R(54315.90 / 12) = R(4526.325) = 4526.33; + 200 + 200 =
  4926.33. No previous pay.
"""

from __future__ import annotations

import io
from decimal import Decimal

from openpyxl import load_workbook

from ..conftest import EXAMPLE_POLICY
from .conftest import City, GraphQLClient, Tokens
from .test_exports import UPDATE_WORKER, get, yuan

CONVERSION = """
query($period: Period!, $scope: ScopeInput, $outcome: ConversionOutcome, $order: ConversionOrder!, $after: String) {
  conversion(period: $period, scope: $scope) {
    period policyEffectiveFrom protectsPreviousPay xlsx
    totals { workers withPreviousPay previousPay standardWageCompared standardWage difference protectionAllowance
             newMonthlyPay gainers losers unchanged noPreviousPay }
    streets { street { code } community { code } totals { workers previousPay difference protectionAllowance } }
    communities { street { code } community { code } totals { workers withPreviousPay previousPay standardWage
                  difference protectionAllowance newMonthlyPay gainers losers unchanged noPreviousPay } }
    workers(first: 4, outcome: $outcome, orderBy: $order, after: $after) {
      totalCount pageInfo { hasNextPage endCursor }
      nodes { code name post postTitle grade countedYears previousMonthlyPay gradePay educationAllowance
              certificateAllowance tenureAllowance standardWage difference protectionAllowance newMonthlyPay outcome
              worker { code } community { code } }
    }
  }
}"""

# code: (post, grade, counted years, previous, grade pay, education, certificate, tenure, standard, difference,
#        protection, new pay, outcome) — the hand-worked figures of the module docstring.
EXPECTED = {
    "W001": ("CHIEF", 11, 14, None, "5532.18", "200.00", "200.00", "280.00", "6212.18", None, "0.00", "6212.18",
             "NO_PREVIOUS"),
    "W002": ("DEPUTY", 6, 9, "4500.00", "4291.63", "100.00", "100.00", "180.00", "4671.63", "171.63", "0.00",
             "4671.63", "GAIN"),
    "W003": ("STAFF", 2, 0, "3870.48", "3520.48", "350.00", "0.00", "0.00", "3870.48", "0.00", "0.00", "3870.48",
             "SAME"),
    "W004": ("STAFF", 6, 17, "5200.00", "4291.63", "0.00", "0.00", "340.00", "4631.63", "-568.37", "568.37",
             "5200.00", "LOSS"),
    "W005": ("CHIEF", 16, 24, "15000.00", "7040.95", "500.00", "300.00", "480.00", "8320.95", "-6679.05", "6679.05",
             "15000.00", "LOSS"),
    "W006": ("DEPUTY", 7, 10, None, "4526.33", "200.00", "0.00", "200.00", "4926.33", None, "0.00", "4926.33",
             "NO_PREVIOUS"),
}
FIELDS = ("post", "grade", "countedYears", "previousMonthlyPay", "gradePay", "educationAllowance",
          "certificateAllowance", "tenureAllowance", "standardWage", "difference", "protectionAllowance",
          "newMonthlyPay", "outcome")




def set_previous_pay(gql: GraphQLClient, city: City, code: str, amount: str) -> None:
    worker_id = city.workers[code]
    version = gql.data('query($id: ID!) { worker(id: $id) { version } }', {"id": worker_id})["worker"]["version"]
    gql.mutate(UPDATE_WORKER, {"input": {"id": worker_id, "version": version, "previousMonthlyPay": amount}})


def conversion(gql: GraphQLClient, period: str = "2026-08", scope: dict | None = None, outcome: str | None = None,
               order: str = "WORKER", after: str | None = None) -> dict:
    return gql.data(CONVERSION, {"period": period, "scope": scope, "outcome": outcome, "order": order,
                                 "after": after})["conversion"]


def all_workers(gql: GraphQLClient, **kwargs) -> list[dict]:
    nodes, after = [], None
    while True:
        page = conversion(gql, after=after, **kwargs)["workers"]
        nodes += page["nodes"]
        if not page["pageInfo"]["hasNextPage"]:
            return nodes
        after = page["pageInfo"]["endCursor"]


def prepare(gql: GraphQLClient, city: City) -> None:
    set_previous_pay(gql, city, "W002", "4500.00")
    set_previous_pay(gql, city, "W003", "3870.48")


def test_each_workers_old_and_new_pay_and_protection(gql, city: City):
    prepare(gql, city)
    report = conversion(gql)
    assert report["period"] == "2026-08" and report["policyEffectiveFrom"] == "2026-01-01"
    assert report["protectsPreviousPay"] is True
    workers = all_workers(gql)
    assert [w["code"] for w in workers] == ["W001", "W002", "W003", "W004", "W005", "W006"]
    for w in workers:
        assert tuple(w[f] for f in FIELDS) == EXPECTED[w["code"]], w["code"]
        assert w["worker"]["code"] == w["code"]
    titles = {w["code"]: w["postTitle"] for w in workers}
    assert titles["W005"] == "正职（书记、主任）" and titles["W003"] == "其他社区工作者"
    assert {w["code"]: w["community"]["code"] for w in workers} == {
        "W001": "C01", "W002": "C01", "W003": "C01", "W004": "C01", "W005": "C02", "W006": "C02"}


def test_totals_by_community_street_and_scope(gql, city: City):
    prepare(gql, city)
    report = conversion(gql)
    # C01: W001–W004; C02: W005, W006; both in 颍川街道 (S1). C03 (S2) has nobody.
    c01, c02 = report["communities"]
    assert c01["community"]["code"] == "C01" and c02["community"]["code"] == "C02"
    assert c01["totals"] == {
        "workers": 4, "withPreviousPay": 3,
        "previousPay": "13570.48",  # 4500.00 + 3870.48 + 5200.00
        "standardWage": "19385.92",  # 6212.18 + 4671.63 + 3870.48 + 4631.63
        "difference": "-396.74",  # 171.63 + 0 − 568.37
        "protectionAllowance": "568.37",
        "newMonthlyPay": "19954.29",  # 19385.92 + 568.37
        "gainers": 1, "losers": 1, "unchanged": 1, "noPreviousPay": 1,
    }
    assert c02["totals"] == {
        "workers": 2, "withPreviousPay": 1, "previousPay": "15000.00", "standardWage": "13247.28",
        "difference": "-6679.05", "protectionAllowance": "6679.05", "newMonthlyPay": "19926.33",
        "gainers": 0, "losers": 1, "unchanged": 0, "noPreviousPay": 1,
    }
    assert report["streets"] == [{"street": {"code": "S1"}, "community": None, "totals": {
        "workers": 6, "previousPay": "28570.48", "difference": "-7075.79", "protectionAllowance": "7247.42"}}]
    assert report["totals"] == {
        "workers": 6, "withPreviousPay": 4, "previousPay": "28570.48",
        "standardWageCompared": "21494.69",  # 4671.63 + 3870.48 + 4631.63 + 8320.95
        "standardWage": "32633.20", "difference": "-7075.79", "protectionAllowance": "7247.42",
        "newMonthlyPay": "39880.62", "gainers": 1, "losers": 2, "unchanged": 1, "noPreviousPay": 2,
    }


def test_who_gains_and_who_loses(gql, city: City):
    prepare(gql, city)
    losers = conversion(gql, outcome="LOSS")["workers"]
    assert losers["totalCount"] == 2 and [w["code"] for w in losers["nodes"]] == ["W004", "W005"]
    assert [w["code"] for w in conversion(gql, outcome="GAIN")["workers"]["nodes"]] == ["W002"]
    # Largest losses first; workers without previous pay last.
    assert [w["code"] for w in all_workers(gql, order="DIFFERENCE")] == ["W005", "W004", "W003", "W002", "W001", "W006"]
    assert [w["code"] for w in all_workers(gql, order="DIFFERENCE_DESC")][:4] == ["W002", "W003", "W004", "W005"]


def test_pages_follow_the_cursor(gql, city: City):
    first = conversion(gql)["workers"]
    assert first["pageInfo"]["hasNextPage"] is True and len(first["nodes"]) == 4
    second = conversion(gql, after=first["pageInfo"]["endCursor"])["workers"]
    assert [w["code"] for w in second["nodes"]] == ["W005", "W006"]
    assert second["pageInfo"]["hasNextPage"] is False
    # (No fields with loaders beside the failing one: GraphQL would leave them running after the error.)
    body = gql.post('{ conversion(period: "2026-08") { workers(after: "bm90LWEtY3Vyc29y") { totalCount } } }')
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert body["errors"][0]["message"] == ("after：'bm90LWEtY3Vyc29y' 不是本列表的游标 / after: 'bm90LWEtY3Vyc29y' is "
                                            "not a cursor of this list")


def test_without_protection_the_loss_stays(gql, city: City):
    """A version from 2026-09 that does not protect previous pay."""
    text = EXAMPLE_POLICY.read_text(encoding="utf-8")
    second = text.index("  - effective_from: 2026-01-01")
    version = text[second:].replace("effective_from: 2026-01-01", "effective_from: 2026-09-01").replace(
        "protect_previous_pay: true", "protect_previous_pay: false")
    gql.mutate("""mutation($d: String!) { importPolicy(input: {document: $d}) { errors { message } } }""",
               {"d": text.rstrip() + "\n\n" + version})
    report = conversion(gql, period="2026-09", outcome="LOSS")
    assert report["protectsPreviousPay"] is False and report["policyEffectiveFrom"] == "2026-09-01"
    w005 = report["workers"]["nodes"][0]
    # September: 25 years → tenure 500.00; standard 7040.95 + 500 + 300 + 500 = 8340.95.
    assert (w005["code"], w005["standardWage"], w005["difference"], w005["protectionAllowance"],
            w005["newMonthlyPay"]) == ("W005", "8340.95", "-6659.05", "0.00", "8340.95")
    assert report["totals"]["protectionAllowance"] == "0.00"


def test_conversion_respects_the_token_scope(gql, city: City, tokens: Tokens):
    other = gql.as_(tokens.hr_other)
    body = other.post(CONVERSION, {"period": "2026-08", "order": "WORKER", "scope": {"streetId": city.streets["S1"]}})
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    # Without a scope an HR token sees its own communities: 韩城街道 has nobody.
    assert conversion(other)["totals"]["workers"] == 0
    assert conversion(gql.as_(tokens.hr))["totals"]["workers"] == 6
    assert conversion(gql, scope={"communityId": city.communities["C02"]})["totals"]["workers"] == 2


def test_conversion_spreadsheet(client, gql, city: City, tokens: Tokens):
    prepare(gql, city)
    report = conversion(gql, scope={"streetId": city.streets["S1"]})
    assert report["xlsx"] == "/exports/conversion.xlsx?period=2026-08&streetId=Street%3A1"
    response = get(client, report["xlsx"], tokens.hr)
    assert response.status_code == 200
    assert response.headers["content-disposition"] == 'attachment; filename="conversion-2026-08.xlsx"'
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["套改明细", "汇总"]
    rows = [list(r) for r in book["套改明细"].iter_rows(values_only=True)]
    assert rows[0][0] == "工资套改测算 2026-08 · 颍川街道 · 政策版本 2026-01-01（保留补差：是）"
    assert rows[1] == ["街道", "社区", "工号", "姓名", "岗位", "等级", "工龄", "套改前月工资", "岗位等级工资", "学历津贴",
                       "职业资格津贴", "任期补贴", "新标准工资", "差额", "保留补差", "套改后月工资", "结果"]
    labels = {"GAIN": "增资", "LOSS": "减资", "SAME": "持平", "NO_PREVIOUS": "无套改前工资"}
    detail = {r[2]: r for r in rows[2:] if r[2] in EXPECTED}
    assert list(detail) == ["W001", "W002", "W003", "W004", "W005", "W006"]
    for code, e in EXPECTED.items():
        r = detail[code]
        assert r[5:7] == [e[1], e[2]]
        money = [None if v is None else yuan(v) for v in r[7:16]]
        assert money == [None if v is None else Decimal(v) for v in (e[3], *e[4:12])], code
        assert r[16] == labels[e[12]]
    subtotal = next(r for r in rows if r[0] == "红星社区 小计")
    assert subtotal[3] == "4 人"
    assert [yuan(subtotal[i]) for i in (7, 12, 13, 14, 15)] == [
        Decimal("13570.48"), Decimal("19385.92"), Decimal("-396.74"), Decimal("568.37"), Decimal("19954.29")]
    assert subtotal[16] == "增资 1 · 减资 1 · 持平 1 · 无原工资 1"
    total = rows[-1]
    assert total[0] == "总计" and total[3] == "6 人" and yuan(total[15]) == Decimal("39880.62")
    summary = [list(r) for r in book["汇总"].iter_rows(values_only=True)]
    assert summary[2][:4] == ["颍川街道", "红星社区", 4, 3]
    assert summary[-1][0] == "总计" and summary[-1][2:4] == [6, 4] and summary[-1][9:] == [1, 2, 1, 2]
    assert [yuan(v) for v in summary[-1][4:9]] == [Decimal("28570.48"), Decimal("21494.69"), Decimal("-7075.79"),
                                                   Decimal("7247.42"), Decimal("39880.62")]
    # Outside the token's scope: refused.
    assert get(client, report["xlsx"], tokens.hr_other).status_code == 404
    assert get(client, "/exports/conversion.xlsx", tokens.hr).status_code == 400
