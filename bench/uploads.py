"""Hostile uploads against a live service: memory, latency of other requests, and disconnects.

    python bench/uploads.py                 # the four files below, then a client that hangs up
    python bench/uploads.py --skip-legit    # the hostile files only (a minute instead of several)

Builds the files of issue 12 — a 412 KB .xlsx holding one 400 MB cell, a
901 KB .xlsx of 3 million rows, a 43 MB CSV of 1.2 million rows — and a
legitimate 50 MB workers CSV (99,999 workers with the import's columns, an
address and a remark), starts ``community-payroll serve`` on the demo city
(SQLite, default limits, an ADMIN token, no development mode) and uploads each
file to ``importWorkers`` while another client sends a small query every 20 ms
on its own connection.  For each file it prints the answer (the limit that
refused it, or the counts), the time, the server's peak extra memory (RSS of
the server process above what it held just before the upload, sampled every
10 ms) and the other client's p50/p99 latency during the upload, next to its
latency with no upload.  Goals: at most 300 MB extra, other requests kept
(p99 under 200 ms — the issue saw 9 s stalls).

Last, a client sends the legitimate file again (new codes) and hangs up once
it is sent: the bench prints how long the server kept working after the
client left (its CPU time, from /proc) and checks that nothing was written.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.service import DemoService, GraphQLClient, ms, percentile, print_header, process_cpu_seconds  # noqa: E402
from tests import hostile_files as hostile  # noqa: E402

IMPORT = """mutation($input: ImportWorkersInput!) { importWorkers(input: $input) {
  report { written totalRows created updated unchanged refused summary problems { code message } }
  errors { code message } } }"""
SMALL_QUERY = "{ streets(first: 1) { nodes { code } } }"
MEMORY_GOAL_MB = 300
LATENCY_GOAL_S = 0.200


def build_files(folder: Path, legit: bool) -> list[tuple[str, Path]]:
    files = [
        ("412 KB .xlsx, one 400 MB cell", hostile.to_file(folder / "giant-cell.xlsx",
                                                        lambda f: hostile.giant_cell_xlsx(f, 400 * 2**20))),
        ("901 KB .xlsx, 3 million rows", hostile.to_file(folder / "3m-rows.xlsx",
                                                        lambda f: hostile.many_rows_xlsx(f, 3_000_000))),
        ("43 MB CSV, 1.2 million rows", hostile.to_file(folder / "1.2m-rows.csv",
                                                       lambda f: hostile.many_rows_csv(f, 1_200_000))),
    ]
    if legit:
        files.append(("50 MB CSV, 99,999 workers", hostile.to_file(
            folder / "roster.csv", lambda f: hostile.legitimate_workers_csv(f, 99_999, 60, "L", remark_chars=105))))
    return files


def multipart(content: bytes, name: str) -> tuple[bytes, str]:
    boundary = "----payroll-bench-boundary"
    operations = json.dumps({"query": IMPORT, "variables": {"input": {"file": None, "assessmentYear": 2026}}})
    body = b"".join([
        f'--{boundary}\r\nContent-Disposition: form-data; name="operations"\r\n\r\n{operations}\r\n'.encode(),
        f'--{boundary}\r\nContent-Disposition: form-data; name="map"\r\n\r\n{{"0": ["variables.input.file"]}}\r\n'.encode(),
        f'--{boundary}\r\nContent-Disposition: form-data; name="0"; filename="{name}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n".encode(), content, f"\r\n--{boundary}--\r\n".encode(),
    ])
    return body, f"multipart/form-data; boundary={boundary}"


def rss_mb(pid: int) -> float:
    """Resident memory of the server process (one process: ``serve --workers 1``), MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class MemorySampler(threading.Thread):
    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid = pid
        self.peak = 0.0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            self.peak = max(self.peak, rss_mb(self.pid))
            time.sleep(0.01)


async def probe(url: str, token: str, stop: asyncio.Event) -> list[float]:
    """The other client: a small query every 20 ms until ``stop``; its latencies."""
    client = GraphQLClient(url, token)
    body = json.dumps({"query": SMALL_QUERY}).encode()
    latencies = []
    try:
        while not stop.is_set():
            started = time.perf_counter()
            status, _ = await client.request("POST", "/graphql", body)
            latencies.append(time.perf_counter() - started)
            assert status == 200, status
            await asyncio.sleep(0.02)
    finally:
        await client.close()
    return latencies


def post_file(url: str, token: str, path: Path) -> tuple[int, bytes]:
    """The upload, from a thread of its own (so that sending 50 MB does not
    delay the other client, which shares this process's event loop)."""
    body, content_type = multipart(path.read_bytes(), path.name)
    host, port = url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=600)
    try:
        connection.request("POST", "/graphql", body, {"Authorization": f"Bearer {token}", "Content-Type": content_type})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


