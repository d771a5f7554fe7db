"""The workers file HR exports, edits in Excel and imports again (issue 12).

One row per worker the caller may see (:func:`api.access.scopes.workers`),
optionally of one street or community, read in blocks of a few thousand
(keyset on the worker id), with every column the workers import reads — and
the worker's ``version``: importing the file again refuses a row whose worker
was changed since the file was made (:mod:`api.services.imports.importers`),
instead of silently undoing that change.  Personal data is masked as
:mod:`api.access.masking` shows it to callers who may not see it.
"""

from __future__ import annotations

from typing import Any, Iterator

from api.access import scopes
from api.access.masking import present_worker
from api.access.principal import Principal
from api.db.models import Community, Worker
from api.reads.population import Scope

#: Rows read at a time.
BLOCK = 5_000

#: The worker's fields in the file, as the import names them (``community`` is the community's code).
FIELDS = (
    "code", "name", "id_number", "community", "post", "service_start", "service_end", "prior_service_years",
    "education", "certificate", "certificate_date", "incompetent_years_before", "special_deduction_monthly",
    "previous_monthly_pay", "opening_through", "opening_months", "opening_income", "opening_deductions",
    "opening_tax", "opening_reserve", "phone", "bank_name", "bank_account", "version",
)
_SELECT = (Worker.id, *(Community.code if name == "community" else getattr(Worker, name) for name in FIELDS))


def worker_rows(principal: Principal, scope: Scope) -> Iterator[list[dict[str, Any]]]:
    """Blocks of the workers of ``scope`` the principal may see, as dicts by
    :data:`FIELDS` (masked for callers who may not see personal data), in id order."""
    query = Worker.select(*_SELECT).join(Community, on=(Worker.community == Community.id))
    for condition in (scope.condition(), scopes.workers(principal)):
        if condition is not None:
            query = query.where(condition)
    after = 0
    while True:
        rows = list(query.where(Worker.id > after).order_by(Worker.id).limit(BLOCK).tuples())
        if not rows:
            return
        yield [present_worker(dict(zip(FIELDS, row[1:])), principal) for row in rows]
        after = rows[-1][0]

