"""Mixed read and write load on the running service (issue 4).

    python bench/load.py [--clients 32] [--seconds 60] [--workers 1] [--database-url postgresql://…]
    python bench/load.py --url http://127.0.0.1:8000 --token cp_… [--clients 32] [--seconds 60]
    python bench/load.py --jurisdictions 3 [--database-url postgresql://…]   # jurisdiction-scoped tokens

Without ``--url`` it loads the demo city into a fresh SQLite file (or the
empty database of ``--database-url``), creates an ADMIN token and starts
``community-payroll serve`` on a free loopback port.  With ``--url`` it drives
a service that is already running — loopback addresses only — with the token
of ``--token`` (or none, for a server in development mode).  The writes change
that database (phones, assessments, new vacant positions): point it at a demo.

``--clients`` concurrent clients each send one request at a time, chosen at
random from this mix, until ``--seconds`` have passed; then the script stops
by itself:

- reads: a page of 100 payslips of the latest month with worker and community
  (random cursor); a worker search; ``salaryQuote`` for a worker; ``staffing``;
- writes: ``updateWorker`` of a random worker's phone after reading its
  version (``worker``); ``recordAssessments`` for 1–5 workers;
  ``createPosition`` (a vacancy in a random community).

With ``--jurisdictions N`` (starting the service) the demo has N
jurisdictions, each with its own policy, and the clients take turns among
tokens limited to one jurisdiction each — an HR token (the whole mix) and a
FINANCE token (the reads) per jurisdiction — and a PROVINCE token (the
reads, everywhere); each token's workers, communities and payslip pages are
discovered with that token.

A ``CONFLICT`` user error on ``updateWorker`` (another client updated the
same worker between the read and the write) is an expected outcome and is
counted apart.  Errors (goal: 0) are any transport or HTTP error, any GraphQL
error, and any other user error.  Prints requests served, errors and p50/p99
latency overall and per operation.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]  # bench/api.py must not shadow ``api``
sys.path.insert(0, str(ROOT))

import argparse  # noqa: E402
import asyncio  # noqa: E402
import datetime as dt  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402
import time  # noqa: E402
from collections import Counter, defaultdict  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from typing import Any, Awaitable, Callable  # noqa: E402

from bench.service import (  # noqa: E402
    CpuMeter,
    DemoService,
    GraphQLClient,
    describe_database,
    goal,
    graphql_data,
    load_average,
    ms,
    percentile,
    print_header,
    require_loopback,
)

PAYSLIPS = """
query PayslipPage($period: Period!, $after: String) {
  payslips(period: $period, first: 100, after: $after) {
    nodes { period gross net incomeTax worker { code name } community { code name } }
    pageInfo { endCursor hasNextPage }
  }
}
"""
WORKER_SEARCH = """
query WorkerSearch($search: String!) {
  workers(first: 20, where: {search: $search}) {
    totalCount
    nodes { id code name post serviceStart education community { code name } }
  }
}
"""
SALARY_QUOTE = """
query Quote($period: Period!, $workerId: ID!) {
  salaryQuote(input: {period: $period, workerId: $workerId}) {
    grade gross net incomeTax employerCost
    explanation { item value calculation }
  }
}
"""
STAFFING = """
query Staffing($date: Date!) {
  staffing(date: $date) {
    totals { required actual gap shortage communitiesShort }
    rows { required chiefActual deputyActual staffActual gap community { code name } }
  }
}
"""
WORKER_VERSION = "query Version($id: ID!) { worker(id: $id) { id version } }"
UPDATE_WORKER = """
mutation UpdatePhone($input: UpdateWorkerInput!) {
  updateWorker(input: $input) { worker { id version phone } errors { field code message } }
}
"""
RECORD_ASSESSMENTS = """
mutation Assess($input: RecordAssessmentsInput!) {
  recordAssessments(input: $input) { recorded errors { field code message } }
}
"""
CREATE_POSITION = """
mutation Vacancy($input: CreatePositionInput!) {
  createPosition(input: $input) { position { id post title } errors { field code message } }
}
"""

#: How often each action is chosen (out of the sum).  updateWorker is two requests.
MIX = {
    "payslips": 25,
    "workerSearch": 20,
    "salaryQuote": 15,
    "staffing": 10,
    "updateWorker": 15,
    "recordAssessments": 8,
    "createPosition": 7,
}
#: updateWorker picks among this many workers, so that concurrent updates of one worker happen.
UPDATED_WORKERS = 20
#: What a read-only token (FINANCE, PROVINCE) sends: the reads of the mix.
READS = ("payslips", "workerSearch", "salaryQuote", "staffing")
ORDER = ["payslips", "workerSearch", "salaryQuote", "staffing", "worker", "updateWorker", "recordAssessments",
         "createPosition"]


# --------------------------------------------------------------------------- what the service holds


@dataclass
class Fixtures:
    period: str
    afters: list[str | None]
    workers: list[dict[str, Any]]
    paid_workers: list[dict[str, Any]]  # in service during the period: they can be quoted
    community_ids: list[str]
    post: str
    year: int
    today: str


async def discover(url: str, token: str | None) -> Fixtures:
    """Periods, cursors, workers and communities, asked of the service itself."""
    client = GraphQLClient(url, token)
    runs = (await graphql_data(client, "query { payrollRuns(first: 1, orderBy: [{field: PERIOD, direction: DESC}]) "
                                       "{ nodes { period } } }"))["payrollRuns"]["nodes"]
    if not runs:
        raise SystemExit("the service has no payroll runs; load the demo first")
    period = runs[0]["period"]
    afters: list[str | None] = []
    after = None
    while True:
        afters.append(after)
        page = (await graphql_data(client, PAYSLIPS, {"period": period, "after": after}))["payslips"]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    workers: list[dict[str, Any]] = []
    after = None
    while True:
        page = (await graphql_data(client, "query W($after: String) { workers(first: 100, after: $after) "
                                           "{ nodes { id code name post serviceStart serviceEnd } pageInfo { endCursor hasNextPage } } }",
                                   {"after": after}))["workers"]
        workers += page["nodes"]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    communities = (await graphql_data(client, "query { communities(first: 100) { nodes { id } } }"))["communities"]["nodes"]
    await client.close()
    if not workers or not communities:
        raise SystemExit("the service has no workers or communities; load the demo first")
    # The most common post is the rank-and-file one: the natural post for a new vacancy.
    post = Counter(w["post"] for w in workers).most_common(1)[0][0]
    year, month = int(period[:4]), int(period[5:7])
    first_day = dt.date(year, month, 1).isoformat()
    last_day = (dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)).isoformat()
    paid = [w for w in workers if w["serviceStart"] <= last_day and (w["serviceEnd"] is None or w["serviceEnd"] >= first_day)]
    return Fixtures(period, afters, workers, paid, [c["id"] for c in communities], post, year - 1,
                    dt.date.today().isoformat())


async def jurisdiction_actors(service: DemoService, url: str, admin_token: str) -> list[Actor]:
    """An HR and a FINANCE token limited to each jurisdiction, and a PROVINCE token, each with what it sees."""
    client = GraphQLClient(url, admin_token)
    found = (await graphql_data(client, "query { jurisdictions { code name } }"))["jurisdictions"]
    await client.close()
    actors = []
    for jurisdiction in found:
        for role, actions in (("HR", tuple(MIX)), ("FINANCE", READS)):
            label = f"{role} {jurisdiction['name']}"
            token = service.create_token(role, f"bench {label}", [jurisdiction["code"]])
            actors.append(Actor(label, token, await discover(url, token), actions))
    token = service.create_token("PROVINCE", "bench PROVINCE")
    actors.append(Actor("PROVINCE", token, await discover(url, token), READS))
    return actors


# --------------------------------------------------------------------------- the actions


@dataclass
class Actor:
    """Who a client is: a token, what it sees (discovered with it) and the actions it sends."""

    label: str
    token: str | None
    fixtures: Fixtures
    actions: tuple[str, ...] = tuple(MIX)


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: Counter = field(default_factory=Counter)
    conflicts: Counter = field(default_factory=Counter)
    kinds: Counter = field(default_factory=Counter)
    #: Requests and errors per actor (token).
    requests_by_actor: Counter = field(default_factory=Counter)
    errors_by_actor: Counter = field(default_factory=Counter)

    def error(self, operation: str, what: str) -> None:
        self.errors[operation] += 1
        # One line per kind of error: the request ids differ, the errors do not.
        self.kinds[f"{operation}: {re.sub(r'request id [0-9a-f]+', 'request id …', what)}"] += 1


class Outcome(Exception):
    """A request whose answer is an error; raised after its latency is recorded."""


class _ByActor:
    """A :class:`Stats` that also counts each request and error under one actor."""

    def __init__(self, stats: Stats, label: str) -> None:
        self.stats, self.label = stats, label
        self.latencies, self.conflicts = stats.latencies, stats.conflicts

    def error(self, operation: str, what: str) -> None:
        self.stats.errors_by_actor[self.label] += 1
        self.stats.error(operation, f"[{self.label}] {what}" if self.label != "ADMIN" else what)

    def count(self) -> None:
        self.stats.requests_by_actor[self.label] += 1


async def timed(stats: Stats, client: GraphQLClient, operation: str, query: str, variables: dict[str, Any],
                payload_key: str | None = None, expected_codes: frozenset[str] = frozenset()) -> dict[str, Any] | None:
    """Send one request and record its latency and outcome; the ``data`` when it succeeded."""
    if isinstance(stats, _ByActor):
        stats.count()
    started = time.perf_counter()
    try:
        status, decoded, raw = await client.execute(query, variables)
    except Exception as exc:  # noqa: BLE001 - a transport failure is a measured error
        stats.latencies[operation].append(time.perf_counter() - started)
        stats.error(operation, repr(exc))
        return None
    stats.latencies[operation].append(time.perf_counter() - started)
    if status != 200 or not decoded or decoded.get("data") is None or decoded.get("errors"):
        if decoded and decoded.get("errors"):
            first = decoded["errors"][0]
            stats.error(operation, f"HTTP {status}, GraphQL error {first.get('extensions', {}).get('code', '')}: "
                                   f"{first.get('message', '')}")
        else:
            stats.error(operation, f"HTTP {status}: {raw[:300].decode('utf-8', 'replace')}")
        return None
    data = decoded["data"]
    if payload_key is not None:
        user_errors = data[payload_key]["errors"]
        if user_errors:
            codes = {e["code"] for e in user_errors}
            if codes <= expected_codes:
                stats.conflicts[operation] += 1
            else:
                stats.error(operation, f"user errors {user_errors}")
            return None
    return data


def make_actions(fx: Fixtures, counted: Stats, label: str = "ADMIN"
                 ) -> dict[str, Callable[[GraphQLClient, random.Random], Awaitable[None]]]:
    surnames = sorted({w["name"][0] for w in fx.workers})
    stats = _ByActor(counted, label)

    async def payslips(client: GraphQLClient, rng: random.Random) -> None:
        await timed(stats, client, "payslips", PAYSLIPS, {"period": fx.period, "after": rng.choice(fx.afters)})

    async def worker_search(client: GraphQLClient, rng: random.Random) -> None:
        # A surname (tens of matches) or a code prefix (a handful).
        term = rng.choice(surnames) if rng.random() < 0.5 else rng.choice(fx.workers)["code"][:-1]
        await timed(stats, client, "workerSearch", WORKER_SEARCH, {"search": term})

    async def salary_quote(client: GraphQLClient, rng: random.Random) -> None:
        await timed(stats, client, "salaryQuote", SALARY_QUOTE, {"period": fx.period, "workerId": rng.choice(fx.paid_workers)["id"]})

    async def staffing(client: GraphQLClient, rng: random.Random) -> None:
        await timed(stats, client, "staffing", STAFFING, {"date": fx.today})

    async def update_worker(client: GraphQLClient, rng: random.Random) -> None:
        # Concentrated on a few workers so that concurrent writers do meet (the CONFLICT path).
        worker_id = rng.choice(fx.workers[:UPDATED_WORKERS])["id"]
        read = await timed(stats, client, "worker", WORKER_VERSION, {"id": worker_id})
        if read is None:
            return
        phone = "139" + "".join(rng.choice("0123456789") for _ in range(8))
        await timed(stats, client, "updateWorker", UPDATE_WORKER,
                    {"input": {"id": worker_id, "version": read["worker"]["version"], "phone": phone}},
                    payload_key="updateWorker", expected_codes=frozenset({"CONFLICT"}))

    async def record_assessments(client: GraphQLClient, rng: random.Random) -> None:
        chosen = rng.sample(fx.workers, rng.randint(1, 5))
        entries = [{"workerId": w["id"], "result": rng.choice(["EXCELLENT", "COMPETENT", "BASIC"])} for w in chosen]
        await timed(stats, client, "recordAssessments", RECORD_ASSESSMENTS,
                    {"input": {"year": fx.year, "entries": entries}}, payload_key="recordAssessments")

    async def create_position(client: GraphQLClient, rng: random.Random) -> None:
        await timed(stats, client, "createPosition", CREATE_POSITION,
                    {"input": {"communityId": rng.choice(fx.community_ids), "post": fx.post, "title": "网格员（压测空岗）"}},
                    payload_key="createPosition")

    return {
        "payslips": payslips,
        "workerSearch": worker_search,
        "salaryQuote": salary_quote,
        "staffing": staffing,
        "updateWorker": update_worker,
        "recordAssessments": record_assessments,
        "createPosition": create_position,
    }


async def drive(url: str, actors: list[Actor], clients: int, seconds: float, seed: int,
                server_pid: int | None) -> tuple[Stats, CpuMeter]:
    """``clients`` clients, client i acting as ``actors[i % len(actors)]``."""
    stats = Stats()
    deadline = time.monotonic() + seconds

    async def client_loop(index: int) -> None:
        rng = random.Random(seed * 1000 + index)
        actor = actors[index % len(actors)]
        actions = make_actions(actor.fixtures, stats, actor.label)
        names = list(actor.actions)
        weights = [MIX[name] for name in names]
        client = GraphQLClient(url, actor.token)
        try:
            while time.monotonic() < deadline:
                await actions[rng.choices(names, weights)[0]](client, rng)
        finally:
            await client.close()

    with CpuMeter(server_pid) as meter:
        await asyncio.gather(*(client_loop(i) for i in range(clients)))
    return stats, meter


# --------------------------------------------------------------------------- report


def report(stats: Stats, meter: CpuMeter, clients: int) -> None:
    everything = [x for values in stats.latencies.values() for x in values]
    total_errors = sum(stats.errors.values())
    print(f"  {'operation':<18} {'requests':>9} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'errors':>7} "
          f"{'CONFLICT':>9}")
    for operation in ORDER + sorted(set(stats.latencies) - set(ORDER)):
        values = stats.latencies.get(operation, [])
        conflicts = str(stats.conflicts[operation]) if operation == "updateWorker" else ""
        print(f"  {operation:<18} {len(values):>9,} {len(values) / meter.wall:>8.1f} {ms(percentile(values, 50)):>8} "
              f"{ms(percentile(values, 99)):>8} {ms(max(values, default=float('nan'))):>8} {stats.errors[operation]:>7} "
              f"{conflicts:>9}")
    print(f"  {'all':<18} {len(everything):>9,} {len(everything) / meter.wall:>8.1f} {ms(percentile(everything, 50)):>8} "
          f"{ms(percentile(everything, 99)):>8} {ms(max(everything, default=float('nan'))):>8} {total_errors:>7} "
          f"{sum(stats.conflicts.values()):>9}")
    print()
    print(f"requests served: {len(everything):,} in {meter.wall:.1f} s ({len(everything) / meter.wall:.1f} req/s) "
          f"by {clients} clients")
    print(f"errors: {total_errors} — goal 0: {goal(total_errors == 0)}")
    if set(stats.requests_by_actor) - {"ADMIN"}:
        print("by token: " + "; ".join(f"{label} {count:,} requests, {stats.errors_by_actor[label]} errors"
                                       for label, count in sorted(stats.requests_by_actor.items())))
    print(f"expected CONFLICT outcomes of concurrent updateWorker (stale version, nothing written): "
          f"{stats.conflicts['updateWorker']}")
    for kind, count in stats.kinds.most_common(8):
        print(f"  {count:>5} × {kind}")
    per_request = meter.client / len(everything) if everything else 0.0
    line = (f"CPU: client {per_request * 1e6:.0f} µs/request ({meter.client / meter.wall:.0%} of one core; it could send "
            f"{1 / per_request if per_request else 0:,.0f} req/s)")
    if meter.server is not None:
        line += f"; server {meter.server / meter.wall:.0%} of one core (of the {os.cpu_count()})"
    print(line)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=32, help="concurrent clients (default 32)")
    parser.add_argument("--seconds", type=float, default=60.0, help="how long to drive the service (default 60)")
    parser.add_argument("--url", help="a running service on this machine (loopback only); default: start one on the demo")
    parser.add_argument("--token", default=os.environ.get("PAYROLL_TOKEN"),
                        help="bearer token for --url (default: $PAYROLL_TOKEN; none for a development-mode server)")
    parser.add_argument("--workers", type=int, default=1, help="API processes when starting the service (default 1)")
    parser.add_argument("--database-url", help="an EMPTY database to load the demo into (default: a fresh SQLite file)")
    parser.add_argument("--jurisdictions", type=int, default=1, metavar="N",
                        help="starting the service: a demo of N jurisdictions, driven with an HR and a FINANCE token "
                             "limited to each and a PROVINCE token (default 1: the city, with the ADMIN token)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    if args.url and args.database_url:
        parser.error("give --url (a running service) or --database-url (start one), not both")
    if args.url and args.jurisdictions != 1:
        parser.error("--jurisdictions loads a demo: it needs a service started here, not --url")
    if args.seconds <= 0 or args.clients <= 0:
        parser.error("--seconds and --clients must be positive")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    print_header("bench/load.py — mixed read and write traffic against the GraphQL service")
    service: DemoService | None = None
    try:
        if args.url:
            require_loopback(args.url)
            url, token, pid = args.url.rstrip("/"), args.token, None
            where = f"the running service at {url}"
        else:
            service = DemoService(database_url=args.database_url, workers=args.workers,
                                  jurisdictions=args.jurisdictions).start()
            assert service.server is not None
            url, token, pid = service.url, service.token, service.server.process.pid
            where = (f"community-payroll serve ({args.workers} process{'es' if args.workers > 1 else ''}) on "
                     f"{describe_database(service.database_url or '')}, ADMIN token")
        if service is not None and args.jurisdictions > 1:
            actors = asyncio.run(jurisdiction_actors(service, url, token))
            where = where.replace("ADMIN token", f"{len(actors)} tokens: " + ", ".join(a.label for a in actors))
        else:
            actors = [Actor("ADMIN", token, asyncio.run(discover(url, token)))]
        fx = actors[-1].fixtures  # the PROVINCE token sees everything (the ADMIN token alone: itself)
        print(f"service: {where}")
        mix = ", ".join(f"{name} {weight}" for name, weight in MIX.items())
        print(f"load: {args.clients} clients × {args.seconds:g} s, one request at a time each; mix (weights): {mix}; "
              f"updateWorker reads the version first (worker) and changes the phone of one of {UPDATED_WORKERS} workers")
        print(f"data: {len(fx.workers)} workers, {len(fx.community_ids)} communities, payslips of {fx.period} "
              f"({len(fx.afters)} pages), assessments for {fx.year}, staffing on {fx.today}")
        print()
        stats, meter = asyncio.run(drive(url, actors, args.clients, args.seconds, args.seed, pid))
        report(stats, meter, args.clients)
        if service is not None and service.server is not None:
            logged = service.server.exceptions()
            if logged:
                print(f"server log: exceptions logged: {'; '.join(sorted(logged))}")
        print(f"{load_average()} at the end")
        return 1 if sum(stats.errors.values()) else 0
    finally:
        if service is not None:
            service.stop()


if __name__ == "__main__":
    sys.exit(main())
