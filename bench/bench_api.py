"""Load check for the HTTP API: N concurrent POST /generate against the echo models, through a real uvicorn.

Passes when every call answers 200 and every request_id is in requests.csv (nothing lost under concurrency), and
when GET /health, asked while --slow calls are in flight, still answers in under a second (against idle /health).
Then --streams concurrent streaming calls through the OpenAI-compatible gateway to a loopback OpenAI server whose
answer takes STREAM_SECONDS, against one such call alone in the same run: the ratio is how much slower a crowd is.
Run: python bench/bench_api.py [--requests 50] [--slow 45] [--streams 200] [--only-streams]
(about 40 s; all on loopback, no key)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from _servers import last_answer, loopback_server, machine_speed_s, median  # also puts the repository on sys.path

from llm_core.store.csv_store import LogStore
from tests.api_support import api_server

MODELS = ("echo", "echo-outline")
SLOW_SECONDS = 6  # each slow call's time to first token: long enough to ask /health many times meanwhile
SLOW_ECHO = f"""
[models.echo-slow]
label = "Echo · slow (offline demo)"
provider = "echo"
name = "echo-slow"
input_price = 0.0
output_price = 0.0
settings = {{ ttft_ms = {SLOW_SECONDS * 1000}, tokens_per_s = 50 }}
"""
HEALTH_SAMPLES = 20
HEALTH_LIMIT_S = 1.0
STREAM_SECONDS = 2.0  # each streamed answer: 20 tokens at 10 per second, the first after 100 ms
STREAM_REPLY = " ".join(f"word{n}" for n in range(20))
STREAM_LIMIT = 1.3  # the bar: a crowd of streams finishes within 1.3x one stream's time
STREAM_ROUNDS = 3  # a crowd and a call alone, three times: the medians, as this machine's speed wanders
STREAM_MODEL = "openai:gpt-4o-mini"  # the OpenAI provider, pointed at the loopback server by OPENAI_BASE_URL


def percentile(values: list[float], q: float) -> float:
    """The q-th quantile (0–1) by nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def fire(url: str, token: str, count: int) -> tuple[float, list[httpx.Response], list[float]]:
    """Send `count` /generate calls at once; return the wall time, the replies and each call's latency."""
    limits = httpx.Limits(max_connections=count, max_keepalive_connections=count)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=url, headers=headers, limits=limits, timeout=60) as client:

        async def one(n: int) -> tuple[httpx.Response, float]:
            started = time.monotonic()
            reply = await client.post(f"/generate?model={MODELS[n % len(MODELS)]}", json={"prompt": f"call {n}"})
            return reply, time.monotonic() - started

        await client.get("/health")  # connection warm-up, not timed
        started = time.monotonic()
        outcomes = await asyncio.gather(*(one(n) for n in range(count)))
        wall = time.monotonic() - started
    return wall, [reply for reply, _ in outcomes], [seconds for _, seconds in outcomes]


async def health_latencies(client: httpx.AsyncClient, samples: int = HEALTH_SAMPLES) -> list[float]:
    """Seconds each of `samples` GET /health took, one after another."""
    latencies = []
    for _ in range(samples):
        started = time.monotonic()
        (await client.get("/health")).raise_for_status()
        latencies.append(time.monotonic() - started)
    return latencies


async def health_under_load(url: str, token: str, slow: int) -> tuple[list[float], list[float], list[int]]:
    """/health latencies idle, then while `slow` slow /generate calls are in flight; and the slow calls' statuses."""
    limits = httpx.Limits(max_connections=slow + 1, max_keepalive_connections=slow + 1)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=url, headers=headers, limits=limits, timeout=60) as client:
        idle = await health_latencies(client)
        calls = [
            asyncio.create_task(client.post("/generate?model=echo-slow", json={"prompt": f"slow {n}"}))
            for n in range(slow)
        ]
        await asyncio.sleep(1)  # let every call reach the server and take its thread (each lasts SLOW_SECONDS)
        busy = await health_latencies(client)
        statuses = [reply.status_code for reply in await asyncio.gather(*calls)]
    return idle, busy, statuses


