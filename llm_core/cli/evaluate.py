"""`eval`: run a suite against several models, as a gate a CI job can run.

Exit codes: 0 every assertion passed, 1 one failed (or the run stopped short), 2 bad usage, 130 Ctrl-C.
The progress bar is tqdm's (the well-kept standard for one; it falls back to nothing on a pipe, where plain
progress lines are printed instead).
"""

from __future__ import annotations

import argparse
import json
import math
import signal
import sys
import threading
from typing import Any

from ..catalog import catalog_with_local_models
from ..config import Config
from ..errors import SwitchboardError
from ..providers import PROVIDERS
from ..session.display import format_cost

INTERRUPTED = 130


class EvalUsageError(SwitchboardError):
    """Bad usage of `eval`: exit code 2."""


def register(subparsers: Any) -> None:
    """Add the `eval` subcommand to an argparse subparsers object (handler in `handler`)."""
    p = subparsers.add_parser(
        "eval", help="run a suite of prompts against several models", description=run_eval.__doc__
    )
    p.add_argument("suite", help="a suite file: .toml, .yaml, .csv or .jsonl (see suites/ for examples)")
    p.add_argument("-m", "--model", action="append", help="a model to evaluate (repeat it); replaces the suite's list")
    p.add_argument("--judge", help="the model that grades judge assertions and compares answers pairwise")
    p.add_argument("--pairwise", action="store_true", help="also judge every pair of models on each case")
    p.add_argument("--repeats", type=_positive_int, help="answers per case and model (default: the suite's, else 1)")
    p.add_argument(
        "--concurrency",
        action="append",
        default=[],
        metavar="N or PROVIDER=N",
        help="calls at once per provider (default 4); e.g. --concurrency 8 --concurrency openai=2",
    )
    p.add_argument("--budget", type=_usd, metavar="USD", help="stop before the run would spend more than this")
    p.add_argument("--json", action="store_true", help="one JSON record per cell, then a summary record")
    p.add_argument("--resume", metavar="RUN_ID", help="finish a stopped run: only its unfinished cells run")
    p.add_argument("--no-cache", action="store_true", help="call the models even for answers already in the log")
    p.set_defaults(handler=run_eval)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from e
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _usd(text: str) -> float:
    try:
        value = float(text.lstrip("$"))
    except ValueError as e:
        raise argparse.ArgumentTypeError(f"{text!r} is not an amount in USD, e.g. 0.50") from e
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError("the budget is an amount above 0, e.g. 0.50")
    return value


def parse_concurrency(values: list[str]) -> dict[str, int]:
    """`["8", "openai=2"]` -> {"*": 8, "openai": 2} as the runner takes it; a bad value is a usage error."""
    limits: dict[str, int] = {}
    for value in values:
        provider, sep, number = value.rpartition("=")
        try:
            count = int(number)
        except ValueError as e:
            raise EvalUsageError(f"--concurrency {value!r}: give N or PROVIDER=N, e.g. 8 or openai=2") from e
        if count < 1:
            raise EvalUsageError(f"--concurrency {value!r}: at least 1 call at once")
        if sep and provider not in PROVIDERS:  # a misspelt provider would silently keep the default
            raise EvalUsageError(f"--concurrency {value!r}: no provider {provider!r}; known: {', '.join(PROVIDERS)}")
        limits[provider if sep else "*"] = count
    return limits


