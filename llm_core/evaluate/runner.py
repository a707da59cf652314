"""An evaluation run: every case × model × repeat answered with bounded concurrency per provider, checked, judged,
kept within a budget, recorded as it goes, and resumable where it stopped.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from itertools import combinations

from ..catalog import Catalog, Model
from ..config import Config
from ..engine import Turn
from ..options import Options
from ..record import Message, Result, new_id
from ..tokens import count_messages
from .assertions import Check, check
from .cache import AnswerCache, cache_key
from .judge import combine, judge_problem, pairwise_messages, parse_score, parse_verdict, rubric_messages
from .limits import ProviderLimits
from .records import RecordWriter, RunRecord, now_iso, run_table, save_run
from .suite import Case, Suite

ASSUMED_ANSWER_TOKENS = 256  # for the estimate when max_tokens is not set
JUDGE_REPLY_TOKENS = 200


@dataclass(frozen=True)
class Cell:
    """One answer to produce: a case, a model, a repeat (1-based)."""

    case: Case
    model: Model
    repeat: int

    @property
    def key(self) -> tuple[str, str, int]:
        return (self.case.id, self.model.id, self.repeat)


@dataclass
class CellOutcome:
    """A finished cell: the answer (live or cached) and how it fared."""

    cell: Cell
    result: Result
    cached: bool
    checks: list[Check]

    @property
    def passed(self) -> bool:
        """Every check passed or was skipped, and the model answered."""
        return self.result.ok and all(c.outcome != "fail" for c in self.checks)


@dataclass
class Estimate:
    """What a run is expected to cost before it starts."""

    calls: int
    judge_calls: int
    cost_usd: float
    unpriced: list[str] = field(default_factory=list)  # models with no catalog price: not in the figure


class Budget:
    """Spend so far against a limit: a call goes ahead only when its estimate still fits."""

    def __init__(self, limit_usd: float | None, spent: float = 0.0):
        self.limit, self.spent, self._reserved = limit_usd, spent, 0.0
        self._lock = threading.Lock()

    def reserve(self, amount: float) -> bool:
        """Hold `amount` for a call about to be made; False when it would pass the limit."""
        with self._lock:
            if self.limit is not None and self.spent + self._reserved + amount > self.limit:
                return False
            self._reserved += amount
            return True

    def settle(self, reserved: float, actual: float | None) -> None:
        """The call is done: release its hold, count what it cost."""
        with self._lock:
            self._reserved -= reserved
            self.spent += actual or 0.0


@dataclass
class Progress:
    """How far a run has got, for a progress bar or a page."""

    done: int
    total: int
    spent_usd: float
    outcome: CellOutcome | None = None


class EvalRun:
    """One run of a suite over some models; `run()` blocks until every cell is done, stopped or out of budget."""

    def __init__(
        self,
        suite: Suite,
        models: list[Model],
        *,
        catalog: Catalog,
        store,
        judge: Model | None = None,
        repeats: int | None = None,
        options: Options | None = None,
        concurrency: int | None = None,
        provider_concurrency: dict[str, int] | None = None,
        budget_usd: float | None = None,
        use_cache: bool = True,
        run_id: str | None = None,
        config: Config | None = None,
    ):
        self.suite, self.models, self.catalog, self.store, self.judge = suite, models, catalog, store, judge
        self.config = config  # whose keys the calls use (a page session's own); None: the environment's
        self.repeats = repeats or suite.repeats
        self.options = options or suite.options
        self.limits = ProviderLimits(concurrency, provider_concurrency)  # calls at once per provider
        self.resumed = run_id is not None
        self._started = False  # until run() begins, a new run has no finished cells: no need to read the log
        self.record = RunRecord(
            run_id=run_id or new_id(),
            suite=suite.name,
            suite_hash=suite.content_hash,
            suite_path=suite.source,
            models=[m.id for m in models],
            options=self.options.model_dump(exclude_none=True),
            judge=judge.id if judge else "",
            repeats=self.repeats,
            pairwise=suite.pairwise,
        )
        self.cache = AnswerCache(store, enabled=use_cache)
        self.budget = Budget(budget_usd)
        self._stop = threading.Event()
        self._live: set[Turn] = set()
        self._lock = threading.Lock()
        self.stop_reason = ""
        self._spent_before = 0.0  # what earlier sessions of a resumed run spent

    @property
    def run_id(self) -> str:
        return self.record.run_id

    def cells(self) -> list[Cell]:
        """Every cell of the run, case by case."""
        return [Cell(c, m, r) for c in self.suite.cases for r in range(1, self.repeats + 1) for m in self.models]

    def pending(self) -> list[Cell]:
        """The cells not yet finished (all of them for a new run)."""
        if not self.resumed and not self._started:
            return self.cells()
        done = {tuple(k) for k in self._finished_keys()}
        return [cell for cell in self.cells() if cell.key not in done]

    def _finished_keys(self) -> list:
        frame = run_table(self.store, "cells", self.run_id)
        return list(zip(frame["case_id"], frame["model"], frame["repeat"].astype(int), strict=True))

    def estimate(self, cells: list[Cell] | None = None) -> Estimate:
        """Tokens from the prompts × catalog prices, judge calls included, for the cells still to run."""
        cells = self.pending() if cells is None else cells
        cost, unpriced, judge_calls = 0.0, set(), 0
        for cell in cells:
            price = self._call_estimate(cell.model, cell.case.messages())
            unpriced |= {cell.model.id} if price is None else set()
            cost += price or 0.0
            rubrics = sum(a.type == "judge" for a in cell.case.assertions) if self._judge_ready() else 0
            judge_calls += rubrics
            cost += rubrics * (self._judge_estimate(cell.case) or 0.0)
        if self.suite.pairwise and self._judge_ready():
            pairs = len(list(combinations(self.models, 2)))
            cases = {(c.case.id, c.repeat) for c in cells}
            judge_calls += 2 * pairs * len(cases)
            cost += 2 * pairs * len(cases) * (self._judge_estimate(self.suite.cases[0], answers=2) or 0.0)
        if self.judge and not self.judge.priced and judge_calls:
            unpriced.add(self.judge.id)
        return Estimate(len(cells), judge_calls, cost, sorted(unpriced))

    def _answer_tokens(self, model: Model) -> int:
        return self.options.merged_over(model.defaults).max_tokens or ASSUMED_ANSWER_TOKENS

    def _call_estimate(self, model: Model, messages: list[Message]) -> float | None:
        tokens, _ = count_messages(messages)
        return model.cost(tokens, self._answer_tokens(model))

    def _judge_estimate(self, case: Case, answers: int = 1) -> float | None:
        if not self.judge:
            return None
        tokens = count_messages(case.messages())[0] + answers * ASSUMED_ANSWER_TOKENS + 250
        return self.judge.cost(tokens, JUDGE_REPLY_TOKENS)

    def _judge_ready(self) -> bool:
        return not judge_problem(self.judge)

    def stop(self, reason: str = "stopped") -> None:
        """Stop the run: no new calls; answers in flight are cancelled and left to run again on resume.

        Out of budget (`reason="budget"`), the calls in flight finish: they were paid for when they started.
        """
        with self._lock:
            self.stop_reason = self.stop_reason or reason
            self._stop.set()
            live = list(self._live) if reason != "budget" else []
        for turn in live:
            turn.cancel()

    # --- running ---------------------------------------------------------------------------------------

    def run(self, on_progress: Callable[[Progress], None] | None = None) -> RunRecord:
        """Run every pending cell, then the pairwise judgements; returns the run's final record."""
        cells = self.pending()
        total = len(self.cells())
        done = [total - len(cells)]
        self._started = True
        self.record.started = self.record.started or now_iso()
        self.record.status = "running"
        save_run(self.store, self.record)
        by_provider: dict[str, list[Cell]] = {}
        for cell in cells:
            by_provider.setdefault(cell.model.provider, []).append(cell)
        # one gate per provider for every call to it, answers and judge calls alike: the limit holds for both
        providers = {m.provider for m in self.models} | ({self.judge.provider} if self.judge else set())
        self._gates = self.limits.gates(providers)

        def finished(outcome: CellOutcome | None) -> None:
            with self._lock:
                done[0] += outcome is not None
                progress = Progress(done[0], total, self.budget.spent, outcome)
            if on_progress and outcome is not None:
                on_progress(progress)

        self._writer = RecordWriter(self.store)
        pools = [ThreadPoolExecutor(self.limits.limit(p), thread_name_prefix=f"eval-{p}") for p in by_provider]
        try:
            futures = [
                pool.submit(lambda c=cell: finished(self._run_cell(c)))
                for pool, group in zip(pools, by_provider.values(), strict=True)
                for cell in group
            ]
            wait(futures)
            for future in futures:
                future.result()  # a bug in a worker surfaces here, not silently
            if self.suite.pairwise and not self._stop.is_set():
                self._writer.flush()  # the pairs are read from the recorded cells
                self._run_pairwise()
        finally:
            for pool in pools:
                pool.shutdown(wait=True, cancel_futures=True)
            self._writer.close()
        self.record.spent_usd = self.budget.spent
        self.record.finished = now_iso()
        # every cell counted in `done` was recorded (close() flushed them, or raised): no need to read them back
        self.record.status = self.stop_reason or ("finished" if done[0] == total else "stopped")
        if self.stop_reason == "budget":
            self.record.note = f"stopped before exceeding the budget of ${self.budget.limit:g}"
        save_run(self.store, self.record)
        return self.record

    def _run_cell(self, cell: Cell) -> CellOutcome | None:
        """Answer one cell (or take it from the cache), check it, record it; None when the run stopped first."""
        if self._stop.is_set():
            return None
        messages = cell.case.messages()
        options = self.options.merged_over(cell.model.defaults)
        key = cache_key(cell.model.id, messages, options, cell.repeat)
        cached = self.cache.get(key)
        if cached is not None:
            result = cached
        else:
            result = self._call(cell.model, messages, self.options, cell, template="")
            if result is None:
                return None
            self.cache.put(key, result)
        checks = self._checks(cell, result)
        if checks is None:
            return None
        outcome = CellOutcome(cell, result, cached is not None, checks)
        self._record(outcome)
        return outcome

    def _call(self, model: Model, messages: list[Message], options: Options, cell: Cell, template: str):
        """One live call within the budget; None when the budget or a stop prevented or cut it."""
        reserved = self._call_estimate(model, messages) or 0.0
        if not self.budget.reserve(reserved):
            self.stop("budget")
            return None
        turn = Turn(
            model, messages, options, catalog=self.catalog, config=self.config, store=self.store, fallbacks=False
        )
        turn.result.run_id, turn.result.case_id, turn.result.repeat = self.run_id, cell.case.id, cell.repeat
        turn.result.template = template
        with self._lock:
            if self._stop.is_set():
                self.budget.settle(reserved, 0)
                return None
            self._live.add(turn)
        try:
            with self._gates[model.provider]:
                # stopped while waiting for the gate: do not start (out of budget, what was reserved may go on)
                stopped = self._stop.is_set() and self.stop_reason != "budget"
                result = turn.result if stopped else turn.complete()
        finally:
            with self._lock:
                self._live.discard(turn)
            self.budget.settle(reserved, turn.result.cost_usd)
        return None if stopped or result.status == "cancelled" else result

    def _checks(self, cell: Cell, result: Result) -> list[Check] | None:
        checks = []
        for assertion in cell.case.assertions:
            if assertion.type != "judge":
                checks.append(check(assertion, result))
                continue
            graded = self._grade(cell, result, assertion)
            if graded is None:
                return None
            checks.append(graded)
        return checks

    def _grade(self, cell: Cell, result: Result, assertion) -> Check | None:
        problem = judge_problem(self.judge)
        if problem:
            return Check(assertion, "skipped", problem)
        if not result.ok:
            return Check(assertion, "fail", f"no complete answer to grade ({result.status})")
        prompt = self.suite.judge_prompts["rubric"]
        messages = rubric_messages(
            prompt, rubric=assertion.value, question=cell.case.prompt, expected=cell.case.expected, answer=result.text
        )
        reply = self._judge_call(messages, cell, prompt.version)
        if reply is None:
            return None
        if not reply.ok:
            return Check(assertion, "fail", f"the judge {self.judge.id} failed: {reply.error or reply.status}")
        score = parse_score(reply.text)
        if score is None:
            return Check(assertion, "fail", f"the judge gave no 'Score: N' from 1 to 10 ({prompt.version})")
        outcome = "pass" if score >= assertion.threshold else "fail"
        return Check(assertion, outcome, f"judge {self.judge.id}: {score:g}/10 ({prompt.version})", score=score)

    def _judge_call(self, messages: list[Message], cell: Cell, version: str) -> Result | None:
        key = cache_key(self.judge.id, messages, Options().merged_over(self.judge.defaults), cell.repeat)
        cached = self.cache.get(key)
        if cached is not None:
            return cached
        reply = self._call(self.judge, messages, Options(), cell, template=f"judge:{version}")
        if reply is not None:
            self.cache.put(key, reply)
        return reply

    def _record(self, outcome: CellOutcome) -> None:
        """Store the checks, then the cell: a cell is finished only once its own row is written."""
        cell, r = outcome.cell, outcome.result
        where = {"run_id": self.run_id, "case_id": cell.case.id, "model": cell.model.id, "repeat": cell.repeat}
        self._writer.add(
            "checks",
            [
                {
                    **where,
                    "request_id": r.request_id,
                    "position": i,
                    "check": c.assertion.describe(),
                    "outcome": c.outcome,
                    "score": c.score,
                    "detail": c.detail,
                    "judge": self.judge.id if c.assertion.type == "judge" and self.judge else "",
                }
                for i, c in enumerate(outcome.checks)
            ],
        )
        failed = [c.assertion.describe() for c in outcome.checks if c.outcome == "fail"]
        self._writer.add(
            "cells",
            [
                {
                    **where,
                    "request_id": r.request_id,
                    "cached": "yes" if outcome.cached else "",
                    "status": r.status,
                    "passed": "yes" if outcome.passed else "no",
                    "failed": "; ".join(failed) or ("" if r.ok else r.error),
                    "latency_ms": r.latency_ms,
                    "ttft_ms": r.ttft_ms,
                    "cost_usd": 0.0 if outcome.cached else r.cost_usd,
                    "completion_tokens": r.completion_tokens,
                }
            ],
        )

    # --- pairwise ----------------------------------------------------------------------------------------

    def _run_pairwise(self) -> None:
        """Judge every pair of models on every case twice, in both orders (MT-Bench); votes with rater = judge."""
        if not self._judge_ready() or len(self.models) < 2:
            return
        cells = run_table(self.store, "cells", self.run_id)
        verdicts = run_table(self.store, "verdicts", self.run_id)
        judged = set(
            zip(verdicts["case_id"], verdicts["repeat"], verdicts["model_a"], verdicts["model_b"], strict=True)
        )
        answers = {
            (row["case_id"], int(row["repeat"]), row["model"]): row["request_id"] for row in cells.to_dict("records")
        }
        for case in self.suite.cases:
            for repeat in range(1, self.repeats + 1):
                for a, b in combinations(self.models, 2):
                    if self._stop.is_set():
                        return
                    ids = answers.get((case.id, repeat, a.id)), answers.get((case.id, repeat, b.id))
                    if None in ids or (case.id, repeat, a.id, b.id) in judged:
                        continue
                    self._judge_pair(Cell(case, a, repeat), a, b, ids)

    def _judge_pair(self, cell: Cell, a: Model, b: Model, ids: tuple) -> None:
        texts = [self._answer_text(i) for i in ids]
        prompt = self.suite.judge_prompts["pairwise"]
        replies = []
        for first, second in ((0, 1), (1, 0)):
            messages = pairwise_messages(
                prompt, question=cell.case.prompt, answer_a=texts[first], answer_b=texts[second]
            )
            reply = self._judge_call(messages, cell, prompt.version)
            if reply is None:
                return
            replies.append(parse_verdict(reply.text) if reply.ok else None)
        outcome = combine(*replies)
        self._writer.add(
            "verdicts",
            [
                {
                    "run_id": self.run_id,
                    "case_id": cell.case.id,
                    "repeat": cell.repeat,
                    "model_a": a.id,
                    "model_b": b.id,
                    "request_a": ids[0],
                    "request_b": ids[1],
                    "first": replies[0] or "none",
                    "second": replies[1] or "none",
                    "outcome": outcome,
                    "judge": f"{self.judge.id} ({prompt.version})",
                }
            ],
        )
        if outcome != "error":  # an inconsistent pair counts as a tie, as MT-Bench counts it
            winner = {"a": ids[0], "b": ids[1]}.get(outcome, "tie")
            self.store.append_vote(
                f"{self.run_id}:{cell.case.id}:{cell.repeat}:{a.id}:{b.id}",
                winner,
                [a.id, b.id],
                list(ids),
                rater=self.judge.id,
            )

    def _answer_text(self, request_id: str) -> str:
        found = self.store.find_request(request_id)
        return str(found.get("response") or "") if found else ""


