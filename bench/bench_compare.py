"""Compare wall time against the slowest single model, and llm_core's per-call overhead over the raw SDK.

Run: python bench/bench_compare.py   (about a minute; everything on loopback)
"""

from __future__ import annotations

import os
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

from _servers import loopback_server, median

REPLY = " ".join(f"word{i}" for i in range(150))  # 150 tokens at 300 tok/s: half a second of streaming
PACING = [(120, 300), (180, 300), (240, 280), (300, 260)]  # (time to first token ms, tokens/s) per model
REPEATS = 3


def write_catalog(urls: list[str]) -> Path:
    """A catalog with one model per loopback server."""
    lines = []
    for i, url in enumerate(urls):
        lines += [
            f"[models.bench-{i}]",
            f'label = "Bench {i}"',
            'provider = "openai"',
            f'name = "bench-{i}"',
            f'base_url = "{url}"',
            "input_price = 1.0",
            "output_price = 2.0",
            "",
        ]
    path = Path(tempfile.mkdtemp()) / "models.toml"
    path.write_text("\n".join(lines))
    return path


def time_single(model: str) -> float:
    from llm_core import Turn

    started = time.monotonic()
    result = Turn(model, [{"role": "user", "content": "go"}], store=False).complete()
    assert result.ok, result.error
    return time.monotonic() - started


def time_compare(models: list[str]) -> float:
    from llm_core import Comparison, Job

    jobs = [Job(m, [{"role": "user", "content": "go"}]) for m in models]
    started = time.monotonic()
    results = Comparison(jobs, store=False).run()
    assert all(r.ok for r in results), [r.error for r in results]
    return time.monotonic() - started


def bench_compare_wall_time() -> None:
    with ExitStack() as stack:
        urls = [stack.enter_context(loopback_server(ttft_ms=t, tokens_per_s=r, reply=REPLY)) for t, r in PACING]
        os.environ["SWITCHBOARD_MODELS"] = str(write_catalog(urls))
        models = [f"bench-{i}" for i in range(len(urls))]
        time_single(models[0])  # warm up: SDK import, client, tokenizer
        singles = {m: median([time_single(m) for _ in range(REPEATS)]) for m in models}
        print("compare wall time / slowest single model (goal ≤ 1.10)")
        for n in (2, 3, 4):
            chosen = models[:n]
            slowest = max(singles[m] for m in chosen)
            wall = median([time_compare(chosen) for _ in range(REPEATS)])
            print(
                f"  {n} models: wall {wall * 1000:7.1f} ms, slowest single {slowest * 1000:7.1f} ms, "
                f"ratio {wall / slowest:.3f}"
            )


def bench_overhead(calls: int = 60) -> None:
    import openai

    from llm_core import Turn

    with loopback_server(reply="Hello from the loopback server.") as url:
        os.environ["OPENAI_BASE_URL"] = url
        os.environ["OPENAI_API_KEY"] = "bench-key"
        os.environ["SWITCHBOARD_LOG_DIR"] = tempfile.mkdtemp()
        client = openai.OpenAI(base_url=url, api_key="bench-key", max_retries=0)
        messages = [{"role": "user", "content": "go"}]

        request = {"model": "bench", "messages": messages, "stream": True, "stream_options": {"include_usage": True}}

        def raw_sdk() -> None:  # the SDK path llm_core takes: its raw response, events read as JSON
            for _ in client.chat.completions.with_raw_response.create(**request).parse(to=openai.Stream[object]):
                pass

        def typed_sdk() -> None:  # the SDK's default: a typed object built per chunk
            for _ in client.chat.completions.create(**request):
                pass

        def core(store) -> None:
            result = Turn("openai:bench", messages, store=store).complete()
            assert result.ok, result.error

        variants = {
            "raw SDK": raw_sdk,
            "typed SDK chunks": typed_sdk,
            "llm_core, no log": lambda: core(False),
            "llm_core + CSV log": lambda: core(None),
        }
        for run in variants.values():  # warm up
            run()
        timings: dict[str, list[float]] = {name: [] for name in variants}
        for _ in range(calls):  # interleaved, so drift on a noisy machine hits every variant alike
            for name, run in variants.items():
                started = time.perf_counter()
                run()
                timings[name].append(time.perf_counter() - started)
        base = median(timings["raw SDK"])
        print(f"per-call overhead over the raw openai SDK (events as JSON), median of {calls} (goal ≤ 5 ms)")
        for name, values in timings.items():
            m = median(values)
            print(f"  {name:<20} {m * 1000:6.2f} ms  (overhead {(m - base) * 1000:+.2f} ms, ratio {m / base:.2f})")


if __name__ == "__main__":
    bench_compare_wall_time()
    bench_overhead()
