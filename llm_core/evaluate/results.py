"""A run's results as tables a page or a download can use: the cases × models grid, filters, run against run."""

from __future__ import annotations

import json

import pandas as pd

from ..store.cells import to_safe_csv
from .records import run_table

PASS, FAIL = "✓ pass", "✗ fail"  # marks every font has (a grid drawn on a canvas shows no emoji without one)


def cell_results(store, run_id: str) -> pd.DataFrame:
    """One row per finished cell: case, model, repeat, passed, failed checks, cached, latency, cost, request id."""
    cells = run_table(store, "cells", run_id)
    return cells[
        ["case_id", "model", "repeat", "passed", "failed", "cached", "status", "latency_ms", "cost_usd", "request_id"]
    ].copy()


def grid(store, run_id: str, case_ids: list[str], models: list[str]) -> pd.DataFrame:
    """Cases × models: each cell a badge (passed repeats / repeats), its mean latency and its cost."""
    cells = cell_results(store, run_id)
    rows = []
    for case_id in case_ids:
        row = {"case": case_id}
        for model in models:
            own = cells[(cells["case_id"] == case_id) & (cells["model"] == model)]
            row[model] = badge(own) if len(own) else "…"
        rows.append(row)
    return pd.DataFrame(rows, columns=["case", *models])


def badge(own: pd.DataFrame) -> str:
    """`✓ pass 2/2 · 540 ms · $0.0001`, `✗ fail 1/2 · icontains paris`; `cached` when nothing was measured now."""
    passed, total = int((own["passed"] == "yes").sum()), len(own)
    mark = PASS if passed == total else FAIL
    live = own[own["cached"] != "yes"]
    latency = pd.to_numeric(live["latency_ms"], errors="coerce").mean()
    parts = [f"{mark} {passed}/{total}"]
    parts.append("cached" if live.empty else f"{latency:.0f} ms")
    cost = pd.to_numeric(own["cost_usd"], errors="coerce").fillna(0).sum()
    parts.append(f"${cost:.4f}" if cost else "$0")
    failed = [f for f in own["failed"] if f]
    if failed:
        parts.append(failed[0])
    return " · ".join(parts)


def disagreeing(store, run_id: str) -> set[str]:
    """The cases where some model passed and another failed."""
    cells = cell_results(store, run_id)
    verdicts = cells.assign(ok=cells["passed"] == "yes").groupby(["case_id", "model"])["ok"].all()
    per_case = verdicts.groupby(level="case_id").nunique()
    return set(per_case[per_case > 1].index)


def failing_checks(store, run_id: str) -> dict[str, set[str]]:
    """Each failed check's label, with the cases where it failed."""
    checks = run_table(store, "checks", run_id)
    failed = checks[checks["outcome"] == "fail"]
    return {label: set(group["case_id"]) for label, group in failed.groupby("check")}


def run_against_run(store, earlier: str, later: str) -> pd.DataFrame:
    """Per case and model: passed in the earlier run, in the later one, and whether it got better or worse."""

    def passed(run_id: str) -> pd.Series:
        cells = cell_results(store, run_id)
        return cells.assign(ok=cells["passed"] == "yes").groupby(["case_id", "model"])["ok"].all()

    both = pd.concat({"before": passed(earlier), "after": passed(later)}, axis=1).dropna().reset_index()
    both["change"] = [
        "better" if after and not before else "worse" if before and not after else "same"
        for before, after in zip(both["before"], both["after"], strict=True)
    ]
    rank = both["change"].map({"worse": 0, "better": 1, "same": 2})  # what changed first
    return both.assign(rank=rank).sort_values(["rank", "case_id"]).drop(columns="rank").reset_index(drop=True)


def results_frame(store, run_id: str) -> pd.DataFrame:
    """Every cell with its answer and every check, for a download."""
    cells = cell_results(store, run_id)
    requests = store.read_requests().frame[["request_id", "prompt", "response"]].drop_duplicates("request_id")
    checks = run_table(store, "checks", run_id)
    summary = (
        checks.assign(
            line=checks["check"]
            + ": "
            + checks["outcome"]
            + (" — " + checks["detail"]).where(checks["detail"] != "", "")
        )
        .groupby(["case_id", "model", "repeat"])["line"]
        .agg("\n".join)
        .rename("checks")
        .reset_index()
    )
    merged = cells.merge(requests, on="request_id", how="left").merge(
        summary, on=["case_id", "model", "repeat"], how="left"
    )
    return merged.assign(run_id=run_id)


def results_csv(store, run_id: str) -> bytes:
    """The results as CSV that no spreadsheet will run as a formula."""
    return to_safe_csv(results_frame(store, run_id))


def results_json(store, run_id: str) -> str:
    """The results as a JSON list of cells."""
    return results_frame(store, run_id).to_json(orient="records", force_ascii=False, indent=1)


def load_json(text: str) -> list[dict]:
    """Read back a results download."""
    return json.loads(text)
