"""GraphQL page latency and throughput against a bare Starlette endpoint (issue 3).

    python bench/api.py [--clients 16] [--seconds 20 | --requests N] [--workers 1]
                        [--database-url postgresql://…] [--period 2026-10]

Loads the demo city into a fresh SQLite file (or into the empty database of
``--database-url``), creates an ADMIN token with ``community-payroll token
create`` and starts ``community-payroll serve`` (``--workers`` processes) on a
free loopback port.  In the same run it starts a bare Starlette app
(:func:`bare_app` below: the same rows from the same database through peewee,
as JSON, no GraphQL) under uvicorn with the same number of processes.

Every request asks for a full page of 100 payslips of the month with their
worker and community; the clients cycle through the cursors of the month's
pages.  Before timing, the script walks every page through both endpoints and
checks that they return exactly the same rows.

Prints the median and p99 latency at ``--clients`` concurrent clients, the
requests per second of both, the ratio, and the CPU the client and the
servers used (the client must not be the bottleneck).
Goals: p99 under 100 ms; at least a third of the bare endpoint's throughput.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# Run as a script, this file's directory comes first on sys.path, and this
# file (api.py) would shadow the service package ``api``.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(ROOT))

import argparse  # noqa: E402
import asyncio  # noqa: E402
import contextlib  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import time  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from typing import Any, Awaitable, Callable  # noqa: E402

from bench.service import (  # noqa: E402
    CpuMeter,
    DemoService,
    GraphQLClient,
    HttpClient,
    describe_database,
    free_port,
    goal,
    graphql_data,
    load_average,
    ms,
    percentile,
    print_header,
    start_server,
    stop_after,
)

PAGE = 100

PAGE_QUERY = """
query PayslipPage($period: Period!, $after: String) {
  payslips(period: $period, first: 100, after: $after) {
    nodes { period gross net incomeTax worker { code name } community { code name } }
    pageInfo { endCursor hasNextPage }
  }
}
"""

LATEST_PERIOD = """
query { payrollRuns(first: 1, orderBy: [{field: PERIOD, direction: DESC}]) { nodes { period } } }
"""


# --------------------------------------------------------------------------- the bare endpoint


def bare_app():
    """The baseline: the same page as plain JSON from a Starlette endpoint.

    One joined peewee query returning tuples, money formatted as the API does
    (decimal strings of yuan), ``json.dumps`` by Starlette.  No GraphQL, no
    authentication.  Run by uvicorn as ``bench.api:bare_app`` (a factory).
    """
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    from payroll.money import format_fen

    from api.db.database import configure, connection
    from api.db.models import Community, Payslip, Worker

    configure()  # DATABASE_URL

    def payslips(request: Request) -> JSONResponse:
        # A sync endpoint: Starlette runs it in its thread pool, as the API runs database work.
        period = request.query_params["period"]
        first = min(int(request.query_params.get("first", PAGE)), PAGE)
        after = int(request.query_params.get("after") or 0)
        query = (
            Payslip.select(Payslip.id, Payslip.period, Payslip.gross, Payslip.net, Payslip.income_tax,
                           Worker.code, Worker.name, Community.code, Community.name)
            .join(Worker, on=(Payslip.worker == Worker.id))
            .switch(Payslip)
            .join(Community, on=(Payslip.community == Community.id))
            .where((Payslip.period == period) & (Payslip.id > after))
            .order_by(Payslip.id)
            .limit(first + 1)
            .tuples()
        )
        with connection():
            rows = list(query)
        more = len(rows) > first
        rows = rows[:first]
        nodes = [
            {"period": p, "gross": format_fen(g), "net": format_fen(n), "incomeTax": format_fen(t),
             "worker": {"code": wc, "name": wn}, "community": {"code": cc, "name": cn}}
            for _, p, g, n, t, wc, wn, cc, cn in rows
        ]
        return JSONResponse({"nodes": nodes, "endCursor": rows[-1][0] if rows else None, "hasNextPage": more})

    def healthz(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    return Starlette(routes=[Route("/payslips", payslips), Route("/healthz", healthz)])


def start_bare(service: DemoService, workers: int):
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "--factory", "bench.api:bare_app", "--app-dir", str(ROOT),
               "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers), "--log-level", "warning"]
    return start_server(command, service.env(), port, service.tmp / "bare.log")


# --------------------------------------------------------------------------- pages


async def graphql_pages(url: str, token: str, period: str) -> tuple[list[str | None], list[list[dict[str, Any]]]]:
    """Every page of the month through GraphQL: (the `after` of each full page, the pages' rows)."""
    client = GraphQLClient(url, token)
    afters, pages, after = [], [], None
    while True:
        data = await graphql_data(client, PAGE_QUERY, {"period": period, "after": after})
        page = data["payslips"]
        pages.append(page["nodes"])
        if len(page["nodes"]) == PAGE:
            afters.append(after)
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    await client.close()
    return afters, pages


async def bare_pages(url: str, period: str) -> tuple[list[int], list[list[dict[str, Any]]]]:
    client = HttpClient(url)
    afters, pages, after = [], [], 0
    while True:
        status, body = await client.request("GET", f"/payslips?period={period}&first={PAGE}&after={after}")
        if status != 200:
            raise SystemExit(f"bare endpoint: HTTP {status}: {body[:300]!r}")
        page = json.loads(body)
        pages.append(page["nodes"])
        if len(page["nodes"]) == PAGE:
            afters.append(after)
        if not page["hasNextPage"]:
            break
        after = page["endCursor"]
    await client.close()
    return afters, pages


# --------------------------------------------------------------------------- load


@dataclass
class Phase:
    name: str
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    first_error: str = ""
    wall: float = 0.0
    client_cpu: float = 0.0
    server_cpu: float | None = None

    @property
    def requests(self) -> int:
        return len(self.latencies)

    @property
    def rate(self) -> float:
        return self.requests / self.wall if self.wall else 0.0


async def run_phase(
    phase: Phase,
    make_client: Callable[[], HttpClient],
    send: Callable[[HttpClient, int], Awaitable[str | None]],
    clients: int,
    seconds: float | None,
    requests: int | None,
    server_pid: int,
    warmup_per_client: int = 5,
) -> Phase:
    """``clients`` concurrent clients sending ``send`` until the time or request budget is spent.

    ``send`` returns None for a correct answer, else what was wrong with it.
    """
    connections = [make_client() for _ in range(clients)]
    # Warm-up: open the connections, fill the caches and the server's pools.
    async def warm(client: HttpClient, index: int) -> None:
        for j in range(warmup_per_client):  # one request at a time per connection
            with contextlib.suppress(Exception):  # a failing endpoint shows in the timed phase
                await send(client, index * warmup_per_client + j)

    await asyncio.gather(*(warm(c, i) for i, c in enumerate(connections)))
    issued = 0
    deadline, budget = stop_after(seconds, requests)

    async def client_loop(client: HttpClient) -> None:
        nonlocal issued
        while issued < budget and time.monotonic() < deadline:
            issued += 1
            number = issued
            started = time.perf_counter()
            try:
                problem = await send(client, number)
            except Exception as exc:  # noqa: BLE001 - a failed request is a measured error
                problem = repr(exc)
            phase.latencies.append(time.perf_counter() - started)
            if problem is not None:
                phase.errors += 1
                phase.first_error = phase.first_error or problem

    with CpuMeter(server_pid) as meter:
        await asyncio.gather(*(client_loop(c) for c in connections))
    for c in connections:
        await c.close()
    phase.wall, phase.client_cpu, phase.server_cpu = meter.wall, meter.client, meter.server
    return phase


def graphql_sender(period: str, afters: list[str | None]) -> Callable[[HttpClient, int], Awaitable[str | None]]:
    async def send(client: HttpClient, number: int) -> str | None:
        assert isinstance(client, GraphQLClient)
        status, decoded, raw = await client.execute(PAGE_QUERY, {"period": period, "after": afters[number % len(afters)]})
        if status != 200 or not decoded or decoded.get("errors"):
            return f"HTTP {status}: {raw[:300].decode('utf-8', 'replace')}"
        if len(decoded["data"]["payslips"]["nodes"]) != PAGE:
            return f"a page of {len(decoded['data']['payslips']['nodes'])} rows"
        return None

    return send


def bare_sender(period: str, afters: list[int]) -> Callable[[HttpClient, int], Awaitable[str | None]]:
    async def send(client: HttpClient, number: int) -> str | None:
        status, body = await client.request("GET", f"/payslips?period={period}&first={PAGE}&after={afters[number % len(afters)]}")
        if status != 200:
            return f"HTTP {status}: {body[:300]!r}"
        if len(json.loads(body)["nodes"]) != PAGE:
            return "a short page"
        return None

    return send


# --------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients (default 16)")
    budget = parser.add_mutually_exclusive_group()
    budget.add_argument("--seconds", type=float, default=None, help="seconds per endpoint (default 20)")
    budget.add_argument("--requests", type=int, default=None, help="requests per endpoint instead of a duration")
    parser.add_argument("--workers", type=int, default=1, help="API (and bare endpoint) processes (default 1)")
    parser.add_argument("--database-url", help="an EMPTY database to load the demo into (e.g. postgresql://…); "
                                               "default: a fresh SQLite file")
    parser.add_argument("--period", help="the month of the payslips (default: the latest payroll run's)")
    args = parser.parse_args(argv)
    if args.seconds is None and args.requests is None:
        args.seconds = 20.0
    return args


def print_phase(phase: Phase) -> None:
    print(f"  {phase.name:<28} {phase.requests:>8,} {phase.rate:>9.1f} {ms(percentile(phase.latencies, 50)):>8} "
          f"{ms(percentile(phase.latencies, 99)):>8} {ms(max(phase.latencies, default=float('nan'))):>8} {phase.errors:>7}")


def print_cpu(phase: Phase, processes: int) -> None:
    per_request = phase.client_cpu / phase.requests if phase.requests else 0.0
    line = (f"  {phase.name:<28} client {per_request * 1e6:4.0f} µs CPU/request ({phase.client_cpu / phase.wall:4.0%} of one core; "
            f"it could send {1 / per_request if per_request else 0:,.0f} req/s)")
    if phase.server_cpu is not None:
        server_per_request = phase.server_cpu / phase.requests * 1e3 if phase.requests else 0.0
        line += (f"; server {server_per_request:5.2f} ms CPU/request, {phase.server_cpu / phase.wall:5.0%} of one core "
                 f"({processes} process{'es' if processes > 1 else ''})")
    print(line)


async def measure(args: argparse.Namespace, service: DemoService, bare) -> None:
    period = args.period
    if period is None:
        probe = GraphQLClient(service.url, service.token)
        runs = (await graphql_data(probe, LATEST_PERIOD))["payrollRuns"]["nodes"]
        await probe.close()
        if not runs:
            raise SystemExit("the database has no payroll runs; give --period")
        period = runs[0]["period"]
    gql_afters, gql_rows = await graphql_pages(service.url, service.token, period)
    bare_afters, bare_rows = await bare_pages(bare.url, period)
    if gql_rows != bare_rows:
        raise SystemExit("the bare endpoint and GraphQL returned different rows; the comparison would be unfair")
    if not gql_afters:
        raise SystemExit(f"{period} has no full page of {PAGE} payslips")
    total = sum(len(p) for p in gql_rows)
    print(f"database: {describe_database(service.database_url or '')} (demo loaded in {service.load_seconds:.1f} s); "
          f"API processes: {args.workers}")
    print(f"query: payslips(period: \"{period}\", first: 100, after: $cursor) {{ nodes {{ period gross net incomeTax "
          f"worker {{ code name }} community {{ code name }} }} pageInfo {{ endCursor hasNextPage }} }}")
    print(f"pages: {len(gql_afters)} full pages of {PAGE} of the month's {total:,} payslips, cycled by every client; "
          f"GraphQL and bare rows checked identical")
    budget = f"{args.seconds:g} s" if args.seconds else f"{args.requests:,} requests"
    print(f"load: {args.clients} concurrent clients (keep-alive connections, one asyncio client process), "
          f"{budget} per endpoint after a warm-up")
    print()

    graphql = await run_phase(Phase("GraphQL /graphql"), lambda: GraphQLClient(service.url, service.token),
                              graphql_sender(period, gql_afters), args.clients, args.seconds, args.requests,
                              service.server.process.pid if service.server else 0)
    plain = await run_phase(Phase("bare Starlette /payslips"), lambda: HttpClient(bare.url),
                            bare_sender(period, bare_afters), args.clients, args.seconds, args.requests, bare.process.pid)

    print(f"  {'endpoint':<28} {'requests':>8} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'errors':>7}")
    print_phase(graphql)
    print_phase(plain)
    print()
    p99 = percentile(graphql.latencies, 99)
    ratio = graphql.rate / plain.rate if plain.rate else 0.0
    print(f"GraphQL p99 {ms(p99)} ms — goal under 100 ms: {goal(p99 < 0.100)}")
    print(f"GraphQL/bare throughput {ratio:.2f} ({graphql.rate:.1f} / {plain.rate:.1f} req/s) — "
          f"goal at least 0.33: {goal(ratio >= 1 / 3)}")
    print(f"errors: GraphQL {graphql.errors}, bare {plain.errors}" +
          (f" (first: {graphql.first_error or plain.first_error})" if graphql.errors or plain.errors else ""))
    print()
    print(f"CPU used (client = this benchmark process; {os.cpu_count()} CPUs shared by client, servers and database):")
    print_cpu(graphql, args.workers)
    print_cpu(plain, args.workers)
    print(f"{load_average()} at the end")
    assert service.server is not None
    logged = {**service.server.exceptions(), **bare.exceptions()}
    if logged:
        print(f"server logs: exceptions logged: {'; '.join(sorted(logged))}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    print_header("bench/api.py — a page of 100 payslips with worker and community: GraphQL against a bare endpoint")
    service = DemoService(database_url=args.database_url, workers=args.workers)
    bare = None
    try:
        service.start()
        bare = start_bare(service, args.workers)
        asyncio.run(measure(args, service, bare))
    finally:
        if bare is not None:
            bare.stop()
        service.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
