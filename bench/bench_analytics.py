"""How the Analytics page scales: synthetic logs of 10,000, 100,000 (and 1,000,000) requests.

For each size it prints the page's first render (AppTest, cold caches) against pandas' plain `read_csv` of the
numeric columns of the same requests file, the re-render after a filter change and after one appended row
(medians of five), the first draw of three tabs after that, and the peak memory (RSS) of the measuring process,
then whether each goal holds: first render ≤ 3× the plain read, re-renders ≤ 0.5 s, peak RSS ≤ 1.5 GB at
1,000,000 requests. Each size is measured in a fresh process.

    python bench/bench_analytics.py                 # 10,000 and 100,000 requests
    python bench/bench_analytics.py --million       # also 1,000,000 (a ~1 GB log; several minutes)
    python bench/bench_analytics.py --sizes 5000    # any sizes
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from statistics import median

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pcsv

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from llm_core.analytics.summary import PAGE_COLUMNS  # noqa: E402
from llm_core.record import Result  # noqa: E402
from llm_core.store.cells import format_header  # noqa: E402
from llm_core.store.csv_store import (  # noqa: E402
    RATING_COLUMNS,
    REQUEST_COLUMNS,
    REQUEST_SCHEMA,
    VOTE_COLUMNS,
    LogStore,
)  # fmt: skip
from llm_core.store.read import forget  # noqa: E402

APP = ROOT / "streamlit_app.py"
MODELS = {
    "gpt-4o-mini": ("openai", 900.0, 0.0004),
    "gpt-4o": ("openai", 2200.0, 0.006),
    "claude-3-5-haiku": ("anthropic", 1300.0, 0.002),
    "claude-sonnet-4": ("anthropic", 2600.0, 0.009),
    "llama-3.1-8b-instant": ("groq", 350.0, 0.00005),
    "llama-3.3-70b": ("groq", 700.0, 0.0005),
    "gemini-2.0-flash": ("gemini", 800.0, 0.0003),
    "qwen2.5:7b": ("ollama", 3000.0, 0.0),
}
TEMPLATES = ["", "", "summarise", "translate", "code-review", "explain"]
WORDS = ["the", "model", "answer", "prompt", "token", "latency", "stream", "context", "window", "cost", "rating",
         "vote", "compare", "provider"]  # fmt: skip


def _texts(rng: np.random.Generator, count: int, mean_chars: int) -> np.ndarray:
    """`count` pieces of word salad averaging `mean_chars` characters, cut from one long buffer (fast)."""
    corpus = " ".join(rng.choice(WORDS, 400_000))
    lengths = np.minimum(rng.exponential(mean_chars, count).astype(int) + 5, len(corpus) // 2)
    starts = rng.integers(0, len(corpus) - lengths.max(), count)
    return np.array([corpus[s : s + n] for s, n in zip(starts, lengths, strict=True)], dtype=object)


def synthetic_requests(count: int, seed: int = 1) -> pa.Table:
    """A requests log as the store writes it: 8 models over 60 days, with errors, templates and sessions."""
    rng = np.random.default_rng(seed)
    names = np.array(list(MODELS))
    pick = rng.integers(0, len(names), count)
    latency_base = np.array([MODELS[n][1] for n in names])[pick]
    latency = rng.lognormal(np.log(latency_base), 0.45)
    completion = rng.integers(1, 1200, count)
    status = rng.choice(["ok", "error", "incomplete", "cancelled"], count, p=[0.93, 0.04, 0.02, 0.01])
    failed = status == "error"
    start = pd.Timestamp("2025-01-01", tz="UTC")
    stamps = start + pd.to_timedelta(np.sort(rng.integers(0, 60 * 86400, count)), unit="s")
    columns = {
        "timestamp": stamps.strftime("%Y-%m-%dT%H:%M:%S.000000+00:00"),
        "request_id": [f"r{i:08x}" for i in range(count)],
        "comparison_id": [f"c{i // 3:08x}" for i in range(count)],
        "session_id": [f"s{i // 60:06x}" for i in range(count)],
        "provider": np.array([MODELS[n][0] for n in names])[pick],
        "model": names[pick],
        "requested_model": names[pick],
        "template": rng.choice(TEMPLATES, count),
        "system": np.full(count, ""),
        "prompt": _texts(rng, count, 160),
        "response": np.where(failed, "", _texts(rng, count, 700)),
        "status": status,
        "error": np.where(
            failed, rng.choice(["Rate limit reached for requests", "Server error 503", "Timed out"], count), ""
        ),  # fmt: skip
        "latency_ms": latency,
        "ttft_ms": latency * rng.uniform(0.1, 0.4, count),
        "prompt_tokens": rng.integers(5, 3000, count),
        "completion_tokens": np.where(failed, 0, completion),
        "token_source": rng.choice(["provider", "tiktoken"], count, p=[0.9, 0.1]),
        "tokens_per_s": completion / (latency / 1000),
        "cost_usd": np.array([MODELS[n][2] for n in names])[pick] * rng.uniform(0.2, 2.0, count),
        "temperature": rng.choice([0.0, 0.7, 1.0], count),
        "max_tokens": np.full(count, 1024),
        "finish_reason": np.where(failed, "", "stop"),
        "provider_model": names[pick],
        "top_p": np.full(count, 1.0),
        "attempts": rng.integers(1, 3, count),
        "error_kind": np.where(failed, "rate_limit", ""),
        "label": np.full(count, ""),
    }
    missing = pa.nulls(count, pa.string())  # columns added after this bench was written: left empty, as old rows
    return pa.table({name: columns.get(name, missing) for name in REQUEST_COLUMNS})


def _write(path: Path, columns: list[str], table: pa.Table) -> None:
    """Write a table in the store's format: plain header, quoted text, bare numbers, CRLF row ends."""
    path.write_text(format_header(columns), newline="")
    with path.open("ab") as handle:
        options = pcsv.WriteOptions(include_header=False, eol="\r\n", quoting_style="needed")
        pcsv.write_csv(table, handle, write_options=options)


