"""A realistic demo city (and a generator of province-sized data for benchmarks).

``community-payroll demo`` fills the configured database with the example
policy, about 6 streets, 60 communities and 800 workers of every post,
education and certificate — with valid identity numbers, phones and bank
accounts, positions and titles, assessments, some leavers and new hires —
and payroll runs for every month of the current year up to last month.

With ``--jurisdictions N`` the streets are shared among N jurisdictions
(许昌市, 三门峡市, 禹州市 …), each with its own policy: the example's rules
with its own published disposable income, and its own runs.

The same generator scales: ``--workers 1000000 --jurisdictions 100`` writes
a province with bulk inserts (and, with ``--runs 0``, no payroll runs) for
the benchmarks.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from importlib import resources

import numpy as np
import peewee as pw
import yaml

from payroll import codes
from payroll.money import div_half_up, format_fen, parse_fen
from payroll.periods import NO_END_DAY, Period, date_of, day_number
from payroll.synthetic import synthetic_arrays

from api.access.principal import SYSTEM, Principal
from api.db.bulk import bulk_insert
from api.db.database import database
from api.db.models import (
    DEFAULT_JURISDICTION_ID,
    Assessment,
    AuditEntry,
    Community,
    Jurisdiction,
    PayrollRun,
    Position,
    Street,
    Worker,
    utcnow,
)
from api.services.identity import check_character
from api.services.payroll import approve_run, create_run, mark_run_paid
from api.services.policies import store_policy

STREET_NAMES = ["颍川街道", "夏都街道", "韩城街道", "钧台街道", "禹王街道", "颍滨街道", "花园街道", "人民街道", "文化街道", "解放街道"]
COMMUNITY_WORDS = ["红星", "商贸", "寨子", "建设", "光明", "东关", "西关", "南关", "北关", "新华", "胜利", "和平", "幸福", "团结",
                   "朝阳", "育才", "滨河", "花园", "健康", "府前", "文昌", "康庄", "兴业", "富民", "银河", "桃园", "梨园", "书院",
                   "新城", "锦绣"]
SURNAMES = list("王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段钱汤尹黎易常武乔贺赖龚文")
GIVEN = list("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬鹏辉宇浩凯健俊帆帅旭宁欣悦琳晨曦瑶婷雪梅")
BANKS = ["中国工商银行", "中国农业银行", "中国建设银行", "中国银行", "中原银行", "河南省农村信用社"]
REGION = "411081"  # 禹州市
TITLES = {"CHIEF": ["党组织书记、居委会主任"], "DEPUTY": ["党组织副书记", "居委会副主任"], "STAFF": ["网格员", "社区专职工作者"]}


#: Above this many workers the generator writes benchmark data for a province:
#: no identity numbers (drawing unique ones costs minutes), staff stored community by community.
PROVINCE_SCALE = 100_000

#: The demo's jurisdictions (河南省): 行政区划代码, name, level, parent's code,
#: and their disposable income as a share of the example's (per cent).
JURISDICTIONS = [
    ("411000", "许昌市", "CITY", None, 100),
    ("411200", "三门峡市", "CITY", None, 96),
    ("411081", "禹州市", "COUNTY", "411000", 91),
]


@dataclass
class DemoSummary:
    streets: int
    communities: int
    workers: int
    runs: int
    jurisdictions: int = 1


def _example_policy_text() -> str:
    return (resources.files("payroll") / "data" / "policy-example.yaml").read_text(encoding="utf-8")


def _jurisdictions(count: int) -> list[tuple[str, str, str, str | None, int]]:
    """The demo's jurisdictions; beyond the named three, numbered cities of a province."""
    named = JURISDICTIONS[:count]
    # Synthetic 6-digit codes 419001, 419002, … (never a named one's, which
    # the earlier 4{100 + i}00 scheme hit at i = 10: 411000 is 许昌市).
    extra = [(f"{419001 + i}", f"第{i + 1}市", "CITY", None, 85 + (i * 7) % 20) for i in range(count - len(named))]
    return named + extra