def resume_run(suite: Suite, run_id: str, *, catalog: Catalog, store, **kw) -> EvalRun:
    """The run `run_id` set to finish its unfinished cells (and pairs), with the models, options, repeats, judge
    and pairwise choice it began with."""
    from dataclasses import replace

    from .records import load_run
    from .suite import SuiteError

    record = load_run(store, run_id)
    if record.suite_hash and suite.content_hash and record.suite_hash != suite.content_hash:
        raise SuiteError(
            f"{suite.source} has changed since run {run_id} began (it ran {record.suite_path}); resuming would mix"
            " two suites: start a new run instead"
        )
    suite = replace(suite, pairwise=record.pairwise)
    judge = catalog.get(record.judge) if record.judge else None
    run = EvalRun(
        suite,
        [catalog.get(m) for m in record.models],
        catalog=catalog,
        store=store,
        judge=judge,
        repeats=record.repeats,
        options=Options(**record.options),
        run_id=run_id,
        **kw,
    )
    run.record = record
    requests = store.read_requests().frame
    # what the earlier sessions spent, judge calls and cut-off answers included (a killed run saved no total)
    run._spent_before = float(requests.loc[requests["run_id"] == run_id, "cost_usd"].fillna(0).sum())
    run.budget.spent = run._spent_before  # the budget is the whole run's
    return run
