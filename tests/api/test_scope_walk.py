"""No record outside a token's scope ever appears, through any path of the
schema — a walk generated from the schema itself.

For every root query field, a document is generated from the introspected
schema that selects every field of every object type it reaches, nested at
least four object levels deep (connections with ``first``), with the
arguments each field needs.  Each role (FINANCE as a city's token: unlimited,
it would see what ADMIN sees), an HR token scoped to a street, one
scoped to a community, an HR token scoped to a city (三门峡), a FINANCE token
scoped to a city with a county below it (许昌, 禹州), the PROVINCE role and a
WORKER token (电子工资条) of one worker run every document against a demo
province of three jurisdictions, each with its own policy, in which a worker
was transferred to a street of another city, a community moved to a street
of another city after its months were paid, an old post in one street is
still held by the worker who moved, and April's runs are still drafts.  Every node of every answer with an ``id`` is
checked against visibility computed here, independently of
``api.access.scopes``, from the rules of docs/security.md (a worker: only
itself and its payslips of approved and paid runs); single lookups of every
record answer null outside the scope exactly as for a missing record (or
FORBIDDEN for a role that may not read that kind of record at all); and no
VIEWER or WORKER answer holds an identity number, bank account, phone or
anything derived from the identity number.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import pytest
from strawberry.utils.str_converters import to_camel_case

from payroll.periods import Period

from api.access.principal import SYSTEM, Role
from api.db.database import connection
from api.db.models import Community, Jurisdiction, PayrollRun, Payslip, Policy, Position, Street, Worker
from api.fastpath.views import node_of, node_type
from api.schema import schema
from api.services.demo import load_demo
from api.services.payroll import create_run
from api.services.tokens import create_token
from api.settings import Settings

from .conftest import GraphQLClient

pytestmark = pytest.mark.slow  # about two minutes per database on CI

#: Object levels below each root field (a connection's nodes are one level).
DEPTH = 4
#: Records per root list and per nested connection.  Ten roots reach the
#: city's traps (the moved worker is the first worker by code, the moved
#: community's old payslips are among the first of street S01's) and every
#: record is also looked up by id; each root costs its whole nested answer.
ROOT_PAGE, NESTED_PAGE = 10, 4
#: Object levels below each looked-up record (every record of the city is looked up).
LOOKUP_DEPTH = 1
#: Fields computed by the engine that hold no records and no personal data:
#: left out to keep the walk fast (a payslip's explanation, a promotion date).
SKIPPED = {"explanation", "nextPromotion"}
ARGUMENTS = {"period": '"2026-02"', "date": '"2026-03-01"', "year": "2026", "from": '"2026-01-01"',
             "to": '"2026-03-01"', "on": '"2026-03-01"'}
#: Root fields looked up by id, walked separately for every record.
LOOKUPS = {"jurisdiction": "Jurisdiction", "street": "Street", "community": "Community", "worker": "Worker",
           "position": "Position", "payrollRun": "PayrollRun", "policy": "Policy"}


def _named(type_ref: dict) -> dict:
    while type_ref.get("ofType"):
        type_ref = type_ref["ofType"]
    return type_ref


def _required(type_ref: dict) -> bool:
    return type_ref["kind"] == "NON_NULL"


class Walk:
    """Documents generated from the introspected schema."""

    def __init__(self, worker_id: str) -> None:
        introspection = schema.introspect()["__schema"]
        self.types = {t["name"]: t for t in introspection["types"]}
        self.query = self.types[introspection["queryType"]["name"]]
        self.worker_id = worker_id

    def arguments(self, field: dict, root: bool) -> str | None:
        """The arguments of ``field``, or None when a required one cannot be given."""
        given = []
        for argument in field["args"]:
            name = argument["name"]
            if name == "first":
                given.append(f"first: {ROOT_PAGE if root else NESTED_PAGE}")
            elif name in ARGUMENTS:
                given.append(f"{name}: {ARGUMENTS[name]}")
            elif name == "input" and _named(argument["type"])["name"] == "SalaryQuoteInput":
                given.append(f'input: {{period: "2026-02", workerId: "{self.worker_id}"}}')
            elif _required(argument["type"]) and argument.get("defaultValue") is None:
                return None
        return f"({', '.join(given)})" if given else ""

    def selection(self, type_name: str, depth: int) -> str:
        """Every field of ``type_name``, objects to ``depth`` more levels."""
        graphql_type = self.types[type_name]
        if graphql_type["kind"] in ("INTERFACE", "UNION"):
            return "{ __typename }"
        parts = ["__typename"]
        for field in graphql_type["fields"]:
            if field["name"] in SKIPPED:
                continue
            target = self.types[_named(field["type"])["name"]]
            arguments = self.arguments(field, root=False)
            if arguments is None:
                continue
            if target["kind"] in ("SCALAR", "ENUM"):
                parts.append(field["name"] + arguments)
            elif depth > 0:
                parts.append(field["name"] + arguments + " " + self.object(target["name"], depth))
        return "{ " + " ".join(parts) + " }"

    def object(self, type_name: str, depth: int) -> str:
        """A connection's page (its nodes one level down) or an object."""
        if type_name.endswith("Connection"):
            node = _named(next(f for f in self.types[type_name]["fields"] if f["name"] == "nodes")["type"])["name"]
            return ("{ totalCount pageInfo { hasNextPage endCursor } nodes " + self.selection(node, depth - 1)
                    + " }")
        return self.selection(type_name, depth - 1)

    def documents(self) -> dict[str, str]:
        """A document per root field that needs no id (lookups: :func:`lookup_document`)."""
        out = {}
        for field in self.query["fields"]:
            if field["name"] in LOOKUPS:
                continue
            arguments = self.arguments(field, root=True)
            assert arguments is not None, f"no arguments known for {field['name']}"
            target = self.types[_named(field["type"])["name"]]
            body = "" if target["kind"] in ("SCALAR", "ENUM") else " " + self.object(target["name"], DEPTH + 1)
            out[field["name"]] = "{ " + field["name"] + arguments + body + " }"
        return out

    def rendered_documents(self) -> dict[str, str]:
        """Documents the database renders (api/fastpath/render.py): every root
        list whose nodes are declared, selecting only declared columns and
        relations, nested as deep as the declarations go."""
        out = {}
        for field in self.query["fields"]:
            target = _named(field["type"])["name"]
            if not target.endswith("Connection") or field["name"] == "auditLog":
                continue
            node = _named(next(f for f in self.types[target]["fields"] if f["name"] == "nodes")["type"])["name"]
            arguments = self.arguments(field, root=True)
            out[field["name"]] = ("{ " + field["name"] + arguments + " { nodes " + self.declared(node) + " } }")
        return out

    def declared(self, type_name: str, depth: int = DEPTH) -> str:
        declared = node_type(type_name)
        parts = ["__typename"] + [to_camel_case(name) for name in declared.view.columns]
        if depth > 1:  # a jurisdiction's parent is a jurisdiction: stop somewhere
            for name, relation in declared.view.relations.items():
                target = node_of(relation.target).view.type_name
                parts.append(to_camel_case(name) + " " + self.declared(target, depth - 1))
        return "{ " + " ".join(parts) + " }"

    def lookup_document(self, field: str, ids: list[str]) -> str:
        type_name = LOOKUPS[field]
        inner = self.selection(type_name, LOOKUP_DEPTH)
        return "{ " + " ".join(f'n{i}: {field}(id: "{pk}") {inner}' for i, pk in enumerate(ids)) + " }"


