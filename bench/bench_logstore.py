"""Log store figures: appends per second (one writer, four processes; CSV, SQLite, PostgreSQL) and reads.

Every figure is printed next to a baseline measured in the same run on the same disk:
  - appends: a bare `open(path, "a").write(row)` per row (no lock, no fsync);
  - reads: plain `pandas.read_csv` of the same file (also read as an editor saves it, with LF line ends).
The database stores' four-process appends are printed beside the CSV ones (PostgreSQL when --postgres or
$SWITCHBOARD_TEST_POSTGRES_URL names a server: a scratch database is made there and dropped), each with its
goal marked ✓ or ✗: at least 1,000 appends/s from four processes, and every row read back (0 lost).
Run: python bench/bench_logstore.py [--rows 10000 100000] [--appends 2000] [--postgres URL]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pandas as pd  # noqa: E402

from llm_core.record import Result  # noqa: E402
from llm_core.store import read as logread  # noqa: E402
from llm_core.store.cells import format_header, format_row  # noqa: E402
from llm_core.store.csv_store import REQUEST_COLUMNS, LogStore, response_row  # noqa: E402

PROCESSES = 4
WRITE_GOAL = 1_000  # appends/s from PROCESSES processes, on each database
ROUNDS = 3
SAMPLE = 'the model said that a latency of tokens per second is fine, but "quoted" text and emoji 🚀 日本語 vary'
WORDS = SAMPLE.split(" ")


def realistic_result(rng: random.Random, index: int) -> Result:
    """A response shaped like real traffic: a few hundred characters of prompt, ~1.5 KB of markdown answer."""

    def paragraph(words: int) -> str:
        return " ".join(rng.choice(WORDS) for _ in range(words))

    answer = "\n\n".join(paragraph(40) for _ in range(4)) + "\n- a list item\n- another\n```\nprint('a\\tb')\n```"
    return Result(
        model=rng.choice(["gpt-4o-mini", "llama-3.1-8b", "gemini-2.0-flash", "claude-3-5-haiku"]),
        requested_model="auto",
        provider=rng.choice(["openai", "groq", "gemini", "anthropic"]),
        comparison_id=f"cmp{index // 2}",
        session_id=f"s{index // 50}",
        template=rng.choice(["", "summarise", "translate"]),
        system="You are concise.",
        prompt=("=SUM(A1)" if index % 97 == 0 else "") + paragraph(50) + "\nThanks!",
        text=answer,
        status="ok" if index % 20 else "error",
        error="" if index % 20 else "HTTP 429: rate limited",
        latency_ms=rng.uniform(300, 9000),
        ttft_ms=rng.uniform(80, 900),
        prompt_tokens=rng.randint(20, 400),
        completion_tokens=rng.randint(50, 900),
        token_source="provider",
        tokens_per_s=rng.uniform(20, 300),
        cost_usd=rng.uniform(0, 0.01),
        temperature=0.7,
        max_tokens=1024,
        attempts=1,
    )


def timed(action: Callable[[], object]) -> float:
    """How long one call of action takes, in seconds."""
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def bench_one_writer(folder: Path, appends: int) -> float:
    rng = random.Random(1)
    results = [realistic_result(rng, i) for i in range(appends)]
    rows = [format_row(response_row(r)) for r in results]
    bare = folder / "bare.csv"

    def bare_appends() -> None:
        for row in rows:
            with open(bare, "a", encoding="utf-8", newline="") as handle:
                handle.write(row)

    stores = {fsync: LogStore(folder / f"one-{fsync}", fsync=fsync) for fsync in (False, True)}
    counts = {False: appends, True: max(appends // 4, 50)}
    best = {"bare": 0.0, False: 0.0, True: 0.0}
    for _ in range(ROUNDS):  # interleaved, so that a busy machine slows every figure alike
        best["bare"] = max(best["bare"], appends / timed(bare_appends))
        for fsync, store in stores.items():
            rate = counts[fsync] / timed(lambda s=store, n=counts[fsync]: [s.append_response(r) for r in results[:n]])
            best[fsync] = max(best[fsync], rate)
    print(f"\nappends, one writer (rows of ~2 KB, best of {ROUNDS} interleaved rounds)")
    print(f"  baseline bare open+write        {best['bare']:10,.0f} rows/s")
    for fsync in (False, True):
        rate = best[fsync]
        print(f"  LogStore fsync={fsync!s:5}            {rate:10,.0f} rows/s  ({rate / best['bare']:.2f}× baseline)")
    return best["bare"]


def _writer(store_factory: Callable[[], LogStore], count: int, ready, go, out) -> None:
    """One of the processes: its store opened and its rows made before the clock starts, as a running app has."""
    store = store_factory()
    store.read_votes()  # a database store opens its pool and checks the schema here
    rng = random.Random(multiprocessing.current_process().pid)
    results = [realistic_result(rng, i) for i in range(count)]
    ready.release()
    go.wait()
    started = time.perf_counter()
    warnings = [w for w in (store.append_response(r) for r in results) if w]
    out.put((started, time.perf_counter(), len(warnings)))


def four_writers(store_factory: Callable[[], LogStore], count: int) -> tuple[float, int, int]:
    """PROCESSES processes appending `count` rows each to one store at once: rows/s, rows lost, warnings."""
    context = multiprocessing.get_context("spawn")
    ready, go, out = context.Semaphore(0), context.Event(), context.Queue()
    workers = [context.Process(target=_writer, args=(store_factory, count, ready, go, out)) for _ in range(PROCESSES)]
    for worker in workers:
        worker.start()
    for _ in workers:
        ready.acquire()
    go.set()
    spans = [out.get() for _ in workers]
    for worker in workers:
        worker.join()
    elapsed = max(end for _, end, _ in spans) - min(start for start, _, _ in spans)
    rows = len(store_factory().read_requests(["status"]).frame)
    return PROCESSES * count / elapsed, PROCESSES * count - rows, sum(w for _, _, w in spans)


def mark(met: bool) -> str:
    """✓ for a goal met, ✗ for one missed."""
    return "✓" if met else "✗"


def print_writers(label: str, figures: tuple[float, int, int], baseline: float, goal: bool = False) -> None:
    rate, lost, warned = figures
    verdict = f"   goal ≥ {WRITE_GOAL:,}/s, 0 lost: {mark(rate >= WRITE_GOAL and lost == 0)}" if goal else ""
    print(f"  {label:34} {rate:8,.0f} rows/s  ({rate / baseline:.3f}× bare single writer)  lost {lost},"
          f" warnings {warned}{verdict}")  # fmt: skip


def bench_processes(folder: Path, appends: int, baseline: float, postgres: str | None) -> None:
    """Four processes appending to one CSV folder, one SQLite file, one PostgreSQL database: rows/s, rows lost."""
    from llm_core.store.database import DatabaseStore

    print(f"\nappends, {PROCESSES} processes at once ({appends:,} rows each; databases: one transaction per row)")
    for fsync in (False, True):
        target = str(folder / f"procs-{fsync}")
        figures = four_writers(partial(LogStore, target, fsync=fsync), appends)
        print_writers(f"CSV LogStore fsync={fsync}", figures, baseline)
    targets = [("SQLite (WAL, synchronous=NORMAL)", f"sqlite:///{folder / 'bench.db'}")]
    with _scratch_postgres(postgres) as url:
        if url:
            targets.append(("PostgreSQL (psycopg 3, pooled)", url))
        for label, target in targets:
            DatabaseStore(target).read_votes()  # the schema exists before the writers start
            print_writers(label, four_writers(partial(DatabaseStore, target), appends), baseline, goal=True)
        if not url:
            print("  PostgreSQL: not measured (give --postgres URL or set SWITCHBOARD_TEST_POSTGRES_URL)")


class _scratch_postgres:
    """A fresh database on the given PostgreSQL server for the run, dropped after it (None without a server)."""

    def __init__(self, server: str | None):
        self.server = server
        self.name = f"switchboard_bench_{uuid.uuid4().hex[:8]}"

    def __enter__(self) -> str | None:
        if not self.server:
            return None
        import sqlalchemy as sa

        from llm_core.store.database import database_url

        self.admin = sa.create_engine(database_url(self.server), isolation_level="AUTOCOMMIT")
        with self.admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{self.name}"')
        return database_url(self.server).set(database=self.name).render_as_string(hide_password=False)

    def __exit__(self, *_) -> None:
        if self.server:
            from llm_core.store.database import forget_engines

            forget_engines()
            with self.admin.connect() as connection:
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
            self.admin.dispose()


def write_log(path: Path, rows: int) -> None:
    """A requests.csv of realistic rows, written in one go in the store's own format."""
    rng = random.Random(7)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write(format_header(REQUEST_COLUMNS))
        handle.writelines(format_row(response_row(realistic_result(rng, i))) for i in range(rows))


