"""Reading the records: jurisdictions, streets, communities, positions,
workers and their assessments — each through its view, limited to the
caller's scope."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Sequence

import peewee as pw

from payroll.workers import post_key

from api.access import scopes
from api.access.masking import present_worker, sees_personal_data
from api.access.principal import Principal
from api.db.database import is_postgres
from api.db.models import Assessment, Community, Jurisdiction, Position, Street, Worker, WorkerTaxChoice
from api.fastpath.pages import Listing, OrderKey
from api.fastpath.views import GLOBAL_ID, MONEY, Column, Relation, View
from api.reads.common import Ordering, filter_text, grouped, one, order_keys
from api.reads.policies import active_post_names

JURISDICTION = View("Jurisdiction", Jurisdiction, scopes.jurisdictions, columns={
    "id": Column(Jurisdiction.id, GLOBAL_ID),
    "code": Jurisdiction.code,
    "name": Jurisdiction.name,
    "level": Jurisdiction.level,
    "population": Jurisdiction.population,
    "version": Jurisdiction.version,
})
JURISDICTION.relations["parent"] = Relation(Jurisdiction.parent, JURISDICTION)

STREET = View("Street", Street, scopes.streets, columns={
    "id": Column(Street.id, GLOBAL_ID),
    "code": Street.code,
    "name": Street.name,
    "version": Street.version,
}, relations={"jurisdiction": Relation(Street.jurisdiction, JURISDICTION)})

COMMUNITY = View("Community", Community, scopes.communities, columns={
    "id": Column(Community.id, GLOBAL_ID),
    "code": Community.code,
    "name": Community.name,
    "households": Community.households,
    "population": Community.population,
    "version": Community.version,
}, relations={"street": Relation(Community.street, STREET)})

# Identity number, phone and bank account (masked by role), dates and enums
# are shown through Python: a selection with them is not rendered by SQL.
WORKER = View("Worker", Worker, scopes.workers, columns={
    "id": Column(Worker.id, GLOBAL_ID),
    "code": Worker.code,
    "name": Worker.name,
    "bank_name": Worker.bank_name,
    "post": Worker.post,
    "prior_service_years": Worker.prior_service_years,
    "incompetent_years_before": Worker.incompetent_years_before,
    "special_deduction_monthly": Column(Worker.special_deduction_monthly, MONEY),
    "previous_monthly_pay": Column(Worker.previous_monthly_pay, MONEY),
    "opening_months": Worker.opening_months,
    "opening_income": Column(Worker.opening_income, MONEY),
    "opening_deductions": Column(Worker.opening_deductions, MONEY),
    "opening_tax": Column(Worker.opening_tax, MONEY),
    "opening_reserve": Column(Worker.opening_reserve, MONEY),
    "version": Worker.version,
}, relations={"community": Relation(Worker.community, COMMUNITY)}, present=present_worker)

POSITION = View("Position", Position, scopes.positions, columns={
    "id": Column(Position.id, GLOBAL_ID),
    "post": Position.post,
    "title": Position.title,
    "version": Position.version,
}, relations={"community": Relation(Position.community, COMMUNITY), "worker": Relation(Position.worker, WORKER)})

ASSESSMENT = View("Assessment", Assessment, scopes.assessments)
TAX_CHOICE = View("WorkerTaxChoice", WorkerTaxChoice, scopes.tax_choices)


# --- jurisdictions ----------------------------------------------------------------------------


def jurisdictions(principal: Principal, *, parent_pk: int | None = None, top: bool = False) -> list[dict[str, Any]]:
    """Visible jurisdictions by code: all, the children of ``parent_pk``, or
    (``top``) those without a parent."""
    condition = pw.Value(True)
    if parent_pk is not None:
        condition = Jurisdiction.parent == parent_pk
    elif top:
        condition = Jurisdiction.parent.is_null()
    return JURISDICTION.fetch_where(principal, condition, (Jurisdiction.code,))


def children_of_jurisdictions(principal: Principal, parent_ids: Sequence[int]) -> list[list[dict[str, Any]]]:
    """Each jurisdiction's visible children by code (a batch for the nested field)."""
    rows = JURISDICTION.fetch_where(principal, Jurisdiction.parent.in_(list(parent_ids)), (Jurisdiction.code,))
    return grouped(rows, "parent", parent_ids)


def jurisdiction(principal: Principal, *, pk: int | None = None, code: str | None = None) -> dict[str, Any] | None:
    return one(JURISDICTION, principal,
               Jurisdiction.id == pk if pk is not None else Jurisdiction.code == filter_text(code, "code"))


# --- streets ----------------------------------------------------------------------------------

STREET_ORDER = {"code": Street.code, "name": Street.name}


