"""Every assertion, each with an answer that passes it and one that fails it."""

from __future__ import annotations

import pytest

from llm_core.evaluate.assertions import check, parse_assertion
from llm_core.record import Result


def answer(text: str = "", **figures) -> Result:
    return Result(model="m", requested_model="m", text=text, status="ok", **figures)


PERSON = {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}}
CASES = [  # spec, passing answer, failing answer, words of the failure
    ({"type": "contains", "value": "Paris"}, answer("It is Paris."), answer("It is paris."), "does not contain"),
    ({"type": "icontains", "value": "paris"}, answer("PARIS"), answer("Lyon"), "ignoring case"),
    ({"type": "not-contains", "value": "Sydney"}, answer("Canberra"), answer("Sydney"), "contains 'Sydney'"),
    ({"type": "regex", "value": r"\bOttawa\b"}, answer("Ottawa."), answer("Ottawas"), "no match"),
    ({"type": "equals", "value": "42"}, answer(" 42\n"), answer("42!"), "is not '42'"),
    ({"type": "is-json"}, answer('```json\n{"a": 1}\n```'), answer("{a: 1}"), "not JSON"),
    ({"type": "json-schema", "value": PERSON}, answer('{"name": "Ada"}'), answer('{"name": 7}'), "at name"),
    ({"type": "max-latency-ms", "value": 500}, answer(latency_ms=499.0), answer(latency_ms=501.0), "over the limit"),
    ({"type": "max-ttft-ms", "value": 100}, answer(ttft_ms=50.0), answer(ttft_ms=150.0), "over the limit"),
    ({"type": "max-cost-usd", "value": 0.01}, answer(cost_usd=0.001), answer(cost_usd=0.02), "over the limit"),
    ({"type": "max-output-tokens", "value": 10}, answer(completion_tokens=10), answer(completion_tokens=11), "11"),
]


@pytest.mark.parametrize(("spec", "good", "bad", "why"), CASES, ids=[c[0]["type"] for c in CASES])
def test_an_assertion_passes_a_good_answer_and_fails_a_bad_one_saying_why(spec, good, bad, why):
    assertion = parse_assertion(spec, "test")
    assert check(assertion, good).outcome == "pass"
    failed = check(assertion, bad)
    assert failed.outcome == "fail" and why in failed.detail


def test_a_limit_with_nothing_measured_fails_rather_than_passing():
    assertion = parse_assertion({"type": "max-cost-usd", "value": 1}, "test")
    assert check(assertion, answer("hi")).outcome == "fail"


def test_a_text_check_fails_an_answer_that_did_not_finish():
    assertion = parse_assertion({"type": "not-contains", "value": "x"}, "test")
    failed = Result(model="m", requested_model="m", status="error", error="rate limited")
    assert check(assertion, failed).outcome == "fail" and "rate limited" in check(assertion, failed).detail
