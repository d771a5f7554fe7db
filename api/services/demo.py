"""A realistic demo city (and a generator of province-sized data for benchmarks).

``community-payroll demo`` fills the configured database with the example
policy, about 6 streets, 60 communities and 800 workers of every post,
education and certificate — with valid identity numbers, phones and bank
accounts, positions and titles, assessments, some leavers and new hires —
and payroll runs for every month of the current year up to last month.

The same generator scales: ``--workers 1000000`` writes a province with bulk
inserts (and, with ``--runs 0``, no payroll runs) for the benchmarks.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from importlib import resources

import numpy as np
import peewee as pw

from payroll import codes
from payroll.periods import NO_END_DAY, Period, date_of, day_number
from payroll.synthetic import synthetic_arrays

from ..auth import SYSTEM, Principal
from ..db.database import database, is_postgres
from ..db.models import Assessment, AuditEntry, Community, PayrollRun, Position, Street, Worker, utcnow
from .identity import check_character
from .payroll import approve_run, create_run, mark_run_paid
from .policies import store_policy

STREET_NAMES = ["颍川街道", "夏都街道", "韩城街道", "钧台街道", "禹王街道", "颍滨街道", "花园街道", "人民街道", "文化街道", "解放街道"]
COMMUNITY_WORDS = ["红星", "商贸", "寨子", "建设", "光明", "东关", "西关", "南关", "北关", "新华", "胜利", "和平", "幸福", "团结",
                   "朝阳", "育才", "滨河", "花园", "健康", "府前", "文昌", "康庄", "兴业", "富民", "银河", "桃园", "梨园", "书院",
                   "新城", "锦绣"]
SURNAMES = list("王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段钱汤尹黎易常武乔贺赖龚文")
GIVEN = list("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬鹏辉宇浩凯健俊帆帅旭宁欣悦琳晨曦瑶婷雪梅")
BANKS = ["中国工商银行", "中国农业银行", "中国建设银行", "中国银行", "中原银行", "河南省农村信用社"]
REGION = "411081"  # 禹州市
TITLES = {"CHIEF": ["党组织书记、居委会主任"], "DEPUTY": ["党组织副书记", "居委会副主任"], "STAFF": ["网格员", "社区专职工作者"]}


@dataclass
class DemoSummary:
    streets: int
    communities: int
    workers: int
    runs: int


def _example_policy_text() -> str:
    return (resources.files("payroll") / "data" / "policy-example.yaml").read_text(encoding="utf-8")


def _name(rng: np.random.Generator) -> str:
    given = "".join(rng.choice(GIVEN, size=int(rng.integers(1, 3))))
    return str(rng.choice(SURNAMES)) + given


def _id_number(rng: np.random.Generator, birth: dt.date, sex: str) -> str:
    sequence = int(rng.integers(0, 500)) * 2 + (1 if sex == "M" else 0)
    first17 = f"{REGION}{birth:%Y%m%d}{sequence:03d}"
    return first17 + check_character(first17)


def _bank_account(rng: np.random.Generator) -> str:
    return "6228" + "".join(str(d) for d in rng.integers(0, 10, size=15))


def _phone(rng: np.random.Generator) -> str:
    return "1" + str(rng.choice(["35", "38", "39", "52", "58", "87", "89"])) + "".join(str(d) for d in rng.integers(0, 10, size=8))


def load_demo(
    workers: int = 800,
    streets: int = 6,
    communities: int = 60,
    today: dt.date | None = None,
    runs: bool = True,
    seed: int = 2026,
    principal: Principal = SYSTEM,
) -> DemoSummary:
    """Fill an empty database with the demo city; refuses a database with data."""
    today = today or dt.date.today()
    rng = np.random.default_rng(seed)
    if Street.select().exists():
        raise ValueError("the database already has streets; the demo loads only into an empty database")
    record = store_policy(principal, _example_policy_text(), activate=True)
    from .policies import policy_from_record

    policy = policy_from_record(record)
    year = today.year
    with database.atomic():
        street_rows = [{"code": f"S{i + 1:02d}", "name": STREET_NAMES[i % len(STREET_NAMES)] + (f"{i // 10 + 1}" if i >= 10 else "")}
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
            run = create_run(principal, Period(year, month), None, None)
            approve_run(principal, run.id)
            if month < today.month - 1:
                mark_run_paid(principal, run.id)
            run_count += 1
    return DemoSummary(streets, communities, workers, run_count)


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
    community[i:] = community_ids[np.arange(n - i) % k]
    a["post"] = posts
    # Service ends only in the past or up to today; hires no later than today.
    today_day = day_number(today)
    a["start_day"] = np.minimum(a["start_day"], today_day)
    ends = a["end_day"]
    leaving = ends != NO_END_DAY
    ends[leaving] = np.clip(ends[leaving], a["start_day"][leaving], today_day)
    a["certificate_day"] = np.where(a["certificate"] > 0, np.minimum(a["certificate_day"], today_day), a["certificate_day"])
    previous = a["previous_pay"]
    rows = []
    now = utcnow()
    for j in range(n):
        age = int(rng.integers(24, 58))
        birth = dt.date(year - age, int(rng.integers(1, 13)), int(rng.integers(1, 29)))
        sex = "M" if rng.random() < 0.45 else "F"
        certificate = codes.CERTIFICATE[a["certificate"][j]]
        rows.append({
            "code": f"W{j + 1:06d}" if n < 1_000_000 else f"W{j + 1:07d}",
            "name": _name(rng),
            "id_number": _id_number(rng, birth, sex) if n <= 100_000 else None,
            "birth_date": birth,
            "sex": sex,
            "phone": _phone(rng),
            "bank_name": str(rng.choice(BANKS)),
            "bank_account": _bank_account(rng),
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
            "created_at": now,
            "updated_at": now,
        })
    batch = 5000 if is_postgres() else max(1, 30000 // len(rows[0]))
    for chunk in pw.chunked(rows, batch):
        Worker.insert_many(chunk).execute()


def _insert_positions(community_ids: np.ndarray) -> None:
    rows = []
    for worker_id, community_id, post in Worker.select(Worker.id, Worker.community, Worker.post).order_by(Worker.id).tuples():
        titles = TITLES.get(post, ["社区工作者"])
        rows.append({"community": community_id, "worker": worker_id, "post": post, "title": titles[worker_id % len(titles)]})
    # A few vacant positions, for the staffing pages.
    for c in community_ids[::7].tolist():
        rows.append({"community": c, "worker": None, "post": "STAFF", "title": "网格员（空缺）"})
    for chunk in pw.chunked(rows, 2000):
        Position.insert_many(chunk).execute()


def _insert_assessments(rng, year: int) -> None:
    ids = [w for (w,) in Worker.select(Worker.id).tuples()]
    shares = (0.15, 0.76, 0.07, 0.02)
    rows = []
    for worker_id in ids:
        rows.append({"worker": worker_id, "year": year - 1, "result": str(rng.choice(codes.ASSESSMENT, p=shares))})
        if rng.random() < 0.6:
            rows.append({"worker": worker_id, "year": year, "result": str(rng.choice(codes.ASSESSMENT, p=shares))})
    for chunk in pw.chunked(rows, 5000):
        Assessment.insert_many(chunk).execute()


def database_is_empty() -> bool:
    return not Street.select().exists() and not PayrollRun.select().exists()