def run_eval(args: argparse.Namespace) -> int:
    """Run every case of a suite against each model; print progress, then a per-model table; exit 0 when all pass."""
    from ..evaluate.runner import EvalRun, resume_run
    from ..evaluate.suite import load_suite
    from ..store.csv_store import default_store

    config = Config()
    catalog = catalog_with_local_models(config)
    suite = load_suite(args.suite)
    if args.pairwise:
        suite = _with_pairwise(suite)
    if args.judge:
        suite = _with_judge(suite, args.judge)
    limits = parse_concurrency(args.concurrency)
    kw = {"budget_usd": args.budget, "use_cache": not args.no_cache}
    kw |= {"concurrency": limits.pop("*", None), "provider_concurrency": limits}
    store = default_store()
    if args.resume:
        _check_resume(args)
        run = resume_run(suite, args.resume, catalog=catalog, store=store, **kw)
    else:
        names = args.model or list(suite.models)
        if not names:
            raise EvalUsageError(f"{args.suite} names no models: add `models = [...]` to it, or pass -m MODEL")
        models = [catalog.get(name) for name in names]  # an unknown model fails here, before any call
        judge = catalog.get(suite.judge) if suite.judge else None
        run = EvalRun(suite, models, catalog=catalog, store=store, judge=judge, repeats=args.repeats, **kw)
    _check_ready([*run.models, *([run.judge] if run.judge else [])], config)
    return _execute(run, args.json)


def _check_resume(args: argparse.Namespace) -> None:
    """Refuse what a resumed run would ignore: it keeps the models, judge, repeats and pairwise it began with."""
    given = [flag for flag, value in (("-m", args.model), ("--judge", args.judge), ("--repeats", args.repeats),
                                      ("--pairwise", args.pairwise)) if value]  # fmt: skip
    if given:
        raise EvalUsageError(
            f"--resume continues a run with its own models, judge, repeats and pairwise choice: leave out"
            f" {', '.join(given)} (or start a new run with them)"
        )


def _check_ready(models: list, config: Config) -> None:
    """Refuse, before anything is sent, a model that cannot be called (a key not set, say), naming what to set."""
    from ..readiness import not_ready_reason

    problems = [f"{m.id}: {reason}" for m in models if (reason := not_ready_reason(m, config))]
    if problems:
        raise EvalUsageError("these models cannot be called yet; nothing was sent: " + "; ".join(problems))


def _with_pairwise(suite):
    from dataclasses import replace

    return replace(suite, pairwise=True)


def _with_judge(suite, judge: str):
    from dataclasses import replace

    return replace(suite, judge=judge)


def _execute(run, as_json: bool) -> int:
    estimate = run.estimate()
    pending = len(run.pending())
    unpriced = f" (not counting {', '.join(estimate.unpriced)}: no price in the catalog)" if estimate.unpriced else ""
    print(
        f"run {run.run_id}: {run.suite.name}, {pending} of {len(run.cells())} cells to run on"
        f" {', '.join(m.id for m in run.models)}; estimate {format_cost(estimate.cost_usd)}{unpriced},"
        f" {estimate.judge_calls} judge calls" + (f", budget ${run.budget.limit:g}" if run.budget.limit else ""),
        file=sys.stderr,
    )
    show = _json_progress if as_json else _progress_printer(pending)
    interrupted = threading.Event()
    previous = _on_ctrl_c(run, interrupted)
    try:
        record = run.run(show)
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
        getattr(show, "close", lambda: None)()
    return _report(run, record, as_json, interrupted.is_set())


def _on_ctrl_c(run, interrupted: threading.Event):
    if threading.current_thread() is not threading.main_thread():
        return None

    def stop(signum: int, frame: object) -> None:
        interrupted.set()
        run.stop("stopped")
        signal.signal(signal.SIGINT, signal.default_int_handler)

    return signal.signal(signal.SIGINT, stop)


def _json_progress(progress) -> None:
    outcome = progress.outcome
    r, cell = outcome.result, outcome.cell
    record = {
        "type": "cell",
        "case_id": cell.case.id,
        "model": cell.model.id,
        "repeat": cell.repeat,
        "request_id": r.request_id,
        "cached": outcome.cached,
        "status": r.status,
        "passed": outcome.passed,
        "checks": [
            {"check": c.assertion.describe(), "outcome": c.outcome, "score": c.score, "detail": c.detail}
            for c in outcome.checks
        ],
        "latency_ms": r.latency_ms,
        "ttft_ms": r.ttft_ms,
        "cost_usd": 0.0 if outcome.cached else r.cost_usd,
        "response": r.text,
        "error": r.error,
    }
    print(json.dumps(record, ensure_ascii=False), flush=True)


