"""The Analytics page on the database log store: the same synthetic logs as bench_analytics.py, in SQLite (and
PostgreSQL when --postgres or $SWITCHBOARD_TEST_POSTGRES_URL names a server), measured the same way.

For each size and backend it prints how long `logs import` took, the page's first render against pandas' plain
`read_csv` of the same requests file, the store's cold read alone, the re-render after a filter change and after
one new row (medians of five), and the peak memory (RSS) of the measuring process, which runs fresh per size.

    python bench/bench_analytics_database.py                  # 10,000 and 100,000 requests
    python bench/bench_analytics_database.py --sizes 5000 --postgres postgresql://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from statistics import median

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import bench_analytics as csv_bench  # noqa: E402
from bench_logstore import _scratch_postgres  # noqa: E402

from llm_core.record import Result  # noqa: E402
from llm_core.store.database import DatabaseStore, forget_engines  # noqa: E402
from llm_core.store.transfer import import_folder  # noqa: E402


def cold_read(url: str) -> None:
    """The store's own part of a first render: requests and ratings read from the database from nothing."""
    forget_engines()
    DatabaseStore(url).read_requests()


def first_render(url: str):
    import streamlit as st

    forget_engines()
    st.cache_data.clear()
    at = csv_bench.analytics_session()
    seconds = csv_bench._timed(at.run)
    assert not at.exception, at.exception
    return at, seconds


def measure(url: str, csv_folder: Path, warm_url: str, repeats: int = 5) -> dict:
    """Time the page on the database at `url` (in a fresh process); `csv_folder` holds the same log as CSV."""
    warm_folder = csv_folder.parent / f"warm-up-{os.getpid()}"  # every tab drawn once on a small log first
    warm_folder.mkdir()
    csv_bench.generate(warm_folder, 300)
    import_folder(warm_folder, DatabaseStore(warm_url))
    os.environ["SWITCHBOARD_DATABASE_URL"] = warm_url
    at = csv_bench.analytics_session().run()
    csv_bench.remember_server_setup(at)
    for tab in ("Speed", "Tokens", "Over time", "Ratings & errors", "Leaderboard", "Quality vs cost", "Requests"):
        at.session_state["analytics_tab"] = tab
        at.run()
    os.environ["SWITCHBOARD_DATABASE_URL"] = url
    plains, stores, firsts = [], [], []
    reader = csv_bench.PlainReader(csv_folder / "requests.csv")
    for _ in range(repeats):
        plains.append(reader.seconds())
        stores.append(csv_bench._timed(lambda: cold_read(url)))
        at, seconds = first_render(url)
        firsts.append(seconds)
    reader.close()
    ratio = median(first / plain for first, plain in zip(firsts, plains, strict=True))
    models = at.multiselect(key="analytics_models").options
    refilters, appends = [], []
    for model in models[:repeats]:  # a new choice each time, so nothing comes from the cache
        at.multiselect(key="analytics_models").set_value([model])
        refilters.append(csv_bench._timed(at.run))
        DatabaseStore(url).append_response(
            Result(model=model, requested_model=model, provider="openai", status="ok", latency_ms=1000.0, text="new")
        )
        appends.append(csv_bench._timed(at.run))
    return {"plain": median(plains), "store": median(stores), "first": median(firsts), "ratio": ratio,
            "refilter": median(refilters), "appended": median(appends), "peak_mb": csv_bench._peak_mb()}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000])
    parser.add_argument("--postgres", default=os.environ.get("SWITCHBOARD_TEST_POSTGRES_URL"), metavar="URL")
    parser.add_argument("--measure", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        url, folder, warm = args.measure
        print(json.dumps(measure(url, Path(folder), warm)))
        return
    print(f"{'backend':>10} {'requests':>9} {'import':>7} {'read_csv':>9} {'store':>7} {'first':>7} {'ratio':>6} "
          f"{'filter':>7} {'append':>7} {'peak MB':>8}")  # fmt: skip
    for size in args.sizes:
        with tempfile.TemporaryDirectory() as temporary:
            folder = Path(temporary) / "logs"
            folder.mkdir()
            csv_bench.generate(folder, size)
            backends = [("SQLite", f"sqlite:///{Path(temporary) / 'bench.db'}", None)]
            if args.postgres:
                backends.append(("PostgreSQL", None, args.postgres))
            for label, sqlite_url, server in backends:
                with _scratch_postgres(server) as pg_url, _scratch_postgres(server) as pg_warm:
                    url = sqlite_url or pg_url
                    warm = f"sqlite:///{Path(temporary) / f'warm-{label}.db'}" if sqlite_url else pg_warm
                    started = time.perf_counter()
                    import_folder(folder, DatabaseStore(url))
                    imported = time.perf_counter() - started
                    forget_engines()
                    child = subprocess.run(
                        [sys.executable, __file__, "--measure", url, str(folder), warm],
                        capture_output=True, text=True, check=True,
                    )  # fmt: skip
                r = json.loads(child.stdout.strip().splitlines()[-1])
                print(f"{label:>10} {size:>9,} {imported:>6.1f}s {r['plain']:>8.2f}s {r['store']:>6.2f}s "
                      f"{r['first']:>6.2f}s {r['ratio']:>5.1f}× {r['refilter']:>6.2f}s {r['appended']:>6.2f}s "
                      f"{r['peak_mb']:>8.0f}", flush=True)  # fmt: skip
    print("import: `logs import` of the CSV folder. store: the database store's cold read alone (part of first).")
    print("ratio: first / read_csv of the same log as CSV, round by round. Times are medians of five rounds.")


if __name__ == "__main__":
    main()
