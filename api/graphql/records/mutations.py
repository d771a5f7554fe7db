"""Mutations of the records.  Each checks its permission beside it, runs the
service in one transaction and reads the saved record back through the read
layer, as the caller may see it."""

from __future__ import annotations

import enum
from typing import Any

import strawberry
from strawberry.types import Info

from api.access.permissions import Permission
from api.errors import ErrorCode, UserErrors
from api.graphql.core.ids import input_global_id
from api.graphql.core.mutations import provided, run_mutation
from api.graphql.core.permissions import needs
from api.graphql.core.types import Input
from api.graphql.records.inputs import (
    JURISDICTION_CLEARABLE,
    POSITION_CLEARABLE,
    WORKER_CLEARABLE,
    CreateCommunityInput,
    CreateJurisdictionInput,
    CreatePositionInput,
    CreateStreetInput,
    CreateWorkerInput,
    EndWorkerServiceInput,
    RecordAssessmentsInput,
    UpdateCommunityInput,
    UpdateJurisdictionInput,
    UpdatePositionInput,
    UpdateStreetInput,
    UpdateWorkerInput,
)
from api.graphql.records.types import (
    Community,
    CommunityPayload,
    Jurisdiction,
    JurisdictionPayload,
    Position,
    PositionPayload,
    RecordAssessmentsPayload,
    Street,
    StreetPayload,
    Worker,
    WorkerPayload,
)
from api.reads import records as reads
from api.services import records

EDIT = [needs(Permission.EDIT_RECORDS)]


def _worker_values(data: Any, *exclude: str) -> dict[str, Any]:
    values = provided(data, *exclude, clearable=WORKER_CLEARABLE)
    for key, value in values.items():
        if isinstance(value, enum.Enum):
            values[key] = value.value
    if values.get("opening_through") is not None:
        values["opening_through"] = str(values["opening_through"])
    if "community_id" in values:
        values["community_id"] = input_global_id(values["community_id"], "Community", "communityId")
    return values


def _jurisdiction(principal):
    return lambda row: Jurisdiction.from_values(reads.jurisdiction(principal, pk=row.id))


def _jurisdiction_values(input: Any, *exclude: str) -> dict[str, Any]:
    values = provided(input, *exclude, clearable=JURISDICTION_CLEARABLE)
    if "parent_id" in values:
        values["parent_id"] = input_global_id(values["parent_id"], "Jurisdiction", "parentId")
    if values.get("level") is not None:
        values["level"] = values["level"].value
    return values


def _street(principal):
    return lambda row: Street.from_values(reads.street(principal, pk=row.id))


def _community(principal):
    return lambda row: Community.from_values(reads.community(principal, pk=row.id))


def _position(principal):
    return lambda row: Position.from_values(reads.position(principal, row.id))


def _worker(principal):
    return lambda row: Worker.from_values(reads.worker(principal, pk=row.id))


