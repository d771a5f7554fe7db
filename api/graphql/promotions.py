"""下次晋级 A worker's next promotion (the ``Worker.nextPromotion`` field)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import strawberry
from strawberry.dataloader import DataLoader

from api.db.threads import run_db
from api.services.promotions import next_promotions
from api.graphql.core.loaders import register_loader
from api.graphql.core.scalars import Period


@strawberry.type(description="下次晋级：何时升到哪一级 / A worker's next promotion: when the next grade comes, and which.")
class Promotion:
    date: dt.date = strawberry.field(description="晋级生效日（该月起按新等级计薪）/ First day of the first month paid at "
                                                 "the new grade.")
    period: Period = strawberry.field(description="晋级月份 / The month of the new grade.")
    grade: int = strawberry.field(description="新等级 / The new grade.")
    current_grade: int = strawberry.field(description="当前等级（所查日期当月）/ The grade in the month of the day asked "
                                                      "about.")


@register_loader("next_promotion")
def _next_promotion_loader(principal) -> DataLoader[tuple[int, dt.date], Promotion | None]:
    """Keys are (worker id, day); one engine pass per distinct day in a batch."""

    def fetch(keys: list[tuple[int, dt.date]]) -> list[Promotion | None]:
        by_day: dict[dt.date, list[int]] = defaultdict(list)
        for worker_id, day in keys:
            by_day[day].append(worker_id)
        found = {}
        for day, worker_ids in by_day.items():
            for worker_id, promotion in next_promotions(worker_ids, day).items():
                found[(worker_id, day)] = None if promotion is None else Promotion(
                    date=promotion.date, period=promotion.period, grade=promotion.grade,
                    current_grade=promotion.current_grade)
        return [found.get(key) for key in keys]

    async def load(keys: list[tuple[int, dt.date]]) -> list[Promotion | None]:
        return await run_db(fetch, list(keys))

    return DataLoader(load_fn=load)
