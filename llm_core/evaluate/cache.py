"""Answers already in the log, reused for identical calls: same model, messages, options and repeat number.

The request log is the cache: an evaluation answer that finished ok is a row tagged with its run; a later run
asking the same thing gets that row's answer, marked cached, at no cost. The repeat number is part of the key,
so repeats stay separate samples.
"""

from __future__ import annotations

import math
import threading
from datetime import datetime

import pandas as pd

from ..options import Options
from ..record import Message, Result

CacheKey = tuple


def cache_key(model: str, messages: list[Message], options: Options, repeat: int) -> CacheKey:
    """What makes two calls identical."""
    system = next((m["content"] for m in messages if m["role"] == "system"), "")
    prompt = next((m["content"] for m in reversed(messages) if m["role"] == "user"), "")
    return (model, system, prompt, options.temperature, options.max_tokens, options.top_p, repeat)


class AnswerCache:
    """The finished evaluation answers of the log, by call; new answers join as the run makes them."""

    def __init__(self, store, enabled: bool = True):
        self.enabled = enabled
        self._answers: dict[CacheKey, Result] = {}
        self._lock = threading.Lock()
        if enabled:
            self._load(store.read_requests().frame)

    def _load(self, frame: pd.DataFrame) -> None:
        if frame.empty:
            return
        done = frame[(frame["status"] == "ok") & (frame["run_id"].fillna("") != "")]
        for row in done.to_dict("records"):
            result = _result_from_row(row)
            options = Options(temperature=result.temperature, max_tokens=result.max_tokens, top_p=result.top_p)
            messages: list[Message] = [{"role": "user", "content": result.prompt}]
            if result.system:
                messages.insert(0, {"role": "system", "content": result.system})
            self._answers[cache_key(result.requested_model, messages, options, result.repeat)] = result

    def get(self, key: CacheKey) -> Result | None:
        """The logged answer to this call, or None."""
        if not self.enabled:
            return None
        with self._lock:
            return self._answers.get(key)

    def put(self, key: CacheKey, result: Result) -> None:
        """Remember an answer that finished ok."""
        if self.enabled and result.ok:
            with self._lock:
                self._answers[key] = result


def _result_from_row(row: dict) -> Result:
    def number(name: str) -> float | None:
        value = row.get(name)
        return None if value is None or (isinstance(value, float) and math.isnan(value)) or pd.isna(value) else value

    def integer(name: str) -> int | None:
        value = number(name)
        return None if value is None else int(value)

    timestamp = row.get("timestamp")
    return Result(
        model=str(row["model"]),
        requested_model=str(row.get("requested_model") or row["model"]),
        provider=str(row.get("provider") or ""),
        label=str(row.get("label") or ""),
        request_id=str(row["request_id"]),
        timestamp=timestamp.to_pydatetime() if isinstance(timestamp, pd.Timestamp) else datetime.now().astimezone(),
        system=str(row.get("system") or ""),
        prompt=str(row.get("prompt") or ""),
        text=str(row.get("response") or ""),
        finish_reason=str(row.get("finish_reason") or ""),
        status="ok",
        prompt_tokens=integer("prompt_tokens"),
        completion_tokens=integer("completion_tokens"),
        ttft_ms=number("ttft_ms"),
        latency_ms=number("latency_ms"),
        cost_usd=number("cost_usd"),
        temperature=number("temperature"),
        max_tokens=integer("max_tokens"),
        top_p=number("top_p"),
        run_id=str(row.get("run_id") or ""),
        case_id=str(row.get("case_id") or ""),
        repeat=integer("repeat"),
    )
