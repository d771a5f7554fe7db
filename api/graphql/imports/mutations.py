"""The import mutations (ADMIN, HR within its scope)."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from api.access.permissions import Permission
from api.db.threads import run_long_db
from api.graphql.core.permissions import needs
from api.graphql.core.types import Input
from api.graphql.imports.inputs import ImportAssessmentsInput, ImportCommunitiesInput, ImportWorkersInput
from api.graphql.imports.types import ImportPayload, import_payload
from api.services.imports import importers as imports
from api.services.imports import machinery as importing

EDIT = [needs(Permission.EDIT_RECORDS)]


async def _read(upload) -> tuple[bytes, str]:
    """The uploaded file's bytes and name.  The upload is closed here: the
    GraphQL app is mounted as a plain ASGI app, so nobody else closes the
    temporary file Starlette spooled it into."""
    try:
        return await upload.read(), getattr(upload, "filename", None) or "upload"
    finally:
        await upload.close()


@strawberry.type
class ImportMutations:
    @strawberry.mutation(permission_classes=EDIT, description="导入社区（ADMIN、HR）/ Import communities from a file (ADMIN, HR within scope). "
                                     "Streets are not created: a row naming an unknown street is refused.")
    async def import_communities(self, info: Info, input: Input[ImportCommunitiesInput]) -> ImportPayload:
        principal = info.context.principal
        data, name = await _read(input.file)
        report = await run_long_db(lambda: imports.import_communities(
            principal, data, name, dry_run=input.dry_run,
            error_policy=importing.ErrorPolicy(input.error_policy.value), sheet=input.sheet))
        return import_payload(report)

    @strawberry.mutation(permission_classes=EDIT, description="导入工作者（ADMIN、HR）/ Import workers from a file (ADMIN, HR within scope), checked "
                                     "with the same rules as createWorker.")
    async def import_workers(self, info: Info, input: Input[ImportWorkersInput]) -> ImportPayload:
        principal = info.context.principal
        data, name = await _read(input.file)
        report = await run_long_db(lambda: imports.import_workers(
            principal, data, name, dry_run=input.dry_run,
            error_policy=importing.ErrorPolicy(input.error_policy.value),
            assessment_year=input.assessment_year, sheet=input.sheet))
        return import_payload(report)

    @strawberry.mutation(permission_classes=EDIT, description="导入年度考核（ADMIN、HR）/ Import a year's assessments from a file (ADMIN, HR within "
                                     "scope); the December performance payout uses them.")
    async def import_assessments(self, info: Info, input: Input[ImportAssessmentsInput]) -> ImportPayload:
        principal = info.context.principal
        data, name = await _read(input.file)
        report = await run_long_db(lambda: imports.import_assessments(
            principal, data, name, input.year, dry_run=input.dry_run,
            error_policy=importing.ErrorPolicy(input.error_policy.value), sheet=input.sheet))
        return import_payload(report)