async def one_stream(url: str, token: str, path: str) -> tuple[int, int]:
    """One streaming call read to the end over a plain socket: its status and how many `data:` events came.

    Deliberately lean (HTTP/1.1 by hand, `Connection: close`, the body read whole): 200 httpx streams cost this
    process about 1.4 s of CPU, which on a two-core machine is taken from the server being measured."""
    where = urlsplit(url)
    body = json.dumps({"model": STREAM_MODEL, "stream": True, "messages": [{"role": "user", "content": "go"}]})
    request = (
        f"POST {where.path.rstrip('/')}{path} HTTP/1.1\r\nHost: {where.netloc}\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n{body}"
    )
    reader, writer = await asyncio.open_connection(where.hostname, where.port)
    try:
        writer.write(request.encode())
        reply = await reader.read()  # the server closes the connection once the answer has ended
    finally:
        writer.close()
    status = int(reply.split(b" ", 2)[1]) if reply.startswith(b"HTTP/1.1 ") else 0
    return status, reply.count(b"\ndata: ")  # each event is one chunk of the body: a line never splits


async def streams(url: str, token: str, count: int, path: str = "/chat/completions") -> tuple[float, list, list]:
    """`count` streaming calls at once, read to the end: the wall time, statuses, and events per call."""
    started = time.monotonic()
    outcomes = await asyncio.gather(*(one_stream(url, token, path) for _ in range(count)))
    wall = time.monotonic() - started
    return wall, [status for status, _ in outcomes], [chunks for _, chunks in outcomes]


class Watch:
    """CPU seconds a process used, and its peak resident memory and threads, sampled while a crowd runs (Linux
    /proc; `None` elsewhere)."""

    def __init__(self, pid: int | None):
        self.pid, self.peak_rss_mb, self.peak_threads, self._task = pid, 0.0, 0, None

    def cpu_s(self) -> float | None:
        """User plus system CPU seconds so far."""
        try:
            fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, TypeError):
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def sample(self) -> None:
        try:
            status = dict(line.split(":", 1) for line in Path(f"/proc/{self.pid}/status").read_text().splitlines())
        except (OSError, TypeError, ValueError):
            return
        self.peak_rss_mb = max(self.peak_rss_mb, int(status["VmRSS"].split()[0]) / 1024)
        self.peak_threads = max(self.peak_threads, int(status["Threads"]))

    async def during(self, work):
        """Run `work` (a coroutine), sampling every 50 ms; its result."""

        async def sampling() -> None:
            while True:
                self.sample()
                await asyncio.sleep(0.05)

        sampler = asyncio.create_task(sampling())
        try:
            return await work
        finally:
            sampler.cancel()


def process_serving(workdir: Path | None, marker: bytes) -> int | None:
    """The pid of the process started in `workdir` (or anywhere, without one) whose command line holds `marker`."""
    for entry in Path("/proc").iterdir() if Path("/proc").is_dir() else ():
        try:
            if marker in (entry / "cmdline").read_bytes() and (workdir is None or (entry / "cwd").resolve() == workdir):
                return int(entry.name)
        except (OSError, ValueError):
            continue
    return None


def crowd_through(url: str, token: str, count: int, path: str, watches: dict[str, Watch]) -> tuple:
    """One call alone, then `count` at once; the CPU seconds each watched process used during the crowd."""
    alone, _, _ = asyncio.run(streams(url, token, 1, path))
    before = {name: watch.cpu_s() for name, watch in watches.items()}
    mine = time.process_time()
    started_at = time.time()  # wall clock, as the loopback server's timings are
    crowd, statuses, chunks = asyncio.run(watches["API"].during(streams(url, token, count, path)))
    used = {name: _spent(before[name], watch.cpu_s()) for name, watch in watches.items()}
    used["client"] = time.process_time() - mine
    used["started_at"] = started_at
    return alone, crowd, statuses, chunks, used


def upstream_spread(timings: Path, answers: int, count: int, started_at: float) -> str:
    """When the crowd's requests reached the model and when its last tokens left it, seconds after the crowd began:
    a late start (requests still reaching the model late) tells apart from a lag while streaming (the last token
    left on time, the reply ended later)."""
    last_answer(timings, answers)  # waits until the server has recorded them all
    crowd = [json.loads(line) for line in timings.read_text().splitlines()[answers - count : answers]]
    arrived = sorted(answer["arrived_at"] - started_at for answer in crowd)
    ended = max(answer["last_token_at"] for answer in crowd) - started_at
    return (
        f"requests reached the model {arrived[0]:.2f}–{arrived[-1]:.2f} s after the crowd began "
        f"(median {median(arrived):.2f} s); its last token left at {ended:.2f} s"
    )


