"""Evaluation runs on loopback models: wall time against the ideal schedule for the concurrency limit, the
orchestration's cost per cell, and a fully cached rerun.

Run: python bench/bench_eval.py   (about half a minute; everything on loopback, in a temporary log folder)
Goals: ratio ≤ 1.15 for 100 cases × 4 models at 8 calls at once per provider; ≤ 2 ms per cell; cached rerun ≤ 2 s.
"""

from __future__ import annotations

import math
import os
import tempfile
import time
from contextlib import ExitStack, contextmanager
from pathlib import Path

from _servers import loopback_server, machine_speed_s, median

CASES, MODELS, LIMIT = 100, 4, 8
# Every model's known latency: the first token 250 ms after the request, then a short reply at once. The SDK and
# engine spend ~10 ms of CPU per call under one GIL; a latency this size is a model's, not a loopback's.
TTFT_MS = 250


def write_catalog(urls: list[str]) -> Path:
    """One OpenAI-style model per loopback server: four models, one provider (so one limit of 8 covers them)."""
    lines = []
    for i, url in enumerate(urls):
        lines += [f"[models.bench-{i}]", f'label = "Bench {i}"', 'provider = "openai"', f'name = "bench-{i}"']
        lines += [f'base_url = "{url}"', "input_price = 1.0", "output_price = 2.0", ""]
    path = Path(tempfile.mkdtemp()) / "models.toml"
    path.write_text("\n".join(lines))
    return path


def write_suite(cases: int) -> Path:
    """A suite of `cases` short prompts, each checked by two cheap assertions."""
    lines = ['name = "bench"']
    for i in range(cases):
        lines += ["[[cases]]", f'id = "c{i}"', f'prompt = "Question number {i}: say ok."']
        lines += ['assert = [{ type = "icontains", value = "ok" }, { type = "max-latency-ms", value = 60000 }]']
    path = Path(tempfile.mkdtemp()) / "bench.toml"
    path.write_text("\n".join(lines))
    return path


def run_suite(suite_path: Path, models: list[str], **kw) -> tuple[float, object]:
    from llm_core.catalog import load_catalog
    from llm_core.evaluate.runner import EvalRun
    from llm_core.evaluate.suite import load_suite
    from llm_core.store.csv_store import LogStore

    catalog = load_catalog()
    run = EvalRun(load_suite(suite_path), [catalog.get(m) for m in models], catalog=catalog, store=LogStore(), **kw)
    started = time.perf_counter()
    record = run.run()
    assert record.status == "finished", record
    return time.perf_counter() - started, run


def single_call_s(model: str) -> float:
    """One call through the engine on its own, logged like an evaluation answer: the schedule's unit of time.

    The catalog, the model and the log store are ready beforehand, as they are for a run's calls: reading the
    catalog for every call would make the calls alone slower than a run's and hide the run's own cost."""
    from llm_core import Turn

    catalog, store = _ready()
    messages = [{"role": "user", "content": "Question: say ok."}]
    started = time.perf_counter()
    result = Turn(catalog.get(model), messages, catalog=catalog, store=store, fallbacks=False).complete()
    assert result.ok, result.error
    return time.perf_counter() - started


@contextmanager
def engine_time():
    """Seconds spent inside the engine's calls (Turn.complete) while the block runs, in a one-item list."""
    from llm_core import engine

    spent, original = [0.0], engine.Turn.complete

    def timed(turn):
        started = time.perf_counter()
        try:
            return original(turn)
        finally:
            spent[0] += time.perf_counter() - started

    engine.Turn.complete = timed
    try:
        yield spent
    finally:
        engine.Turn.complete = original


_READY: dict = {}


def _ready():
    """The catalog and the log store, made once (after the catalog's file is written)."""
    if not _READY:
        from llm_core.catalog import load_catalog
        from llm_core.store.csv_store import LogStore

        _READY.update(catalog=load_catalog(), store=LogStore())
    return _READY["catalog"], _READY["store"]


def main() -> None:
    os.environ["SWITCHBOARD_LOG_DIR"] = tempfile.mkdtemp()
    os.environ["OPENAI_API_KEY"] = "bench-key-not-real"
    with ExitStack() as stack:
        urls = [stack.enter_context(loopback_server(ttft_ms=TTFT_MS, reply="ok, done")) for _ in range(MODELS)]
        # one more, answering at once: the orchestration's cost is measured where no latency's jitter hides it
        urls.append(stack.enter_context(loopback_server(ttft_ms=0, reply="ok, done")))
        os.environ["SWITCHBOARD_MODELS"] = str(write_catalog(urls))
        instant = f"bench-{MODELS}"
        models = [f"bench-{i}" for i in range(MODELS)]
        single_call_s(models[0])  # warm up: SDK import, client, tokenizer
        unit = median([single_call_s(m) for m in models for _ in range(3)])
        print(f"machine speed {machine_speed_s():.3f} s; one call alone {unit * 1000:.1f} ms")

        suite = write_suite(CASES)
        cells = CASES * MODELS
        ideal = math.ceil(cells / LIMIT) * unit
        wall, _ = run_suite(suite, models, concurrency=LIMIT, use_cache=False)
        print(
            f"{CASES} cases × {MODELS} models at {LIMIT} at once: wall {wall:.2f} s, ideal {ideal:.2f} s,"
            f" ratio {wall / ideal:.3f} (goal ≤ 1.15)"
        )

        overhead, against_alone = [], []
        for _ in range(5):  # interleaved, and the median taken: this machine's speed swings minute to minute
            alone = sum(single_call_s(instant) for _ in range(30))
            with engine_time() as inside:
                sequential, _ = run_suite(write_suite(30), [instant], concurrency=1, use_cache=False)
            overhead.append((sequential - inside[0]) / 30)
            against_alone.append((sequential - alone) / 30)
        print(
            f"orchestration per cell: {median(overhead) * 1000:.2f} ms (30 cells one at a time on a model that"
            f" answers at once: the run's wall time outside its engine calls, median of 5; goal ≤ 2 ms);"
            f" against 30 calls alone: {median(against_alone) * 1000:+.2f} ms (two noisy timings' difference)"
        )

        cached, run = run_suite(suite, models, concurrency=LIMIT)
        print(f"fully cached rerun of {cells} cells: {cached:.2f} s (goal ≤ 2 s)")
        assert run.cache.enabled


if __name__ == "__main__":
    main()