def generate(directory: Path, count: int) -> None:
    """requests.csv with `count` rows, ratings for a tenth of them, and a vote for every comparison of three."""
    requests = synthetic_requests(count)
    _write(directory / "requests.csv", REQUEST_COLUMNS, requests)
    rng = np.random.default_rng(2)
    rated = rng.choice(count, count // 10, replace=False)
    ratings = pa.table({
        "timestamp": requests["timestamp"].take(rated), "request_id": requests["request_id"].take(rated),
        "stars": rng.integers(1, 6, len(rated)), "comment": np.full(len(rated), ""),
    })  # fmt: skip
    _write(directory / "ratings.csv", RATING_COLUMNS, ratings)
    ids, models = requests["request_id"].to_pylist(), requests["model"].to_pylist()
    groups = [range(i, i + 3) for i in range(0, count - 2, 3)]
    winners = [
        "tie" if r < 0.1 else "both_bad" if r < 0.15 else ids[min(g, key=lambda i: MODELS[models[i]][1] * rng.random())]
        for g, r in zip(groups, rng.random(len(groups)), strict=True)
    ]
    votes = pa.table({
        "timestamp": requests["timestamp"].take([g[-1] for g in groups]),
        "comparison_id": [f"c{n:08x}" for n in range(len(groups))], "winner": winners,
        "models": [json.dumps([models[i] for i in g]) for g in groups],
        "request_ids": [json.dumps([ids[i] for i in g]) for g in groups],
    })  # fmt: skip
    _write(directory / "votes.csv", VOTE_COLUMNS, votes)


def _timed(action) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def _peak_mb() -> float:
    """This process's peak RSS. On Linux the kernel's high-water mark of this program's own memory (VmHWM):
    getrusage's ru_maxrss survives exec, so it would count the parent that spawned this process (here, the one
    that just generated a million synthetic requests, 3.3 GB at the fork)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


_SERVER: dict = {}  # what a served app sets up once per process, shared by the sessions below


def analytics_session():
    """A fresh browser session that opens straight on the Analytics page, through the app's router.

    A served app scans the installed packages for components once, at start; AppTest scans them again on each
    new instance's first run (about 0.2 s here). Sessions after the first share the first one's scan, as the
    sessions of one server do, so a first render counts the page's work and not that scan.
    """
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(APP), default_timeout=600)
    at.switch_page("pages/analytics.py")
    if "components" in _SERVER and hasattr(at, "_bidi_component_manager"):
        at._bidi_component_manager = _SERVER["components"]
    return at


def remember_server_setup(at) -> None:
    """Keep the component scan of a session that has run, for the sessions after it."""
    _SERVER.setdefault("components", getattr(at, "_bidi_component_manager", None))


def warm_up(directory: Path) -> None:
    """Draw every tab once on a small log, so one-time imports and first calls are not counted below (a served
    app is warm by the time someone opens Analytics on a large log)."""

    directory.mkdir()
    generate(directory, 300)
    os.environ["SWITCHBOARD_LOG_DIR"] = str(directory)
    at = analytics_session().run()
    remember_server_setup(at)
    for tab in ("Speed", "Tokens", "Over time", "Ratings & errors", "Leaderboard", "Quality vs cost", "Requests"):
        at.session_state["analytics_tab"] = tab
        at.run()


def forget_logs(directory: Path) -> None:
    """Make the log store's next read of `directory` a cold one."""
    for name in ("requests.csv", "ratings.csv", "votes.csv"):
        forget(directory / name)


def cold_read(directory: Path) -> None:
    """The log store's own part of a first render: reading the page's columns of requests and ratings from nothing."""
    forget_logs(directory)
    LogStore(directory).read_requests(PAGE_COLUMNS)


NUMERIC_COLUMNS = sorted(REQUEST_SCHEMA.floats | REQUEST_SCHEMA.ints)
PLAIN_READER = """
import sys, time
import pandas as pd
columns = sys.argv[2].split(",")
for _ in sys.stdin:
    started = time.perf_counter()
    pd.read_csv(sys.argv[1], usecols=lambda name: name in columns)
    print(time.perf_counter() - started, flush=True)
"""


class PlainReader:
    """pandas' plain `read_csv` of a file's numeric columns, timed in a helper process so its memory is not
    counted as the page's."""

    def __init__(self, path: Path):
        self.process = subprocess.Popen([sys.executable, "-c", PLAIN_READER, str(path), ",".join(NUMERIC_COLUMNS)],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)  # fmt: skip

    def seconds(self) -> float:
        self.process.stdin.write("read\n")
        self.process.stdin.flush()
        return float(self.process.stdout.readline())

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=30)