@dataclass(frozen=True)
class Scope:
    """Who may see what, computed here from the records (not by api.access)."""

    #: A token's jurisdictions with every one below them (computed here from the parents).
    jurisdictions: frozenset[int] = frozenset()
    streets: frozenset[int] = frozenset()
    communities: frozenset[int] = frozenset()
    restricted: bool = False
    #: A WORKER token's worker: it sees itself and its settled payslips, nothing else.
    worker: int | None = None

    def visible(self, type_name: str, pk: int, city: CityState) -> bool:
        if self.worker is not None:
            return self.visible_to_worker(type_name, pk, city)
        if not self.restricted:
            return True
        community_street, street_jurisdiction = city.community_street, city.street_jurisdiction
        if type_name == "Jurisdiction":
            return pk in self.jurisdictions or any(
                j == pk and self.visible("Street", street, city) for street, j in street_jurisdiction.items())
        if type_name == "Policy":
            # Its jurisdiction's, or one above a visible jurisdiction (the policy it may be paid under).
            return any(city.policy_jurisdiction[pk] in city.ancestors_of(j)
                       for j in street_jurisdiction.values() if self.visible("Jurisdiction", j, city))
        if type_name == "Street":
            return (street_jurisdiction[pk] in self.jurisdictions or pk in self.streets
                    or any(community_street[c] == pk for c in self.communities))
        if type_name == "Community":
            street = community_street[pk]
            return street_jurisdiction[street] in self.jurisdictions or street in self.streets or pk in self.communities
        if type_name == "Worker":
            return self.visible("Community", city.worker_community[pk], city)
        if type_name == "Position":
            return self.visible("Community", city.position_community[pk], city)
        if type_name == "Payslip":
            street, community = city.payslip_place[pk]
            return (street_jurisdiction[street] in self.jurisdictions or street in self.streets
                    or community in self.communities)
        if type_name == "PayrollRun":
            kind, street, community = city.run_scope[pk]
            return (city.run_jurisdiction[pk] in self.jurisdictions
                    or (kind != "CITY" and (street in self.streets
                                            or street_jurisdiction.get(street) in self.jurisdictions))
                    or community in self.communities)
        return True

    def visible_to_worker(self, type_name: str, pk: int, city: CityState) -> bool:
        if type_name == "Worker":
            return pk == self.worker
        if type_name == "Payslip":
            worker, run = city.payslip_owner[pk]
            return worker == self.worker and city.run_status[run] in ("APPROVED", "PAID")
        # Jurisdictions, policies, streets, communities, positions and runs:
        # never.  Other types hold no records of the city.
        return type_name not in ("Jurisdiction", "Policy", "Street", "Community", "Position", "PayrollRun")