def streets(principal: Principal, *, code: str | None = None, name_contains: str | None = None,
            jurisdiction_pk: int | None = None, within_jurisdiction: int | None = None,
            order: Ordering = ()) -> Listing:
    """Streets (``within_jurisdiction``: of the jurisdiction whose list this is)."""
    conditions = [c for c in (scopes.streets(principal),) if c is not None]
    code = filter_text(code, "where.code")
    name_contains = filter_text(name_contains, "where.nameContains")
    for jurisdiction_id in (jurisdiction_pk, within_jurisdiction):
        if jurisdiction_id is not None:
            conditions.append(Street.jurisdiction == jurisdiction_id)
    if code is not None:
        conditions.append(Street.code == code)
    if name_contains:
        conditions.append(Street.name.contains(name_contains))
    return Listing(principal, STREET, conditions, order_keys(order, STREET_ORDER, [OrderKey(Street.code)], Street.id))


def street(principal: Principal, *, pk: int | None = None, code: str | None = None) -> dict[str, Any] | None:
    return one(STREET, principal, Street.id == pk if pk is not None else Street.code == filter_text(code, "code"))


# --- communities ------------------------------------------------------------------------------

COMMUNITY_ORDER = {"code": Community.code, "name": Community.name, "households": Community.households,
                   "population": Community.population}


def communities(principal: Principal, *, code: str | None = None, name_contains: str | None = None,
                street_pk: int | None = None, within_street: int | None = None, order: Ordering = ()) -> Listing:
    """Communities (``within_street``: of the street whose list this is)."""
    conditions = [c for c in (scopes.communities(principal),) if c is not None]
    code = filter_text(code, "where.code")
    name_contains = filter_text(name_contains, "where.nameContains")
    if code is not None:
        conditions.append(Community.code == code)
    if name_contains:
        conditions.append(Community.name.contains(name_contains))
    for street_id in (street_pk, within_street):
        if street_id is not None:
            conditions.append(Community.street == street_id)
    keys = order_keys(order, COMMUNITY_ORDER, [OrderKey(Community.code)], Community.id)
    return Listing(principal, COMMUNITY, conditions, keys)


def community(principal: Principal, *, pk: int | None = None, code: str | None = None) -> dict[str, Any] | None:
    return one(COMMUNITY, principal,
               Community.id == pk if pk is not None else Community.code == filter_text(code, "code"))


# --- workers ----------------------------------------------------------------------------------

WORKER_ORDER = {"code": Worker.code, "name": Worker.name, "service_start": Worker.service_start,
                "updated_at": Worker.updated_at}


#: What part of an identity number can be: digits and the check character X.
_ID_NUMBER_PART = re.compile(r"[0-9Xx]+")


def _uncased(term: str) -> bool:
    """No letter of ``term`` has an upper and a lower case (Chinese, digits)."""
    return term.lower() == term.upper()


def _contains(field: pw.Field, term: str) -> pw.Node:
    """``field`` contains ``term``, case ignored.  On PostgreSQL a term without
    cased letters is matched with LIKE rather than ILIKE, which lowercases
    every value it reads: the same rows in a third of the time when no index
    serves the term.  Both use the trigram index of migration 0004."""
    if is_postgres() and _uncased(term):
        escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return pw.NodeList((field, pw.SQL("LIKE"), f"%{escaped}%"))
    return field.contains(term)


#: The characters of a worker's code and name (PostgreSQL), as indexed by
#: migration 0004's ``worker_search_characters``: the expression must be this one.
_CODE_AND_NAME_CHARACTERS = pw.fn.array_cat(pw.fn.string_to_array(Worker.code, pw.SQL("NULL")),
                                            pw.fn.string_to_array(Worker.name, pw.SQL("NULL")))


def _selective(term: str) -> bool:
    """Whether an index finds the term's few rows: three characters or more
    (trigrams), or a character beyond ASCII (a Chinese name: the index of
    characters).  Then the rows are found before they are sorted; a letter or
    two of a code matches most workers, and walking the sort column's index to
    the first page's rows is quicker."""
    return len(term) >= 3 or not term.isascii()


def _search(term: str, with_id_number: bool) -> pw.Node:
    """Workers whose code, name or (``with_id_number``) identity number contain ``term``.

    A trigram index serves terms of three characters or more; a surname or a
    two-character given name has no trigram.  For those (on PostgreSQL, terms
    without cased letters) the rows whose code and name hold every character
    of the term are found first through a second index — a one-character
    surname among 100,000 workers: 1.4 ms instead of a 30 ms scan."""
    matches = _contains(Worker.code, term) | _contains(Worker.name, term)
    if is_postgres() and _uncased(term):
        characters = pw.Value(list(dict.fromkeys(term)), unpack=False)
        matches = pw.Expression(_CODE_AND_NAME_CHARACTERS, "@>", characters) & matches
    if with_id_number and _ID_NUMBER_PART.fullmatch(term):
        # Not for masked callers: a search that finds a guessed number would confirm it.
        matches = matches | _contains(Worker.id_number, term)
    return matches


