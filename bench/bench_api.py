"""Load check for the HTTP API: N concurrent POST /generate against the echo models, through a real uvicorn.

Passes when every call answers 200 and every request_id is in requests.csv (nothing lost under concurrency).
Run: python bench/bench_api.py [--requests 50]   (a few seconds; everything on loopback, no key needed)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import sys
import tempfile
import time
from pathlib import Path

import httpx
from _servers import median  # also puts the repository on sys.path

from llm_core.logstore import LogStore
from tests.test_api_uvicorn import api_server

MODELS = ("echo", "echo-outline")


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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=50, help="how many concurrent calls (default 50)")
    count = parser.parse_args().requests
    workdir = Path(tempfile.mkdtemp(prefix="bench-api-"))
    log_dir = workdir / "logs"
    token = secrets.token_urlsafe(16)
    env = {"SWITCHBOARD_LOG_DIR": str(log_dir), "SWITCHBOARD_API_TOKEN": token, "SWITCHBOARD_MODELS": ""}
    with api_server(workdir, env) as url:
        asyncio.run(fire(url, token, 2))  # warm up: imports, tokenizer, first log write
        before = len(LogStore(log_dir).read_requests().frame)
        wall, replies, latencies = asyncio.run(fire(url, token, count))

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
        f"  requests.csv: {len(table.frame) - before} new rows, {len(sent_ids) - len(lost)} of {len(sent_ids)} "
        f"request ids found, {table.skipped} rows skipped as damaged"
    )
    ok = not failed and not lost and table.skipped == 0 and len(table.frame) - before == count
    print("PASS: nothing lost" if ok else f"FAIL: {len(failed)} failed calls, {len(lost)} lost from requests.csv")
    return 0 if ok else 1


if __name__ == "__main__":
    os.environ.pop("SWITCHBOARD_API_TOKEN", None)  # the bench sets its own for the server it starts
    sys.exit(main())
