"""The lists of records as connections, shared by the root fields and the
nested ones (a street's communities, a community's workers …)."""

from __future__ import annotations

from typing import Any

from strawberry.types import Info

from api.db.threads import run_db
from api.fastpath.pages import PageArgs
from api.graphql.core.connection import Connection, paginate
from api.graphql.core.ids import optional_global_id
from api.graphql.core.types import ordering
from api.reads import payroll as payroll_reads
from api.reads import records as reads


def _code_and_name(where: Any) -> dict[str, str | None]:
    """The ``code`` and ``nameContains`` filters every list of records takes."""
    return {"code": where.code if where else None, "name_contains": where.name_contains if where else None}


async def streets(info: Info, first, after, last, before, where: Any, order_by: Any,
                  jurisdiction_pk: int | None = None) -> Connection[Any]:
    listing = reads.streets(
        info.context.principal,
        **_code_and_name(where),
        jurisdiction_pk=optional_global_id(where and where.jurisdiction_id, "Jurisdiction", "where.jurisdictionId"),
        within_jurisdiction=jurisdiction_pk,
        order=ordering(order_by),
    )
    return await paginate(listing, PageArgs(first, after, last, before), info)


async def communities(info: Info, first, after, last, before, where: Any, order_by: Any,
                      street_pk: int | None = None) -> Connection[Any]:
    listing = reads.communities(
        info.context.principal,
        **_code_and_name(where),
        street_pk=optional_global_id(where and where.street_id, "Street", "where.streetId"),
        within_street=street_pk,
        order=ordering(order_by),
    )
    return await paginate(listing, PageArgs(first, after, last, before), info)


async def workers(info: Info, first, after, last, before, where: Any, order_by: Any,
                  community_pk: int | None = None) -> Connection[Any]:
    principal = info.context.principal
    listing = reads.workers(
        principal,
        code=where.code if where else None,
        search=where.search if where else None,
        community_pk=optional_global_id(where and where.community_id, "Community", "where.communityId"),
        street_pk=optional_global_id(where and where.street_id, "Street", "where.streetId"),
        post=await run_db(reads.post_filter, where.post) if where and where.post else None,
        education=where.education.value if where and where.education else None,
        certificate=where.certificate.value if where and where.certificate else None,
        active_on=where.active_on if where else None,
        order=ordering(order_by),
        within_community=community_pk,
    )
    return await paginate(listing, PageArgs(first, after, last, before), info)


async def positions(info: Info, first, after, last, before, where: Any) -> Connection[Any]:
    listing = reads.positions(
        info.context.principal,
        community_pk=optional_global_id(where and where.community_id, "Community", "where.communityId"),
        street_pk=optional_global_id(where and where.street_id, "Street", "where.streetId"),
        post=await run_db(reads.post_filter, where.post) if where and where.post else None,
        vacant=where.vacant if where else None,
    )
    return await paginate(listing, PageArgs(first, after, last, before), info)


async def worker_payslips(info: Info, first, after, last, before, order_by: Any, worker_pk: int) -> Connection[Any]:
    listing = payroll_reads.payslips(info.context.principal, worker_pk=worker_pk, order=ordering(order_by),
                                     newest_first=True)
    return await paginate(listing, PageArgs(first, after, last, before), info)