@dataclass
class CityState:
    jurisdiction_parent: dict[int, int | None]
    jurisdiction_code: dict[int, str]
    street_jurisdiction: dict[int, int]
    policy_jurisdiction: dict[int, int]
    run_jurisdiction: dict[int, int]
    community_street: dict[int, int]
    worker_community: dict[int, int]
    position_community: dict[int, int]
    payslip_place: dict[int, tuple[int, int]]
    payslip_owner: dict[int, tuple[int, int]]
    run_scope: dict[int, tuple[str, int | None, int | None]]
    run_status: dict[int, str]
    personal: list[str]

    @classmethod
    def read(cls) -> CityState:
        personal = []
        for w in Worker.select():
            personal += [v for v in (w.id_number, w.bank_account, w.phone) if v]
        return cls(
            jurisdiction_parent=dict(Jurisdiction.select(Jurisdiction.id, Jurisdiction.parent).tuples()),
            jurisdiction_code=dict(Jurisdiction.select(Jurisdiction.id, Jurisdiction.code).tuples()),
            street_jurisdiction=dict(Street.select(Street.id, Street.jurisdiction).tuples()),
            policy_jurisdiction=dict(Policy.select(Policy.id, Policy.jurisdiction).tuples()),
            run_jurisdiction=dict(PayrollRun.select(PayrollRun.id, PayrollRun.jurisdiction).tuples()),
            community_street={c.id: c.street_id for c in Community.select()},
            worker_community={w.id: w.community_id for w in Worker.select(Worker.id, Worker.community)},
            position_community={p.id: p.community_id for p in Position.select(Position.id, Position.community)},
            payslip_place={p.id: (p.street_id, p.community_id)
                           for p in Payslip.select(Payslip.id, Payslip.street, Payslip.community)},
            payslip_owner={p.id: (p.worker_id, p.run_id) for p in Payslip.select(Payslip.id, Payslip.worker, Payslip.run)},
            run_scope={r.id: (r.scope_type, r.street_id, r.community_id) for r in PayrollRun.select()},
            run_status={r.id: r.status for r in PayrollRun.select(PayrollRun.id, PayrollRun.status)},
            personal=personal,
        )

    def ancestors_of(self, pk: int) -> set[int]:
        """``pk`` and every jurisdiction above it."""
        found = set()
        while pk is not None and pk not in found:
            found.add(pk)
            pk = self.jurisdiction_parent[pk]
        return found

    def below(self, code: str) -> frozenset[int]:
        """The jurisdiction of ``code`` and every one below it."""
        top = next(pk for pk, c in self.jurisdiction_code.items() if c == code)
        return frozenset(pk for pk in self.jurisdiction_parent if top in self.ancestors_of(pk))


@pytest.fixture
def settings(database_url) -> Settings:
    # Deep walks: the limits that protect production would refuse them.
    return Settings(database_url=database_url, max_depth=40, max_cost=10**9, max_tokens=200_000, max_aliases=100)


