"""A run summed up per model from its stored records: pass rate, judge score, pairwise wins, latency, cost."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .records import run_table

SUMMARY_COLUMNS = [
    "model", "cells", "passed", "pass_rate", "judge_score", "wins", "losses", "ties", "inconsistent",
    "p50_latency_ms", "p95_latency_ms", "cached", "cost_usd",
]  # fmt: skip


def summarise(store, run_id: str, models: list[str]) -> pd.DataFrame:
    """One row per model, in the run's order; latency leaves out cached cells (they were not measured now)."""
    cells = run_table(store, "cells", run_id)
    checks = run_table(store, "checks", run_id)
    verdicts = run_table(store, "verdicts", run_id)
    rows = []
    for model in models:
        own = cells[cells["model"] == model]
        live = own[own["cached"] != "yes"]
        latency = pd.to_numeric(live["latency_ms"], errors="coerce").dropna().to_numpy()
        scores = checks[(checks["model"] == model) & checks["check"].str.startswith("judge")]["score"].dropna()
        passed = int((own["passed"] == "yes").sum())
        rows.append(
            {
                "model": model,
                "cells": len(own),
                "passed": passed,
                "pass_rate": passed / len(own) if len(own) else np.nan,
                "judge_score": float(scores.mean()) if len(scores) else np.nan,
                **_pairwise(verdicts, model),
                "p50_latency_ms": float(np.percentile(latency, 50)) if latency.size else np.nan,
                "p95_latency_ms": float(np.percentile(latency, 95)) if latency.size else np.nan,
                "cached": int((own["cached"] == "yes").sum()),
                "cost_usd": float(pd.to_numeric(own["cost_usd"], errors="coerce").fillna(0).sum()),
            }
        )
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


def _pairwise(verdicts: pd.DataFrame, model: str) -> dict[str, int]:
    as_a, as_b = verdicts[verdicts["model_a"] == model], verdicts[verdicts["model_b"] == model]
    return {
        "wins": int((as_a["outcome"] == "a").sum() + (as_b["outcome"] == "b").sum()),
        "losses": int((as_a["outcome"] == "b").sum() + (as_b["outcome"] == "a").sum()),
        "ties": int((as_a["outcome"] == "tie").sum() + (as_b["outcome"] == "tie").sum()),
        "inconsistent": int((as_a["outcome"] == "inconsistent").sum() + (as_b["outcome"] == "inconsistent").sum()),
    }


def failures(store, run_id: str) -> pd.DataFrame:
    """The run's failed checks: case, model, repeat, check and why."""
    checks = run_table(store, "checks", run_id)
    return checks[checks["outcome"] == "fail"][["case_id", "model", "repeat", "check", "detail"]].reset_index(drop=True)


def skipped(store, run_id: str) -> pd.DataFrame:
    """The run's checks that could not be graded (a judge check with no judge), with why."""
    checks = run_table(store, "checks", run_id)
    return checks[checks["outcome"] == "skipped"][["case_id", "model", "check", "detail"]].reset_index(drop=True)