async def upload(url: str, token: str, path: Path, pid: int) -> dict:
    stop = asyncio.Event()
    before = rss_mb(pid)
    sampler = MemorySampler(pid)
    sampler.start()
    other = asyncio.ensure_future(probe(url, token, stop))
    started = time.perf_counter()
    try:
        status, payload = await asyncio.to_thread(post_file, url, token, path)
    finally:
        seconds = time.perf_counter() - started
        stop.set()
        latencies = await other
        sampler.done.set()
        sampler.join()
    answer = json.loads(payload) if status == 200 else {"http": status, "body": payload[:300].decode(errors="replace")}
    return {"status": status, "answer": answer, "seconds": seconds, "extra_mb": sampler.peak - before,
            "p50": percentile(latencies, 50), "p99": percentile(latencies, 99), "requests": len(latencies)}


def describe(answer: dict) -> str:
    result = (answer.get("data") or {}).get("importWorkers")
    if not result:
        return json.dumps(answer, ensure_ascii=False)[:200]
    report = result["report"]
    problems = report["problems"]
    if problems and problems[0]["code"] == "LIMIT_EXCEEDED":
        return "refused: " + problems[0]["message"]
    return (f"{'written' if report['written'] else 'NOT written'}: {report['created']:,} created, "
            f"{report['refused']:,} refused of {report['totalRows']:,} rows")


def hang_up(url: str, token: str, path: Path, pid: int) -> tuple[float, float]:
    """Send the file, hang up once it is sent; seconds the server kept busy, CPU seconds it used meanwhile."""
    body, content_type = multipart(path.read_bytes(), path.name)
    host, port = url.removeprefix("http://").split(":")
    head = (f"POST /graphql HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n\r\n").encode()
    with socket.create_connection((host, int(port))) as connection:
        connection.sendall(head + body)
        time.sleep(2.0)  # the server has the file and is importing it
    left = time.perf_counter()
    cpu_left = process_cpu_seconds(pid) or 0.0
    last, idle_since = cpu_left, None
    while time.perf_counter() - left < 120:
        time.sleep(0.25)
        cpu = process_cpu_seconds(pid) or 0.0
        if cpu - last < 0.02:  # under 8 % of a core: idle
            idle_since = idle_since or time.perf_counter()
            if time.perf_counter() - idle_since > 1.0:
                break
        else:
            idle_since = None
        last = cpu
    busy = (idle_since or time.perf_counter()) - left
    return busy, last - cpu_left


async def main_async(args: argparse.Namespace) -> None:
    print_header("Hostile uploads against a live service (issue 12)")
    with tempfile.TemporaryDirectory(prefix="payroll-uploads-") as folder:
        await run_all(Path(folder), args)


async def run_all(folder: Path, args: argparse.Namespace) -> None:
    started = time.perf_counter()
    files = build_files(folder, not args.skip_legit)
    print(f"files       built in {time.perf_counter() - started:.0f} s: "
          + ", ".join(f"{p.name} {p.stat().st_size:,} B" for _, p in files))
    with DemoService(demo_workers=800) as service:
        pid = service.server.process.pid
        stop = asyncio.Event()
        idle = asyncio.ensure_future(probe(service.url, service.token, stop))
        await asyncio.sleep(3)
        stop.set()
        quiet = await idle
        print(f"quiet       other client alone: p50 {ms(percentile(quiet, 50))} ms, p99 {ms(percentile(quiet, 99))} ms "
              f"({len(quiet)} requests); server RSS {rss_mb(pid):,.0f} MB")
        worst_mb, worst_p99 = 0.0, 0.0
        for label, path in files:
            result = await upload(service.url, service.token, path, pid)
            worst_mb, worst_p99 = max(worst_mb, result["extra_mb"]), max(worst_p99, result["p99"])
            print(f"{label:31s} {result['seconds']:6.1f} s  +{result['extra_mb']:6.0f} MB  other client p50 "
                  f"{ms(result['p50'])} ms p99 {ms(result['p99'])} ms ({result['requests']} requests)\n"
                  f"{'':31s} {describe(result['answer'])}")
        print(f"goal        peak extra memory {worst_mb:,.0f} MB (goal ≤ {MEMORY_GOAL_MB} MB: "
              f"{'met' if worst_mb <= MEMORY_GOAL_MB else 'NOT met'}); worst p99 of the other client "
              f"{ms(worst_p99)} ms (goal < {LATENCY_GOAL_S * 1000:.0f} ms: "
              f"{'met' if worst_p99 < LATENCY_GOAL_S else 'NOT met'})")
        if not args.skip_legit:
            again = hostile.to_file(folder / "roster-again.csv", lambda f: hostile.legitimate_workers_csv(
                f, 99_999, 60, "X", remark_chars=105))
            busy, cpu = hang_up(service.url, service.token, again, pid)
            client = GraphQLClient(service.url, service.token)
            _, answer, _ = await client.execute('{ workers(where: {search: "X0"}) { totalCount } }')
            await client.close()
            written = answer["data"]["workers"]["totalCount"]
            print(f"hang-up     the server worked {busy:.1f} s ({cpu:.1f} CPU s) after the client left; workers "
                  f"written: {written:,} ({'nothing written: met' if written == 0 else 'NOT met'})")
            stopped = "import of roster-again.csv stopped" in service.server.log.read_text(errors="replace")
            print(f"            server log says the import stopped: {'yes' if stopped else 'no'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-legit", action="store_true", help="only the hostile files")
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