def first_render(forget: Callable[[], None]):
    """A new session's first render, with the log store (`forget`) and the page's caches forgetting everything."""
    import streamlit as st

    forget()
    st.cache_data.clear()
    at = analytics_session()
    seconds = _timed(at.run)
    assert not at.exception, at.exception
    return at, seconds


def measure_page(csv_file: Path, forget: Callable[[], None], cold_read: Callable[[], None],
                 append: Callable[[str], None], repeats: int = 5) -> dict:  # fmt: skip
    """Time the page on the configured store (in a fresh process); each figure is the median of `repeats`.

    The plain read of `csv_file` (the same log as CSV), the store's cold read and the first render are
    interleaved, one of each per round, and the ratio is the median of the rounds' ratios, so a slow spell on a
    noisy machine weighs on both sides alike. Then a new model filter each time (so nothing comes from the
    cache), and a new row (`append`) after each, then three tabs drawn for the first time."""
    plains, stores, firsts = [], [], []
    reader = PlainReader(csv_file)
    for _ in range(repeats):
        plains.append(reader.seconds())
        stores.append(_timed(cold_read))
        at = None  # the last round's session goes before the next one is made, as a closed browser tab's does:
        gc.collect()  # an AppTest holds reference cycles, so it goes only when the collector runs (and it is slow to)
        at, seconds = first_render(forget)
        firsts.append(seconds)
    reader.close()
    ratio = median(first / plain for first, plain in zip(firsts, plains, strict=True))
    models = at.multiselect(key="analytics_models").options
    refilters, appends = [], []
    for model in models[:repeats]:
        at.multiselect(key="analytics_models").set_value([model])
        refilters.append(_timed(at.run))
        append(model)
        appends.append(_timed(at.run))
    tabs = {}
    for tab in ("Speed", "Leaderboard", "Requests"):
        at.session_state["analytics_tab"] = tab
        tabs[tab] = _timed(at.run)
        assert not at.exception, at.exception
    return {"plain": median(plains), "store": median(stores), "first": median(firsts), "ratio": ratio,
            "refilter": median(refilters), "appended": median(appends), "tabs": tabs,
            "peak_mb": _peak_mb()}  # fmt: skip