@strawberry.type
class RecordMutations:
    @strawberry.mutation(description="新建辖区（管理员）/ Create a jurisdiction: a city, county or district (ADMIN).",
                         permission_classes=[needs(Permission.MANAGE_JURISDICTIONS)])
    async def create_jurisdiction(self, info: Info, input: Input[CreateJurisdictionInput]) -> JurisdictionPayload:
        principal = info.context.principal
        saved, errors = await run_mutation(lambda: records.create_jurisdiction(principal, _jurisdiction_values(input)),
                                           _jurisdiction(principal))
        return JurisdictionPayload(jurisdiction=saved, errors=errors)

    @strawberry.mutation(description="修改辖区（管理员）/ Update a jurisdiction (ADMIN).",
                         permission_classes=[needs(Permission.MANAGE_JURISDICTIONS)])
    async def update_jurisdiction(self, info: Info, input: Input[UpdateJurisdictionInput]) -> JurisdictionPayload:
        principal = info.context.principal

        def update():
            pk = input_global_id(input.id, "Jurisdiction", "id")
            return records.update_jurisdiction(principal, pk, input.version, _jurisdiction_values(input, "id", "version"))

        saved, errors = await run_mutation(update, _jurisdiction(principal))
        return JurisdictionPayload(jurisdiction=saved, errors=errors)

    @strawberry.mutation(description="新建街道（管理员）/ Create a street (ADMIN).",
                         permission_classes=[needs(Permission.CREATE_STREETS)])
    async def create_street(self, info: Info, input: Input[CreateStreetInput]) -> StreetPayload:
        principal = info.context.principal

        def create():
            values = provided(input, clearable=("jurisdiction_id",))
            values["jurisdiction_id"] = input_global_id(input.jurisdiction_id, "Jurisdiction", "jurisdictionId")
            return records.create_street(principal, values)

        street, errors = await run_mutation(create, _street(principal))
        return StreetPayload(street=street, errors=errors)

    @strawberry.mutation(description="修改街道 / Update a street.", permission_classes=EDIT)
    async def update_street(self, info: Info, input: Input[UpdateStreetInput]) -> StreetPayload:
        principal = info.context.principal

        def update():
            pk = input_global_id(input.id, "Street", "id")
            values = provided(input, "id", "version")
            if "jurisdiction_id" in values:
                values["jurisdiction_id"] = input_global_id(values["jurisdiction_id"], "Jurisdiction", "jurisdictionId")
            return records.update_street(principal, pk, input.version, values)

        street, errors = await run_mutation(update, _street(principal))
        return StreetPayload(street=street, errors=errors)

    @strawberry.mutation(description="新建社区 / Create a community.", permission_classes=EDIT)
    async def create_community(self, info: Info, input: Input[CreateCommunityInput]) -> CommunityPayload:
        principal = info.context.principal

        def create():
            values = provided(input)
            values["street_id"] = input_global_id(input.street_id, "Street", "streetId")
            return records.create_community(principal, values)

        community, errors = await run_mutation(create, _community(principal))
        return CommunityPayload(community=community, errors=errors)

    @strawberry.mutation(description="修改社区 / Update a community.", permission_classes=EDIT)
    async def update_community(self, info: Info, input: Input[UpdateCommunityInput]) -> CommunityPayload:
        principal = info.context.principal

        def update():
            pk = input_global_id(input.id, "Community", "id")
            values = provided(input, "id", "version")
            if "street_id" in values:
                values["street_id"] = input_global_id(values["street_id"], "Street", "streetId")
            return records.update_community(principal, pk, input.version, values)

        community, errors = await run_mutation(update, _community(principal))
        return CommunityPayload(community=community, errors=errors)

    @strawberry.mutation(description="新建岗位 / Create a position.", permission_classes=EDIT)
    async def create_position(self, info: Info, input: Input[CreatePositionInput]) -> PositionPayload:
        principal = info.context.principal

        def create():
            values = provided(input, clearable=POSITION_CLEARABLE)
            values["community_id"] = input_global_id(input.community_id, "Community", "communityId")
            values["worker_id"] = input_global_id(input.worker_id, "Worker", "workerId")
            return records.create_position(principal, values)

        position, errors = await run_mutation(create, _position(principal))
        return PositionPayload(position=position, errors=errors)

    @strawberry.mutation(description="修改岗位（任免、结束）/ Update a position: appoint, replace or end.",
                         permission_classes=EDIT)
    async def update_position(self, info: Info, input: Input[UpdatePositionInput]) -> PositionPayload:
        principal = info.context.principal

        def update():
            pk = input_global_id(input.id, "Position", "id")
            values = provided(input, "id", "version", clearable=POSITION_CLEARABLE)
            if "worker_id" in values:
                values["worker_id"] = input_global_id(values["worker_id"], "Worker", "workerId")
            return records.update_position(principal, pk, input.version, values)

        position, errors = await run_mutation(update, _position(principal))
        return PositionPayload(position=position, errors=errors)

    @strawberry.mutation(description="新建工作者 / Create a worker.", permission_classes=EDIT)
    async def create_worker(self, info: Info, input: Input[CreateWorkerInput]) -> WorkerPayload:
        principal = info.context.principal
        worker, errors = await run_mutation(lambda: records.create_worker(principal, _worker_values(input)),
                                            _worker(principal))
        return WorkerPayload(worker=worker, errors=errors)

    @strawberry.mutation(description="修改工作者（只改给出的字段；null 只可清除注明可清除的字段）/ Update a worker: only the "
                                     "fields given change; null clears only the fields that say so.",
                         permission_classes=EDIT)
    async def update_worker(self, info: Info, input: Input[UpdateWorkerInput]) -> WorkerPayload:
        principal = info.context.principal

        def update():
            pk = input_global_id(input.id, "Worker", "id")
            return records.update_worker(principal, pk, input.version, _worker_values(input, "id", "version"))

        worker, errors = await run_mutation(update, _worker(principal))
        return WorkerPayload(worker=worker, errors=errors)

    @strawberry.mutation(description="离职：设置最后工作日（当月发放累计绩效）/ A worker leaves: set the last day of service "
                                     "(the accrued performance reserve is paid that month).", permission_classes=EDIT)
    async def end_worker_service(self, info: Info, input: Input[EndWorkerServiceInput]) -> WorkerPayload:
        principal = info.context.principal

        def end():
            pk = input_global_id(input.id, "Worker", "id")
            return records.end_worker_service(principal, pk, input.version, input.service_end)

        worker, errors = await run_mutation(end, _worker(principal))
        return WorkerPayload(worker=worker, errors=errors)

    @strawberry.mutation(description="录入年度考核 / Record the year's assessments (优秀、称职、基本称职、不称职).",
                         permission_classes=EDIT)
    async def record_assessments(self, info: Info, input: Input[RecordAssessmentsInput]) -> RecordAssessmentsPayload:
        principal = info.context.principal

        def record():
            entries = []
            for i, entry in enumerate(input.entries):
                pk = input_global_id(entry.worker_id, "Worker", f"entries[{i}].workerId")
                entries.append((pk, entry.result.value))
            if not entries:
                raise UserErrors.one("entries", ErrorCode.REQUIRED, "entries：至少录入一人 / entries: give at least one "
                                                                    "worker")
            return records.record_assessments(principal, input.year, entries)

        saved, errors = await run_mutation(record)
        return RecordAssessmentsPayload(recorded=len(saved) if saved else 0, errors=errors)