def bench_reads(folder: Path, rows: int) -> None:
    store = LogStore(folder / f"read-{rows}")
    write_log(store.requests_path, rows)
    size_mb = store.requests_path.stat().st_size / 1e6
    rng = random.Random(3)

    def full() -> None:
        logread.forget(store.requests_path)
        store.read_requests()

    figures: dict[str, list[float]] = {"baseline": [], "full": [], "refresh": [], "unchanged": []}
    for _ in range(ROUNDS):  # interleaved, so that a busy machine slows every figure alike
        figures["baseline"].append(timed(lambda: pd.read_csv(store.requests_path)))
        figures["full"].append(timed(full))
        store.append_response(realistic_result(rng, 1))
        figures["refresh"].append(timed(store.read_requests))
        figures["unchanged"].append(timed(store.read_requests))
    table = store.read_requests()
    assert table.skipped == 0 and len(table.frame) == rows + ROUNDS, (table.skipped, len(table.frame))
    baseline, full_s, refresh_s, unchanged_s = (min(figures[k]) for k in figures)
    print(f"\nreads, {rows:,} rows ({size_mb:.0f} MB), best of {ROUNDS} interleaved rounds")
    print(f"  baseline pandas.read_csv        {baseline * 1000:8.0f} ms")
    print(f"  full read (typed, decoded)      {full_s * 1000:8.0f} ms  ({full_s / baseline:.2f}× baseline)")
    print(
        f"  refresh after one new row       {refresh_s * 1000:8.1f} ms  ({refresh_s / baseline:.3f}× baseline,"
        f" {full_s / refresh_s:.0f}× faster than a full read)"
    )
    print(f"  refresh with nothing new        {unchanged_s * 1000:8.1f} ms")
    foreign_s = bench_foreign_read(folder / f"read-{rows}-lf", store.requests_path.read_bytes(), rows + ROUNDS)
    print(f"  full read, saved with LF ends   {foreign_s * 1000:8.0f} ms  ({foreign_s / baseline:.2f}× baseline)")


def bench_foreign_read(folder: Path, ours: bytes, rows: int) -> float:
    """The best full read of the same log as an editor saves it (LF line ends), which is turned into ours first."""
    store = LogStore(folder)
    folder.mkdir(parents=True)
    store.requests_path.write_bytes(ours.replace(b"\r\n", b"\n"))  # a log has no raw CR in a cell: all row ends

    def full() -> None:
        logread.forget(store.requests_path)
        table = store.read_requests()
        assert table.skipped == 0 and len(table.frame) == rows, (table.skipped, len(table.frame))

    return min(timed(full) for _ in range(ROUNDS))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--appends", type=int, default=2000)
    parser.add_argument("--postgres", default=os.environ.get("SWITCHBOARD_TEST_POSTGRES_URL"), metavar="URL")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        baseline = bench_one_writer(folder, args.appends)
        bench_processes(folder, args.appends, baseline, args.postgres)
        for rows in args.rows:
            bench_reads(folder, rows)


if __name__ == "__main__":
    main()
