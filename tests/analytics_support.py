"""Request logs for the analytics tests: one request at a time, or a large synthetic month."""

from __future__ import annotations

import numpy as np
import pandas as pd


def request(**fields) -> dict:
    """One logged request with sensible defaults."""
    row = {
        "timestamp": pd.Timestamp("2025-03-01 12:00", tz="UTC"),
        "request_id": f"r{np.random.default_rng().integers(1e12)}",
        "session_id": "s1",
        "provider": "openai",
        "model": "gpt",
        "template": "",
        "prompt": "hello",
        "response": "hi there",
        "status": "ok",
        "error": "",
        "error_kind": "",
        "label": "",
        "latency_ms": 1000.0,
        "ttft_ms": 200.0,
        "tokens_per_s": 50.0,
        "prompt_tokens": 10,
        "completion_tokens": 40,
        "cost_usd": 0.001,
        "stars": np.nan,
    }
    row.update(fields)
    return row


def log(*rows: dict) -> pd.DataFrame:
    """A log of `rows`, typed as the log store reads it."""
    frame = pd.DataFrame(list(rows))
    for column in ("provider", "model", "status"):
        frame[column] = frame[column].astype("category")
    for column in ("prompt_tokens", "completion_tokens"):
        frame[column] = frame[column].astype("Int64")
    return frame


def synthetic_log(size: int, seed: int = 7) -> pd.DataFrame:
    """A large log of three models over a month, as the benchmark would write it."""
    rng = np.random.default_rng(seed)
    models = np.array(["fast", "slow", "cheap"])
    pick = rng.integers(0, 3, size)
    frame = pd.DataFrame(
        {
            "timestamp": pd.Timestamp("2025-03-01", tz="UTC") + pd.to_timedelta(rng.integers(0, 30 * 86400, size), "s"),
            "request_id": [f"r{i}" for i in range(size)],
            "session_id": "s",
            "provider": "openai",
            "model": pd.Categorical(models[pick]),
            "template": "",
            "prompt": "p",
            "response": "r",
            "status": pd.Categorical(np.where(rng.random(size) < 0.05, "error", "ok")),
            "error": "",
            "error_kind": "",
            "latency_ms": rng.lognormal(7 + pick, 0.5),
            "ttft_ms": rng.lognormal(5, 0.3, size),
            "tokens_per_s": rng.normal(60, 10, size),
            "prompt_tokens": pd.array(rng.integers(5, 4000, size), dtype="Int64"),
            "completion_tokens": pd.array(rng.integers(1, 2000, size), dtype="Int64"),
            "cost_usd": rng.random(size) / 100,
            "stars": np.where(rng.random(size) < 0.1, rng.integers(1, 6, size), np.nan),
        }
    )
    return frame