@pytest.fixture
def moved_city(client):
    """The demo province (许昌市 with streets S01 and S04, 三门峡市 with S02 and
    S05, 禹州市 under 许昌 with its own policy and S03 and S06; January and
    February paid, March approved, each city-wide), then: worker A moved from
    S01 (许昌) to S02 (三门峡) keeping an old post in S01, community B moved
    from S01 to S02, and April's runs made (drafts).  A WORKER token of A sees
    A's January–March payslips, not April's."""
    with connection():
        load_demo(workers=60, streets=6, communities=9, today=dt.date(2026, 4, 15), jurisdictions=3)
        s01, s02 = (Street.get(Street.code == code) for code in ("S01", "S02"))
        s01_communities = list(Community.select().where(Community.street == s01).order_by(Community.code))
        s02_community = Community.select().where(Community.street == s02).order_by(Community.code).first()
        mover = (Worker.select().where((Worker.community == s01_communities[0])
                                       & (Worker.service_start <= dt.date(2026, 1, 1)) & Worker.service_end.is_null())
                 .order_by(Worker.code).first())
        Position.create(community=s01_communities[0], worker=mover, post="STAFF", title="网格员（原岗）")
        Worker.update(community=s02_community).where(Worker.id == mover.id).execute()
        moved_community = s01_communities[1]
        Community.update(street=s02).where(Community.id == moved_community.id).execute()
        for jurisdiction in Jurisdiction.select():
            create_run(SYSTEM, Period(2026, 4), None, None, jurisdiction.id)
        state = CityState.read()
        tokens = {
            "admin": (create_token("admin", Role.ADMIN).token, Scope()),
            "viewer": (create_token("viewer", Role.VIEWER).token, Scope()),
            "hr_street": (create_token("hr-s01", Role.HR, ["S01"]).token,
                          Scope(streets=frozenset({s01.id}), restricted=True)),
            "hr_community": (create_token("hr-c", Role.HR, [], [s02_community.code]).token,
                             Scope(communities=frozenset({s02_community.id}), restricted=True)),
            "hr_city": (create_token("hr-三门峡", Role.HR, jurisdiction_codes=["411200"]).token,
                        Scope(jurisdictions=state.below("411200"), restricted=True)),
            "finance_city": (create_token("finance-许昌", Role.FINANCE, jurisdiction_codes=["411000"]).token,
                             Scope(jurisdictions=state.below("411000"), restricted=True)),
            "province": (create_token("province", Role.PROVINCE).token, Scope()),
            "worker": (create_token("worker-a", Role.WORKER, worker_code=mover.code).token,
                       Scope(restricted=True, worker=mover.id)),
        }
        ids = {
            "jurisdiction": [f"Jurisdiction:{pk}" for pk in state.jurisdiction_parent],
            "policy": [f"Policy:{pk}" for pk in state.policy_jurisdiction],
            "street": [f"Street:{pk}" for pk in sorted({*state.community_street.values()})],
            "community": [f"Community:{pk}" for pk in state.community_street],
            "worker": [f"Worker:{pk}" for pk in state.worker_community],
            "position": [f"Position:{pk}" for pk in state.position_community],
            "payrollRun": [f"PayrollRun:{pk}" for pk in state.run_scope],
        }
    return tokens, state, ids, f"Worker:{mover.id}"


def nodes(value: Any) -> list[tuple[str, int]]:
    """Every (type, id) of a node in an answer."""
    found = []
    if isinstance(value, dict):
        if "__typename" in value and isinstance(value.get("id"), str) and ":" in value["id"]:
            type_name, _, pk = value["id"].partition(":")
            found.append((type_name, int(pk)))
        for item in value.values():
            found += nodes(item)
    elif isinstance(value, list):
        for item in value:
            found += nodes(item)
    return found


def masked_personal_data(value: Any) -> list[str]:
    """Personal fields of an answer that a VIEWER must not see unmasked."""
    problems = []
    if isinstance(value, dict):
        if value.get("__typename") == "Worker":
            if value.get("idNumber") and not value["idNumber"][4:].strip("*") == "":
                problems.append(f"idNumber {value['idNumber']}")
            if value.get("bankAccount") and value["bankAccount"][:-4].strip("*"):
                problems.append(f"bankAccount {value['bankAccount']}")
            if value.get("phone") and value["phone"][3:-4].strip("*"):
                problems.append(f"phone {value['phone']}")
            for derived in ("birthDate", "sex"):
                if value.get(derived) is not None:
                    problems.append(f"{derived} {value[derived]}")
        for item in value.values():
            problems += masked_personal_data(item)
    elif isinstance(value, list):
        for item in value:
            problems += masked_personal_data(item)
    return problems