def workers(
    principal: Principal,
    *,
    code: str | None = None,
    search: str | None = None,
    community_pk: int | None = None,
    street_pk: int | None = None,
    post: str | None = None,
    education: str | None = None,
    certificate: str | None = None,
    active_on: dt.date | None = None,
    order: Ordering = (),
    within_community: int | None = None,
) -> Listing:
    """Workers (``within_community``: of the community whose list this is)."""
    conditions = [c for c in (scopes.workers(principal),) if c is not None]
    code = filter_text(code, "where.code")
    search = filter_text(search, "where.search")
    if code is not None:
        conditions.append(Worker.code == code)
    if search:
        conditions.append(_search(search, with_id_number=sees_personal_data(principal)))
    for community_id in (community_pk, within_community):
        if community_id is not None:
            conditions.append(Worker.community == community_id)
    if street_pk is not None:
        conditions.append(Worker.community.in_(Community.select(Community.id).where(Community.street == street_pk)))
    if post:
        conditions.append(Worker.post == filter_text(post, "where.post").upper())
    if education:
        conditions.append(Worker.education == education)
    if certificate:
        conditions.append(Worker.certificate == certificate)
    if active_on is not None:
        conditions.append((Worker.service_start <= active_on)
                          & (Worker.service_end.is_null() | (Worker.service_end >= active_on)))
    return Listing(principal, WORKER, conditions, order_keys(order, WORKER_ORDER, [OrderKey(Worker.code)], Worker.id),
                   filter_first=bool(search) and _selective(search))


def post_filter(text: str | None) -> str | None:
    """The post key a ``where.post`` filter names: a key, or a title of the
    active policy's posts (副职), as the inputs accept (reads the policy: in a
    database thread, before the listing is built)."""
    if not text:
        return text
    return post_key(filter_text(text, "where.post"), active_post_names())


def worker(principal: Principal, *, pk: int | None = None, code: str | None = None) -> dict[str, Any] | None:
    return one(WORKER, principal, Worker.id == pk if pk is not None else Worker.code == filter_text(code, "code"))


def tax_choices(principal: Principal, keys: Sequence[tuple[int, int]]) -> list[dict[str, Any] | None]:
    """The tax choices of (worker id, year), visible workers only (a batch for the nested fields)."""
    worker_ids = sorted({worker for worker, _ in keys})
    rows = TAX_CHOICE.fetch_where(principal, WorkerTaxChoice.worker.in_(worker_ids)
                                  & WorkerTaxChoice.year.in_(sorted({year for _, year in keys})))
    found = {(row["worker"], row["year"]): row for row in rows}
    return [found.get(key) for key in keys]


def assessments_of_workers(principal: Principal, worker_ids: Sequence[int]) -> list[list[dict[str, Any]]]:
    """Each worker's assessments by year (a batch for the nested field)."""
    rows = ASSESSMENT.fetch_where(principal, Assessment.worker.in_(list(worker_ids)), (Assessment.year,))
    return grouped(rows, "worker", worker_ids)


# --- positions --------------------------------------------------------------------------------


def positions(principal: Principal, *, community_pk: int | None = None, street_pk: int | None = None,
              post: str | None = None, vacant: bool | None = None) -> Listing:
    conditions = [c for c in (scopes.positions(principal),) if c is not None]
    if community_pk is not None:
        conditions.append(Position.community == community_pk)
    if street_pk is not None:
        conditions.append(Position.community.in_(Community.select(Community.id).where(Community.street == street_pk)))
    if post:
        conditions.append(Position.post == filter_text(post, "where.post").upper())
    if vacant is not None:
        conditions.append(Position.worker.is_null(vacant))
    return Listing(principal, POSITION, conditions, [OrderKey(Position.id)])


def position(principal: Principal, pk: int) -> dict[str, Any] | None:
    return one(POSITION, principal, Position.id == pk)


def positions_of_communities(principal: Principal, community_ids: Sequence[int]) -> list[list[dict[str, Any]]]:
    rows = POSITION.fetch_where(principal, Position.community.in_(list(community_ids)))
    return grouped(rows, "community", community_ids)


def positions_of_workers(principal: Principal, worker_ids: Sequence[int]) -> list[list[dict[str, Any]]]:
    rows = POSITION.fetch_where(principal, Position.worker.in_(list(worker_ids)))
    return grouped(rows, "worker", worker_ids)


def scope_codes(principal: Principal) -> tuple[list[str], list[str], list[str]]:
    """The codes of the jurisdictions (with those below them), streets and
    communities a principal is limited to."""
    jurisdictions = sorted(j.code for j in Jurisdiction.select(Jurisdiction.code)
                           .where(Jurisdiction.id.in_(sorted(principal.jurisdiction_ids))))
    streets = sorted(s.code for s in Street.select(Street.code).where(Street.id.in_(sorted(principal.street_ids))))
    communities = sorted(c.code for c in Community.select(Community.code)
                         .where(Community.id.in_(sorted(principal.community_ids))))
    return jurisdictions, streets, communities