def _spent(before: float | None, after: float | None) -> float | None:
    return after - before if before is not None and after is not None else None


def stream_crowd(workdir: Path, count: int) -> bool:
    """Time one streaming call alone, then `count` at once, through the gateway; print the ratio."""
    token = secrets.token_urlsafe(16)
    rate = 20 / (STREAM_SECONDS - 0.1)
    timings = workdir / "loopback-timings.jsonl"
    with loopback_server("openai", ttft_ms=100, tokens_per_s=rate, reply=STREAM_REPLY, timings=timings) as base_url:
        env = {
            "SWITCHBOARD_LOG_DIR": str(workdir / "stream-logs"),
            "SWITCHBOARD_API_TOKEN": token,
            "OPENAI_API_KEY": "sk-bench-" + secrets.token_hex(8),
            "OPENAI_BASE_URL": base_url,
        }
        loopback = Watch(process_serving(None, b"tests.loopback"))
        # The loopback server alone, asked directly: how much of a crowd's slowness is the harness's own.
        direct_alone, direct_crowd, _, _, _ = crowd_through(base_url, token, count, "/chat/completions",
                                                            {"API": Watch(None), "loopback": loopback})  # fmt: skip
        with api_server(workdir, env) as url:
            api = Watch(process_serving(workdir, b"llm_core.api:app"))
            asyncio.run(streams(url, token, 2, "/v1/chat/completions"))  # warm up
            idle_threads = (api.sample(), api.peak_threads)[1]
            rounds = [
                crowd_through(url, token, count, "/v1/chat/completions", {"API": api, "loopback": loopback})
                for _ in range(STREAM_ROUNDS)
            ]
        alone, crowd = median([r[0] for r in rounds]), median([r[1] for r in rounds])
        _, last_crowd, _, chunks, used = rounds[-1]
        answers = (1 + count) + 2 + STREAM_ROUNDS * (1 + count)  # direct, warm-up, then each round's alone and crowd
        upstream = upstream_spread(timings, answers, count, used.pop("started_at"))
        logged = len(LogStore(workdir / "stream-logs").read_requests().frame)
    ratio = crowd / alone
    statuses = [status for r in rounds for status in r[2]]
    expected_rows = 2 + STREAM_ROUNDS * (1 + count)
    ok = ratio <= STREAM_LIMIT and statuses.count(200) == STREAM_ROUNDS * count and logged == expected_rows
    print(
        f"\n{count} concurrent streaming POST /v1/chat/completions, each a {STREAM_SECONDS:.0f} s answer, one process"
    )
    print(f"  one alone: {alone:.2f} s · {count} at once: {crowd:.2f} s · ratio {ratio:.2f}x  {'✓' if ok else '✗'} "
          f"(goal ≤ {STREAM_LIMIT}x; medians of {STREAM_ROUNDS} rounds)")  # fmt: skip
    print("  each round: " + " · ".join(f"{r[1]:.2f} s / {r[0]:.2f} s = {r[1] / r[0]:.2f}x" for r in rounds))
    print(
        f"  the loopback server asked directly: {direct_alone:.2f} s alone, {direct_crowd:.2f} s for {count} "
        f"({direct_crowd / direct_alone:.2f}x): the floor this machine allows"
    )
    print(
        f"  API process during the crowd: {api.peak_threads} threads at most ({idle_threads} idle), "
        f"{api.peak_rss_mb:.0f} MB resident at most"
    )
    print("  CPU seconds during the last crowd: " + " · ".join(f"{name} {_seconds(s)}" for name, s in used.items()))
    print(f"  through the API, the last crowd's {upstream}; its last reply ended at {last_crowd:.2f} s")
    print(f"  machine speed now: {machine_speed_s():.2f} s for a fixed loop (compare runs with it)")
    calls = STREAM_ROUNDS * count
    print(f"  status: {statuses.count(200)} × 200 of {calls}; events per call: {min(chunks)}–{max(chunks)}")
    print(f"  requests.csv: {logged} rows for {expected_rows} calls")
    print(f"PASS: within {STREAM_LIMIT}x" if ok else f"FAIL: {ratio:.2f}x, over {STREAM_LIMIT}x (or a call lost)")
    return ok