def _progress_printer(total: int):
    """A tqdm bar with ETA and spend on a terminal; one plain line per finished cell otherwise."""
    if sys.stderr.isatty():
        from tqdm import tqdm

        bar = tqdm(total=total, unit="cell", file=sys.stderr, dynamic_ncols=True)

        def update(progress) -> None:
            bar.update(1)
            bar.set_postfix_str(f"spent {format_cost(progress.spent_usd)}")

        update.close = bar.close  # type: ignore[attr-defined]
        return update

    def line(progress) -> None:
        outcome = progress.outcome
        mark = "pass" if outcome.passed else "FAIL"
        cached = " (cached)" if outcome.cached else ""
        print(
            f"[{progress.done}/{progress.total}] {mark} {outcome.cell.case.id} · {outcome.cell.model.id}"
            f" #{outcome.cell.repeat}{cached} · spent {format_cost(progress.spent_usd)}",
            file=sys.stderr,
            flush=True,
        )

    return line


def _report(run, record, as_json: bool, interrupted: bool) -> int:
    from ..evaluate.summary import failures, skipped, summarise

    table = summarise(run.store, run.run_id, [m.id for m in run.models])
    failed, unjudged = failures(run.store, run.run_id), skipped(run.store, run.run_id)
    left = len(run.pending())
    if as_json:
        summary = {
            "type": "summary",
            "run_id": run.run_id,
            "suite": run.suite.name,
            "status": record.status,
            "spent_usd": record.spent_usd,
            "unfinished_cells": left,
            "failed_checks": len(failed),
            "skipped_checks": len(unjudged),
            "models": json.loads(table.to_json(orient="records")),
        }
        print(json.dumps(summary, ensure_ascii=False), flush=True)
    else:
        print(_format_table(table))
        for row in failed.head(20).to_dict("records"):
            print(f"FAIL {row['case_id']} · {row['model']} #{row['repeat']}: {row['check']}: {row['detail']}")
        if len(failed) > 20:
            print(f"... and {len(failed) - 20} more failed checks")
        print(f"spent {format_cost(record.spent_usd)}")
    if len(unjudged):
        print(f"warning: {len(unjudged)} judge checks were not graded: {unjudged['detail'].iloc[0]}", file=sys.stderr)
    if left:
        why = {"budget": record.note, "stopped": "stopped"}.get(record.status, record.status)
        print(
            f"run {run.run_id} {why}, spent {format_cost(record.spent_usd)}; {left} cells not run."
            f" Finish it with: python -m llm_core eval {run.suite.source} --resume {run.run_id}",
            file=sys.stderr,
        )
    if interrupted:
        return INTERRUPTED
    return 0 if not len(failed) and not left and (table["passed"] == table["cells"]).all() else 1


def _format_table(table) -> str:
    """The per-model summary as an aligned text table."""
    header = f"{'model':<26} {'pass':>9} {'judge':>6} {'W/L/T/inc':>11} {'p50 ms':>8} {'p95 ms':>8} {'cost':>12}"
    lines = [header, "-" * len(header)]
    for r in table.to_dict("records"):
        judge = "–" if math.isnan(r["judge_score"]) else f"{r['judge_score']:.1f}"
        wlt = f"{r['wins']}/{r['losses']}/{r['ties']}/{r['inconsistent']}"
        p50 = "–" if math.isnan(r["p50_latency_ms"]) else f"{r['p50_latency_ms']:.0f}"
        p95 = "–" if math.isnan(r["p95_latency_ms"]) else f"{r['p95_latency_ms']:.0f}"
        rate = f"{r['passed']}/{r['cells']}"
        lines.append(
            f"{r['model']:<26} {rate:>9} {judge:>6} {wlt:>11} {p50:>8} {p95:>8} {format_cost(r['cost_usd']):>12}"
        )
    return "\n".join(lines)