def _policy_text(name: str, code: str, percent: int) -> str:
    """The example policy as a jurisdiction's own: its id and title, and each
    version's disposable income scaled to ``percent`` (to the fen, half up)."""
    document = yaml.safe_load(_example_policy_text())
    document["id"] = f"{document['id']}-{code}"
    document["title"] = f"{name}城市社区工作者薪酬办法（示例）"
    for version in document["versions"]:
        fen = div_half_up(parse_fen(version["base_income_annual"]) * percent, 100)
        version["base_income_annual"] = format_fen(fen)
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False)


def _id_number(rng: np.random.Generator, birth: dt.date, sex: str, used: set[str]) -> str:
    """A valid identity number not used yet (the sequence is tried until free)."""
    start = int(rng.integers(0, 500))
    for step in range(500):
        sequence = ((start + step) % 500) * 2 + (1 if sex == "M" else 0)
        first17 = f"{REGION}{birth:%Y%m%d}{sequence:03d}"
        if first17 not in used:
            used.add(first17)
            return first17 + check_character(first17)
    raise ValueError(f"出生日期 {birth} 已没有可用的身份证号 / no identity number left for {birth}")


def load_demo(
    workers: int = 800,
    streets: int = 6,
    communities: int = 60,
    today: dt.date | None = None,
    runs: bool = True,
    seed: int = 2026,
    principal: Principal = SYSTEM,
    jurisdictions: int = 1,
) -> DemoSummary:
    """Fill an empty database with the demo city (or ``jurisdictions`` cities
    and counties, each with its own policy); refuses a database with data."""
    today = today or dt.date.today()
    rng = np.random.default_rng(seed)
    if Street.select().exists():
        raise ValueError("数据库已有街道：演示城市只能载入空库 / the database already has streets; the demo loads only "
                         "into an empty database")
    if not 1 <= jurisdictions <= min(streets, 999):
        raise ValueError(f"辖区数须在 1 至街道数 {streets} 之间 / jurisdictions must be from 1 to the number of streets "
                         f"({streets})")
    homes = _load_jurisdictions(principal, jurisdictions)
    from api.reads.policies import policy_from_record

    policy = policy_from_record(homes[0][1])
    year = today.year
    with database.atomic():
        street_rows = [{"code": f"S{i + 1:02d}" if streets < 100 else f"S{i + 1:04d}",
                        "name": STREET_NAMES[i % len(STREET_NAMES)] + (f"{i // 10 + 1}" if i >= 10 else ""),
                        "jurisdiction": homes[i % len(homes)][0]}
                       for i in range(streets)]
        Street.insert_many(street_rows).execute()
        street_ids = [s.id for s in Street.select(Street.id).order_by(Street.code)]
        community_rows = []
        for i in range(communities):
            households = int(rng.integers(900, 4500))
            community_rows.append({
                "code": f"C{i + 1:03d}",
                "name": COMMUNITY_WORDS[i % len(COMMUNITY_WORDS)] + "社区" + (f"{i // len(COMMUNITY_WORDS) + 1}" if i >= len(COMMUNITY_WORDS) else ""),
                "street": street_ids[i % len(street_ids)],
                "households": households,
                "population": int(households * rng.uniform(2.6, 3.3)),
            })
        for chunk in pw.chunked(community_rows, 500):
            Community.insert_many(chunk).execute()
        community_ids = np.array([c.id for c in Community.select(Community.id).order_by(Community.code)], dtype=np.int64)
        _insert_workers(rng, workers, community_ids, policy.post_keys, year, today)
        _insert_positions(community_ids)
        _insert_assessments(rng, year)
        AuditEntry.create(actor=principal.name, role=principal.role.value, operation="loadDemo", record_type="Database",
                          record_id="demo", after=json.dumps({"streets": streets, "communities": communities,
                                                              "workers": workers}))
    run_count = 0
    if runs:
        for month in range(1, today.month):
            for jurisdiction_id, _ in homes:
                run = create_run(principal, Period(year, month), None, None,
                                 jurisdiction_id if len(homes) > 1 else None)
                approve_run(principal, run.id)
                if month < today.month - 1:
                    mark_run_paid(principal, run.id)
                run_count += 1
    return DemoSummary(streets, communities, workers, run_count, jurisdictions)


