"""The import mutations (ADMIN, HR within its scope).

The uploaded file stays in the temporary file Starlette spooled it into and
is read from there a block at a time in a worker thread, within the limits of
:class:`api.settings.ImportLimits`.  Meanwhile the event loop checks every
half second whether the client is still connected; when it has gone, the
import is told to stop at its next check and writes nothing.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import IO, Any, Callable

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
from api.settings import ImportLimits

logger = logging.getLogger("community_payroll.imports")
EDIT = [needs(Permission.EDIT_RECORDS)]
#: Seconds between two checks that the client is still there.
DISCONNECT_POLL_SECONDS = 0.5

#: An import run in a worker thread: (file, file name, options) → report.
Run = Callable[[IO[bytes], str, importing.ImportOptions], importing.ImportReport]


async def _watch_client(request: Any, gone: threading.Event) -> None:
    while not gone.is_set():
        if await request.is_disconnected():
            gone.set()
            return
        await asyncio.sleep(DISCONNECT_POLL_SECONDS)


async def _import(info: Info, input: Any, run: Run) -> ImportPayload:
    """Run an import on the uploaded ``input.file`` with the input's options
    (dry run, error policy, sheet), stopping it if the client goes away.
    The upload is closed here: the GraphQL app is mounted as a plain ASGI app,
    so nobody else closes the temporary file Starlette spooled it into."""
    request = info.context.request
    settings = getattr(getattr(getattr(request, "app", None), "state", None), "settings", None)
    limits = settings.import_limits if settings is not None else ImportLimits.from_env()
    gone = threading.Event()
    watcher = asyncio.ensure_future(_watch_client(request, gone)) if request is not None else None
    upload = input.file
    name = getattr(upload, "filename", None) or "upload"
    options = importing.ImportOptions(dry_run=input.dry_run, error_policy=importing.ErrorPolicy(input.error_policy.value),
                                      sheet=input.sheet, limits=limits, cancelled=gone.is_set)
    try:
        report = await run_long_db(lambda: run(upload.file, name, options))
    finally:
        gone.set()
        if watcher is not None:
            watcher.cancel()
        await upload.close()
    if any(p.code == "CANCELLED" for p in report.problems):
        logger.warning("import of %s stopped: the client went away; nothing was written", name)
    return import_payload(report)


@strawberry.type
class ImportMutations:
    @strawberry.mutation(permission_classes=EDIT, description="导入社区（ADMIN、HR）/ Import communities from a file (ADMIN, HR within scope). "
                                     "Streets are not created: a row naming an unknown street is refused.")
    async def import_communities(self, info: Info, input: Input[ImportCommunitiesInput]) -> ImportPayload:
        principal = info.context.principal
        return await _import(info, input, lambda file, name, options: imports.import_communities(
            principal, file, name, **options))

    @strawberry.mutation(permission_classes=EDIT, description="导入工作者（ADMIN、HR）/ Import workers from a file (ADMIN, HR within scope), checked "
                                     "with the same rules as createWorker.")
    async def import_workers(self, info: Info, input: Input[ImportWorkersInput]) -> ImportPayload:
        principal = info.context.principal
        return await _import(info, input, lambda file, name, options: imports.import_workers(
            principal, file, name, assessment_year=input.assessment_year, **options))

    @strawberry.mutation(permission_classes=EDIT, description="导入年度考核（ADMIN、HR）/ Import a year's assessments from a file (ADMIN, HR within "
                                     "scope); the December performance payout uses them.")
    async def import_assessments(self, info: Info, input: Input[ImportAssessmentsInput]) -> ImportPayload:
        principal = info.context.principal
        return await _import(info, input, lambda file, name, options: imports.import_assessments(
            principal, file, name, input.year, **options))
