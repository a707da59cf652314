"""The Analytics page on the database log store: the same synthetic logs as bench_analytics.py, in SQLite (and
PostgreSQL when --postgres or $SWITCHBOARD_TEST_POSTGRES_URL names a server), measured the same way.

For each size and backend it prints how long `logs import` took, the page's first render against pandas' plain
`read_csv` of the numeric columns of the same log as CSV, the store's cold read alone, the re-render after a filter
change and after one new row (medians of five), three tabs drawn for the first time, and the peak memory (RSS) of
the measuring process (fresh per size) with SQLite's reader processes, with the goals of bench_analytics.py (the
same helper measures).

    python bench/bench_analytics_database.py                  # 10,000 and 100,000 requests
    python bench/bench_analytics_database.py --million        # also 1,000,000 (several minutes per backend)
    python bench/bench_analytics_database.py --sizes 5000 --postgres postgresql://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import bench_analytics as csv_bench  # noqa: E402
from bench_logstore import _scratch_postgres  # noqa: E402

from llm_core.analytics.summary import PAGE_COLUMNS  # noqa: E402
from llm_core.store.database import DatabaseStore, forget_engines  # noqa: E402
from llm_core.store.fetch import SQLITE_READER  # noqa: E402
from llm_core.store.transfer import import_folder  # noqa: E402


def cold_read(url: str) -> None:
    """The store's own part of a first render: the page's columns of requests and ratings read from nothing."""
    forget_engines()
    DatabaseStore(url).read_requests(PAGE_COLUMNS)


class WholeMemory:
    """The most memory this process and SQLite's reader processes it started held at once: their resident sets
    summed, sampled every 20 ms from Linux's /proc while it runs (0 elsewhere). The process timing the plain read
    is not counted: it is the baseline, not the page."""

    def __init__(self):
        self.peak_mb, self._done = 0.0, threading.Event()
        self._sampler = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self):
        self._sampler.start()
        return self

    def __exit__(self, *_):
        self._done.set()
        self._sampler.join()

    def _sample(self) -> None:
        while not self._done.wait(0.02):
            self.peak_mb = max(self.peak_mb, sum(_rss_mb(pid) for pid in ["self", *_readers()]))


def _readers() -> list[str]:
    """The pids of this process's children that are SQLite's readers (fetch.SQLITE_READER)."""
    try:
        children = [
            pid for task in Path("/proc/self/task").iterdir() for pid in (task / "children").read_text().split()
        ]
    except OSError:
        return []
    return [pid for pid in children if _runs(pid, SQLITE_READER.name)]


def _runs(pid: str, script: str) -> bool:
    try:
        return script.encode() in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def _rss_mb(pid: str) -> float:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:  # it ended meanwhile
        return 0.0
    return next((int(line.split()[1]) / 1024 for line in status.splitlines() if line.startswith("VmRSS:")), 0.0)


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
    with WholeMemory() as whole:
        r = csv_bench.measure_page(csv_folder / "requests.csv", forget_engines, lambda: cold_read(url),
                                   csv_bench.appended_row(DatabaseStore(url)), repeats)  # fmt: skip
    r["own_peak_mb"], r["peak_mb"] = r["peak_mb"], max(r["peak_mb"], whole.peak_mb)  # readers count too
    return r


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000])
    parser.add_argument("--million", action="store_true", help="also measure 1,000,000 requests")
    parser.add_argument("--postgres", default=os.environ.get("SWITCHBOARD_TEST_POSTGRES_URL"), metavar="URL")
    parser.add_argument("--measure", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        url, folder, warm = args.measure
        print(json.dumps(measure(url, Path(folder), warm)))
        return
    print(f"{'backend':>10} {'requests':>9} {'import':>7} {'numeric':>8} {'store':>7} {'first':>7} {'ratio':>6} "
          f"{'filter':>7} {'append':>7} {'tabs: speed/board/requests':>27} {'peak MB':>8} {'own':>6}  "
          "goals")  # fmt: skip
    for size in args.sizes + ([1_000_000] if args.million else []):
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
                    store = DatabaseStore(url)
                    imported = csv_bench._timed(lambda store=store, folder=folder: import_folder(folder, store))
                    forget_engines()
                    child = subprocess.run(
                        [sys.executable, __file__, "--measure", url, str(folder), warm],
                        capture_output=True, text=True, check=True,
                    )  # fmt: skip
                r = json.loads(child.stdout.strip().splitlines()[-1])
                tabs = "/".join(f"{t:.2f}" for t in r["tabs"].values())
                print(f"{label:>10} {size:>9,} {imported:>6.1f}s {r['plain']:>7.2f}s {r['store']:>6.2f}s "
                      f"{r['first']:>6.2f}s {r['ratio']:>5.1f}× {r['refilter']:>6.2f}s {r['appended']:>6.2f}s "
                      f"{tabs:>27} {r['peak_mb']:>8.0f} {r['own_peak_mb']:>6.0f}  {csv_bench.verdicts(size, r)}",
                      flush=True)  # fmt: skip
    print("""import: `logs import` of the CSV folder. numeric: pandas' read_csv of the numeric columns of the same log
as CSV. store: the database store's cold read of the page's columns alone (part of first). ratio: first / numeric,
round by round. Times are medians of five rounds. peak MB: the measuring process and SQLite's reader processes
together at their highest; own: the process alone. Goals: ratio ≤ 3, filter and append ≤ 0.5 s, and at 1,000,000
requests a peak ≤ 1,500 MB.""")


if __name__ == "__main__":
    main()