def _load_jurisdictions(principal: Principal, count: int) -> list[tuple[int, object]]:
    """The jurisdictions (the first is jurisdiction 1, renamed) with their own
    active policies: (id, policy record) each."""
    if count == 1:
        return [(DEFAULT_JURISDICTION_ID, store_policy(principal, _example_policy_text(), activate=True))]
    ids: dict[str, int] = {}
    out = []
    for i, (code, name, level, parent, percent) in enumerate(_jurisdictions(count)):
        values = {"code": code, "name": name, "level": level, "parent": ids.get(parent) if parent else None}
        if i == 0:
            Jurisdiction.update(**values).where(Jurisdiction.id == DEFAULT_JURISDICTION_ID).execute()
            ids[code] = DEFAULT_JURISDICTION_ID
        else:
            ids[code] = Jurisdiction.create(**values).id
        record = store_policy(principal, _policy_text(name, code, percent), activate=True, jurisdiction_id=ids[code])
        out.append((ids[code], record))
    return out


def _insert_workers(rng, n: int, community_ids: np.ndarray, post_keys, year: int, today: dt.date) -> None:
    """Workers with realistic mixes; each community gets a chief and deputies first."""
    a = synthetic_arrays(n, post_keys, year, seed=int(rng.integers(0, 2**31)))
    k = len(community_ids)
    community = np.empty(n, dtype=np.int64)
    post_index = {key: i for i, key in enumerate(post_keys)}
    # One chief and one or two deputies per community, the rest staff spread evenly.
    posts = np.full(n, post_index.get("STAFF", len(post_keys) - 1), dtype=np.int64)
    i = 0
    for c in range(k):
        if i < n:
            posts[i], community[i] = post_index.get("CHIEF", 0), community_ids[c]
            i += 1
        for _ in range(1 + (c % 2)):
            if i < n:
                posts[i], community[i] = post_index.get("DEPUTY", 0), community_ids[c]
                i += 1
    rest = np.arange(n - i)
    if n > PROVINCE_SCALE:
        # A province's rosters are imported community by community: each
        # community's staff are stored together (consecutive ids), which is
        # what a run over one jurisdiction reads.  Dealt out one by one, a
        # jurisdiction's 10,000 workers sat on 10,000 different pages.
        community[i:] = community_ids[rest * k // max(n - i, 1)]
    else:
        community[i:] = community_ids[rest % k]
    a["post"] = posts
    # Service ends only in the past or up to today; hires no later than today.
    today_day = day_number(today)
    a["start_day"] = np.minimum(a["start_day"], today_day)
    ends = a["end_day"]
    leaving = ends != NO_END_DAY
    ends[leaving] = np.clip(ends[leaving], a["start_day"][leaving], today_day)
    a["certificate_day"] = np.where(a["certificate"] > 0, np.minimum(a["certificate_day"], today_day), a["certificate_day"])
    previous = a["previous_pay"]
    # Personal details drawn for everyone at once.
    ages = rng.integers(24, 58, size=n)
    months = rng.integers(1, 13, size=n)
    days = rng.integers(1, 29, size=n)
    male = rng.random(n) < 0.45
    surnames = rng.integers(0, len(SURNAMES), size=n)
    given1 = rng.integers(0, len(GIVEN), size=n)
    given2 = rng.integers(-len(GIVEN), len(GIVEN), size=n)  # negative: a one-character given name
    banks = rng.integers(0, len(BANKS), size=n)
    phone_prefix = rng.choice(["35", "38", "39", "52", "58", "87", "89"], size=n)
    phone_digits = rng.integers(0, 10**8, size=n)
    account_digits = rng.integers(0, 10**15, size=n)
    rows = []
    used_numbers: set[str] = set()
    now = utcnow()
    for j in range(n):
        birth = dt.date(year - int(ages[j]), int(months[j]), int(days[j]))
        sex = "M" if male[j] else "F"
        certificate = codes.CERTIFICATE[a["certificate"][j]]
        name = SURNAMES[surnames[j]] + GIVEN[given1[j]] + (GIVEN[given2[j]] if given2[j] >= 0 else "")
        rows.append({
            "code": f"W{j + 1:06d}" if n < 1_000_000 else f"W{j + 1:07d}",
            "name": name,
            "id_number": _id_number(rng, birth, sex, used_numbers) if n <= PROVINCE_SCALE else None,
            "birth_date": birth,
            "sex": sex,
            "phone": f"1{phone_prefix[j]}{phone_digits[j]:08d}",
            "bank_name": BANKS[banks[j]],
            "bank_account": f"6228{account_digits[j]:015d}",
            "community": int(community[j]),
            "post": post_keys[a["post"][j]],
            "service_start": date_of(a["start_day"][j]),
            "service_end": None if a["end_day"][j] == NO_END_DAY else date_of(a["end_day"][j]),
            "prior_service_years": int(a["prior"][j]),
            "incompetent_years_before": int(a["incompetent"][j]),
            "education": codes.EDUCATION[a["education"][j]],
            "certificate": certificate,
            "certificate_date": None if certificate == "NONE" else date_of(a["certificate_day"][j]),
            "special_deduction_monthly": int(a["special_deduction"][j]),
            "previous_monthly_pay": int(previous[j]) if previous[j] else None,
            "version": 1,
            "created_at": now,
            "updated_at": now,
        })
    fields = list(rows[0])
    bulk_insert(Worker, fields, (tuple(row[f] for f in fields) for row in rows))


def _insert_positions(community_ids: np.ndarray) -> None:
    rows = []
    for worker_id, community_id, post in Worker.select(Worker.id, Worker.community, Worker.post).order_by(Worker.id).tuples():
        titles = TITLES.get(post, ["社区工作者"])
        rows.append({"community": community_id, "worker": worker_id, "post": post, "title": titles[worker_id % len(titles)]})
    # A few vacant positions, for the staffing pages.
    for c in community_ids[::7].tolist():
        rows.append({"community": c, "worker": None, "post": "STAFF", "title": "网格员（空缺）"})
    now = utcnow()
    bulk_insert(Position, ["community", "worker", "post", "title", "version", "created_at", "updated_at"],
                ((r["community"], r["worker"], r["post"], r["title"], 1, now, now) for r in rows))


def _insert_assessments(rng, year: int) -> None:
    ids = [w for (w,) in Worker.select(Worker.id).tuples()]
    shares = (0.15, 0.76, 0.07, 0.02)
    last_year = rng.choice(len(codes.ASSESSMENT), size=len(ids), p=shares)
    this_year = rng.choice(len(codes.ASSESSMENT), size=len(ids), p=shares)
    recorded = rng.random(len(ids)) < 0.6  # this year's assessments are partly recorded
    now = utcnow()
    rows = [(worker_id, year - 1, codes.ASSESSMENT[last_year[i]], now) for i, worker_id in enumerate(ids)]
    rows += [(worker_id, year, codes.ASSESSMENT[this_year[i]], now) for i, worker_id in enumerate(ids) if recorded[i]]
    bulk_insert(Assessment, ["worker", "year", "result", "recorded_at"], rows)


def database_is_empty() -> bool:
    return not Street.select().exists() and not PayrollRun.select().exists()

