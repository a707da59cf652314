"""Assertions on one answer: text checks, JSON and JSON Schema, and limits on latency, cost and length.

Each is parsed (and its regex compiled, its schema checked) when the suite is read; `check` then grades an answer.
A `judge` assertion is graded by a judge model (see judge.py), not here.
JSON Schema validation uses the `jsonschema` library (the reference implementation, every draft).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Literal

import jsonschema

from ..errors import SwitchboardError
from ..record import Result

Outcome = Literal["pass", "fail", "skipped"]
TEXT_TYPES = ("contains", "icontains", "not-contains", "equals", "regex")
LIMIT_TYPES = {  # type -> (what it limits on the result, its unit for messages)
    "max-latency-ms": ("latency_ms", "ms"),
    "max-ttft-ms": ("ttft_ms", "ms"),
    "max-cost-usd": ("cost_usd", "USD"),
    "max-output-tokens": ("completion_tokens", "tokens"),
}
TYPES = (*TEXT_TYPES, "is-json", "json-schema", *LIMIT_TYPES, "judge")
DEFAULT_JUDGE_THRESHOLD = 7
_FENCE = re.compile(r"^\s*```[A-Za-z0-9_-]*\s*\n(.*?)\n\s*```\s*$", re.DOTALL)


class SuiteError(SwitchboardError):
    """A suite that cannot be run as written; the message names the file, case and field."""


class AssertionSpecError(SuiteError):
    """An assertion written so it cannot be checked; the message names where it is and what to fix."""


@dataclass(frozen=True)
class Assertion:
    """One check an answer must pass."""

    type: str
    value: Any = None
    threshold: float | None = None  # judge: the lowest passing score, 1-10
    pattern: re.Pattern | None = field(default=None, compare=False, repr=False)

    def describe(self) -> str:
        """A short label for a grid or a table: `icontains paris`, `judge ≥ 7`."""
        if self.type == "judge":
            return f"judge ≥ {self.threshold:g}"
        if self.type in ("is-json",):
            return self.type
        if self.type == "json-schema":
            return "json-schema"
        return f"{self.type} {self.value}"


@dataclass(frozen=True)
class Check:
    """How one answer fared against one assertion."""

    assertion: Assertion
    outcome: Outcome
    detail: str = ""
    score: float | None = None

    @property
    def passed(self) -> bool:
        return self.outcome == "pass"


def parse_assertion(spec: dict, where: str) -> Assertion:
    """An Assertion from its table ({type, value, threshold}); any problem names `where`."""
    kind = spec.get("type")
    if kind not in TYPES:
        raise AssertionSpecError(f"{where}: unknown assertion type {kind!r}; known: {', '.join(TYPES)}")
    unknown = set(spec) - {"type", "value", "threshold"}
    if unknown:
        raise AssertionSpecError(f"{where}: unknown field {', '.join(sorted(unknown))}; use type, value, threshold")
    value = spec.get("value")
    if kind in TEXT_TYPES:
        if not isinstance(value, str) or value == "":
            raise AssertionSpecError(f"{where}: {kind} needs a `value` of text to look for")
        pattern = _compile(value, where) if kind == "regex" else None
        return Assertion(kind, value, pattern=pattern)
    if kind == "json-schema":
        return Assertion(kind, _schema(value, where))
    if kind in LIMIT_TYPES:
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise AssertionSpecError(f"{where}: {kind} needs a `value` that is a number ≥ 0, not {value!r}")
        return Assertion(kind, value)
    if kind == "judge":
        if not isinstance(value, str) or not value.strip():
            raise AssertionSpecError(f"{where}: judge needs a `value`: the rubric the judge grades the answer by")
        threshold = spec.get("threshold", DEFAULT_JUDGE_THRESHOLD)
        if isinstance(threshold, bool) or not isinstance(threshold, int | float) or not 1 <= threshold <= 10:
            raise AssertionSpecError(f"{where}: judge `threshold` is a score from 1 to 10, not {threshold!r}")
        return Assertion(kind, value.strip(), threshold=float(threshold))
    return Assertion(kind)  # is-json


def _compile(pattern: str, where: str) -> re.Pattern:
    try:
        return re.compile(pattern)
    except re.error as e:
        raise AssertionSpecError(f"{where}: the regex {pattern!r} is invalid: {e}") from e


def _schema(value: Any, where: str) -> dict:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as e:
            raise AssertionSpecError(f"{where}: json-schema `value` is not valid JSON: {e.msg}") from e
    if not isinstance(value, dict):
        raise AssertionSpecError(f"{where}: json-schema needs a `value` that is a JSON Schema object")
    try:
        jsonschema.validators.validator_for(value).check_schema(value)
    except jsonschema.SchemaError as e:
        raise AssertionSpecError(f"{where}: invalid JSON Schema: {e.message}") from e
    return value


def check(assertion: Assertion, result: Result) -> Check:
    """Grade one answer against one assertion (not a judge assertion: see judge.py)."""
    kind, text = assertion.type, result.text
    if kind in LIMIT_TYPES:
        return _limit(assertion, result)
    if not result.ok:
        return Check(assertion, "fail", f"no complete answer ({result.status}): {result.error}".rstrip(": "))
    if kind == "contains":
        return _verdict(assertion, assertion.value in text, f"the answer does not contain {assertion.value!r}")
    if kind == "icontains":
        found = assertion.value.casefold() in text.casefold()
        return _verdict(assertion, found, f"the answer does not contain {assertion.value!r} (ignoring case)")
    if kind == "not-contains":
        return _verdict(assertion, assertion.value not in text, f"the answer contains {assertion.value!r}")
    if kind == "equals":
        return _verdict(assertion, text.strip() == assertion.value.strip(), f"the answer is not {assertion.value!r}")
    if kind == "regex":
        return _verdict(assertion, bool(assertion.pattern.search(text)), f"no match for /{assertion.value}/")
    if kind in ("is-json", "json-schema"):
        return _json_check(assertion, text)
    raise AssertionSpecError(f"{kind} is graded by a judge model, not by check()")


def _verdict(assertion: Assertion, passed: bool, why_not: str) -> Check:
    return Check(assertion, "pass") if passed else Check(assertion, "fail", why_not)


def _limit(assertion: Assertion, result: Result) -> Check:
    name, unit = LIMIT_TYPES[assertion.type]
    measured = getattr(result, name)
    if measured is None:
        return Check(assertion, "fail", f"no {name.replace('_', ' ')} was measured for this answer")
    shown = f"{measured:.4g} {unit}" if unit != "USD" else f"${measured:.6f}"
    if measured <= assertion.value:
        return Check(assertion, "pass", shown, score=float(measured))
    return Check(assertion, "fail", f"{shown}, over the limit of {assertion.value:g} {unit}", score=float(measured))


def json_answer(text: str) -> Any:
    """The answer parsed as JSON; an answer wrapped in one Markdown code fence counts too."""
    fenced = _FENCE.match(text)
    return json.loads(fenced.group(1) if fenced else text)


def _json_check(assertion: Assertion, text: str) -> Check:
    try:
        value = json_answer(text)
    except json.JSONDecodeError as e:
        return Check(assertion, "fail", f"the answer is not JSON: {e.msg} at line {e.lineno} column {e.colno}")
    if assertion.type == "is-json":
        return Check(assertion, "pass")
    validator = jsonschema.validators.validator_for(assertion.value)(assertion.value)
    error = jsonschema.exceptions.best_match(validator.iter_errors(value))
    if error is None:
        return Check(assertion, "pass")
    where = "/".join(str(p) for p in error.absolute_path) or "the top level"
    return Check(assertion, "fail", f"at {where}: {error.message}")