def appended_row(store: LogStore) -> Callable[[str], None]:
    """Log one new answer of `model` to the store."""
    return lambda model: store.append_response(
        Result(model=model, requested_model=model, provider="openai", status="ok", latency_ms=1000.0, text="new")
    )


def measure(directory: Path, repeats: int = 5) -> dict:
    """Time the page on the CSV log in `directory` (run in a fresh process)."""
    warm_up(directory.parent / "warm-up")
    os.environ["SWITCHBOARD_LOG_DIR"] = str(directory)
    return measure_page(directory / "requests.csv", lambda: forget_logs(directory), lambda: cold_read(directory),
                        appended_row(LogStore(directory)), repeats)  # fmt: skip


GOALS = {"ratio": 3.0, "refilter": 0.5, "appended": 0.5}
PEAK_GOAL_MB = 1500  # at 1,000,000 requests


def verdicts(size: int, r: dict) -> str:
    """Which goals this size met, each marked ✓ (met) or ✗ (missed): "ratio ✓ filter ✓ append ✗ peak ✓"."""
    names = {"ratio": "ratio", "refilter": "filter", "appended": "append"}
    said = [f"{names[k]} {'✓' if r[k] <= goal else '✗'}" for k, goal in GOALS.items()]
    if size >= 1_000_000:
        said.append(f"peak {'✓' if r['peak_mb'] <= PEAK_GOAL_MB else '✗'}")
    return " ".join(said)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000])
    parser.add_argument("--million", action="store_true", help="also measure 1,000,000 requests")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure)))
        return
    sizes = args.sizes + ([1_000_000] if args.million else [])
    print(f"{'requests':>10} {'file MB':>8} {'numeric':>8} {'store':>7} {'first':>7} {'ratio':>6} {'filter':>7} "
          f"{'append':>7} {'tabs: speed/board/requests':>27} {'peak MB':>8}  goals")  # fmt: skip
    for size in sizes:
        with tempfile.TemporaryDirectory() as temporary:
            directory = Path(temporary) / "logs"
            directory.mkdir()
            generate(directory, size)
            size_mb = (directory / "requests.csv").stat().st_size / 1e6
            child = subprocess.run([sys.executable, __file__, "--measure", str(directory)], capture_output=True,
                                   text=True, check=True)  # fmt: skip
            r = json.loads(child.stdout.strip().splitlines()[-1])
        tabs = "/".join(f"{t:.2f}" for t in r["tabs"].values())
        print(f"{size:>10,} {size_mb:>8.0f} {r['plain']:>7.2f}s {r['store']:>6.2f}s {r['first']:>6.2f}s "
              f"{r['ratio']:>5.1f}× {r['refilter']:>6.2f}s {r['appended']:>6.2f}s {tabs:>27} "
              f"{r['peak_mb']:>8.0f}  {verdicts(size, r)}", flush=True)  # fmt: skip
    print(NOTE)


NOTE = """numeric: pandas' plain read_csv of the numeric columns of requests.csv. store: the log store's cold read of
the page's columns alone (part of first). ratio: first / numeric, round by round. Times are medians of five
rounds; peak MB is the measuring process's RSS. Goals: ratio ≤ 3, filter and append ≤ 0.5 s, and at 1,000,000
requests a peak ≤ 1,500 MB."""


if __name__ == "__main__":
    main()