def _seconds(value: float | None) -> str:
    return "?" if value is None else f"{value:.2f} s"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=50, help="how many concurrent calls (default 50)")
    parser.add_argument("--slow", type=int, default=45, help="slow calls in flight while /health is timed (45)")
    parser.add_argument("--streams", type=int, default=200, help="concurrent streaming gateway calls (200)")
    parser.add_argument("--only-streams", action="store_true", help="run only the streaming crowd")
    args = parser.parse_args()
    if args.only_streams:
        return 0 if stream_crowd(Path(tempfile.mkdtemp(prefix="bench-api-")), args.streams) else 1
    count = args.requests
    workdir = Path(tempfile.mkdtemp(prefix="bench-api-"))
    log_dir = workdir / "logs"
    token = secrets.token_urlsafe(16)
    catalog = workdir / "slow.toml"
    catalog.write_text(SLOW_ECHO)
    env = {"SWITCHBOARD_LOG_DIR": str(log_dir), "SWITCHBOARD_API_TOKEN": token, "SWITCHBOARD_MODELS": str(catalog)}
    with api_server(workdir, env) as url:
        asyncio.run(fire(url, token, 2))  # warm up: imports, tokenizer, first log write
        before = len(LogStore(log_dir).read_requests().frame)
        wall, replies, latencies = asyncio.run(fire(url, token, count))
        after = len(LogStore(log_dir).read_requests().frame)
        idle, busy, slow_statuses = asyncio.run(health_under_load(url, token, args.slow))

    failed = [r for r in replies if r.status_code != 200]
    sent_ids = {r.json()["request_id"] for r in replies if r.status_code == 200}
    table = LogStore(log_dir).read_requests()
    logged_ids = set(table.frame["request_id"])
    lost = sent_ids - logged_ids
    server_ms = [r.json()["latency_ms"] for r in replies if r.status_code == 200]

    print(f"{count} concurrent POST /generate ({', '.join(MODELS)}) through uvicorn on loopback")
    print(f"  wall {wall:.2f} s · {count / wall:.1f} requests/s")
    print(
        f"  client latency: median {median(latencies) * 1000:.0f} ms, p95 {percentile(latencies, 0.95) * 1000:.0f} ms, "
        f"max {max(latencies) * 1000:.0f} ms"
    )
    print(f"  server-measured latency (model time): median {median(server_ms):.0f} ms")
    print(f"  status: {count - len(failed)} × 200, {len(failed)} other")
    print(
        f"  requests.csv: {after - before} new rows, {len(sent_ids) - len(lost)} of {len(sent_ids)} "
        f"request ids found, {table.skipped} rows skipped as damaged"
    )
    ok = not failed and not lost and table.skipped == 0 and after - before == count
    print("PASS: nothing lost" if ok else f"FAIL: {len(failed)} failed calls, {len(lost)} lost from requests.csv")

    busy_worst = max(busy)
    print(f"\nGET /health latency under {args.slow} slow in-flight calls ({SLOW_SECONDS} s each) vs idle")
    print(f"  idle: median {median(idle) * 1000:.1f} ms, max {max(idle) * 1000:.1f} ms ({HEALTH_SAMPLES} in a row)")
    print(
        f"  busy: median {median(busy) * 1000:.1f} ms, max {busy_worst * 1000:.1f} ms "
        f"({median(busy) / median(idle):.1f}x idle median; worst {busy_worst / max(idle):.1f}x idle worst)"
    )
    print(f"  slow calls: {slow_statuses.count(200)} × 200 of {args.slow}")
    healthy = busy_worst < HEALTH_LIMIT_S and slow_statuses.count(200) == args.slow
    print(
        f"PASS: /health stayed under {HEALTH_LIMIT_S:.0f} s"
        if healthy
        else f"FAIL: /health took up to {busy_worst:.2f} s while busy"
    )
    crowd_ok = stream_crowd(workdir, args.streams)
    return 0 if ok and healthy and crowd_ok else 1


if __name__ == "__main__":
    os.environ.pop("SWITCHBOARD_API_TOKEN", None)  # the bench sets its own for the server it starts
    sys.exit(main())