def test_no_node_outside_the_scope_through_any_path(client, moved_city):
    tokens, state, ids, mover = moved_city
    walk = Walk(mover)
    documents = walk.documents() | {f"rendered {name}": d for name, d in walk.rendered_documents().items()}
    seen: dict[str, set[tuple[str, int]]] = {role: set() for role in tokens}
    for role, (token, scope) in tokens.items():
        gql = GraphQLClient(client, token)
        answers = []
        for name, document in documents.items():
            body = gql.post(document)
            codes = {e.get("extensions", {}).get("code") for e in body.get("errors") or ()}
            # Only refusals the role's permissions explain (the audit log), a
            # salary quote of the moved worker for a token that may not see him,
            # or a preview over several jurisdictions' policies that must name one.
            one_policy_each = {e["message"] for e in body.get("errors") or ()
                               if e.get("extensions", {}).get("code") == "BAD_USER_INPUT" and "各有政策" in e["message"]}
            assert codes - {"BAD_USER_INPUT"} <= {"FORBIDDEN", "NOT_FOUND"} and (
                "BAD_USER_INPUT" not in codes or one_policy_each), (
                role, name, body.get("errors"))
            answers.append((name, body.get("data")))
        for field, field_ids in ids.items():
            for start in range(0, len(field_ids), 25):
                body = gql.post(walk.lookup_document(field, field_ids[start:start + 25]))
                if body.get("errors"):
                    # A role that may not read this kind of record at all (a worker asking for a
                    # street): every lookup refused, none answered.
                    assert {e["extensions"]["code"] for e in body["errors"]} == {"FORBIDDEN"}, (role, field)
                    assert not any(body["data"].values()), (role, field)
                    assert not any(scope.visible(LOOKUPS[field], int(pk.partition(":")[2]), state)
                                   for pk in field_ids[start:start + 25]), (role, field)
                    continue
                for alias, value in body["data"].items():
                    pk = int(field_ids[start + int(alias[1:])].partition(":")[2])
                    assert (value is not None) == scope.visible(LOOKUPS[field], pk, state), (role, field, pk)
                answers.append((field, body["data"]))
        for name, data in answers:
            for type_name, pk in nodes(data):
                assert scope.visible(type_name, pk, state), f"{role} saw {type_name}:{pk} through {name}"
                seen[role].add((type_name, pk))
            if role in ("viewer", "worker"):
                text = json.dumps(data, ensure_ascii=False)
                assert [v for v in state.personal if v in text] == [], (role, name)
                assert masked_personal_data(data) == [], (role, name)
    # The walk reached every kind of record (the check above is not empty).
    kinds = {"Jurisdiction", "Policy", "Street", "Community", "Worker", "Position", "Payslip", "PayrollRun"}
    assert {t for t, _ in seen["admin"]} >= kinds and {t for t, _ in seen["province"]} >= kinds
    # A city's tokens saw their own city (with its county) and its records, and no other.
    code = state.jurisdiction_code
    assert {code[pk] for t, pk in seen["hr_city"] if t == "Jurisdiction"} == {"411200"}
    assert {code[pk] for t, pk in seen["finance_city"] if t == "Jurisdiction"} == {"411000", "411081"}
    for role in ("hr_city", "finance_city"):
        assert {t for t, _ in seen[role]} >= kinds - {"Position"}, role
    # The worker saw itself and every payslip of its own of an approved or paid run; the
    # draft April payslip it also has was there to be missed.
    worker_pk = tokens["worker"][1].worker
    own = {pk: state.run_status[run] for pk, (w, run) in state.payslip_owner.items() if w == worker_pk}
    assert sorted(own.values()) == ["APPROVED", "DRAFT", "PAID", "PAID"]
    assert {pk for t, pk in seen["worker"] if t == "Payslip"} == {pk for pk, s in own.items() if s != "DRAFT"}
    assert {t for t, _ in seen["worker"]} == {"Worker", "Payslip"}


def test_the_walk_is_deep_and_covers_every_root_field(client, moved_city):
    walk = Walk(moved_city[3])
    documents = walk.documents()
    assert set(documents) | set(LOOKUPS) == {f["name"] for f in walk.query["fields"]}
    # Street → communities → workers → payslips → worker: four object levels below the root.
    assert "communities(first: 4) { totalCount pageInfo { hasNextPage endCursor } nodes { __typename" in \
        documents["streets"]
    deepest = max(document.count("{") for document in documents.values())
    assert deepest >= 12
