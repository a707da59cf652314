"""One call and many at once, told through the offline echo model: no network, no keys."""

import threading

import pytest

from llm_core import Comparison, Job, Options, Turn, ask
from llm_core.providers.echo import DEMO_NOTICE

FAST_ECHO = """
[models.quick]
label = "Quick echo (offline demo)"
provider = "echo"
name = "quick"
input_price = 0.0
output_price = 0.0
context_window = 60
settings = { ttft_ms = 20, tokens_per_s = 400 }

[models.paced]
label = "Paced echo (offline demo)"
provider = "echo"
name = "paced"
input_price = 1.0
output_price = 2.0
settings = { ttft_ms = 200, tokens_per_s = 50 }

[models.keyless-openai]
label = "Needs a key"
provider = "openai"
name = "gpt-4o-mini"
fallbacks = ["quick"]
"""


@pytest.fixture(autouse=True)
def fast_models(isolated):
    (isolated / "models.toml").write_text(FAST_ECHO)


def user(text: str) -> list[dict]:
    return [{"role": "user", "content": text}]


def test_the_echo_model_streams_a_labelled_deterministic_reply():
    first = ask("quick", "Hello there", store=False)
    second = ask("quick", "Hello there", store=False)
    assert first.status == "ok" and first.finish_reason == "stop"
    assert first.text.startswith(DEMO_NOTICE) and "Hello there" in first.text
    assert first.text == second.text


def test_a_result_is_measured_truthfully():
    r = ask("paced", "Measure me please", store=False)
    assert r.ttft_ms == pytest.approx(200, abs=60)
    assert r.latency_ms > r.ttft_ms
    assert r.token_source == "tiktoken" and r.prompt_tokens > 0 and r.completion_tokens > 0
    assert r.cost_usd == pytest.approx((r.prompt_tokens * 1.0 + r.completion_tokens * 2.0) / 1e6)
    assert r.generation_tokens_per_s == pytest.approx(r.completion_tokens / (r.latency_ms / 1000))
    assert r.tokens_per_s > r.generation_tokens_per_s  # the visible rate leaves out the wait for the first token


def test_text_arrives_in_pieces_while_streaming():
    turn = Turn("paced", user("one two three four five"), store=False)
    pieces = list(turn)
    assert len(pieces) > 5 and "".join(pieces) == turn.result.text


def test_max_tokens_stops_the_answer_with_finish_reason_length():
    r = ask("quick", "a b c d e f g h", Options(max_tokens=3), store=False)
    assert r.finish_reason == "length" and r.status == "ok" and len(r.text.split()) == 3


def test_conversations_carry_history_into_the_next_turn():
    history = user("first question") + [{"role": "assistant", "content": "first answer"}] + user("second")
    assert "turn 2" in ask("quick", history, store=False).text


def test_a_missing_key_falls_back_and_names_both_models():
    r = ask("keyless-openai", "hi", store=False)
    assert r.status == "ok"
    assert (r.requested_model, r.model) == ("keyless-openai", "quick")
    assert "OPENAI_API_KEY" in r.fallback_errors[0]


def test_an_unknown_model_is_a_clear_error_not_a_crash():
    r = ask("no-such-model", "hi", store=False)
    assert r.status == "error" and "unknown model" in r.error and r.latency_ms is None


def test_a_missing_key_without_fallback_says_which_variable_to_set():
    r = ask("claude-haiku-4.5", "hi", store=False)
    assert r.status == "error" and "ANTHROPIC_API_KEY" in r.error
    assert r.prompt_tokens is None and r.cost_usd is None


def test_a_prompt_beyond_the_context_window_is_refused_with_the_numbers():
    r = ask("quick", "word " * 200, store=False)
    assert r.status == "error" and "accepts 60" in r.error


def test_auto_routes_to_the_demo_when_no_key_is_set():
    r = ask("auto", "route me", store=False)
    assert r.status == "ok" and r.requested_model == "auto" and r.provider == "echo"


def test_cancelling_keeps_the_partial_text_as_cancelled():
    turn = Turn("paced", user("a long prompt " * 5), store=False)
    received = []
    for piece in turn:
        received.append(piece)
        if len(received) == 3:
            turn.cancel()
    assert turn.result.status == "cancelled"
    assert turn.result.text == "".join(received)


def test_a_consumer_that_stops_iterating_cancels_the_call():
    turn = Turn("paced", user("stop early please"), store=False)
    stream = iter(turn)
    next(stream)
    stream.close()
    assert turn.result.status == "cancelled" and turn.result.text


def test_a_comparison_runs_models_at_once_not_one_after_another():
    comparison = Comparison([Job("paced", user("same prompt")) for _ in range(3)], store=False)
    events = list(comparison)
    first_finish = next(i for i, e in enumerate(events) if e.done)
    assert {e.slot for e in events[:first_finish] if e.delta} == {0, 1, 2}  # all streaming before any ends
    results = comparison.results
    assert all(r.ok for r in results)
    assert len({r.comparison_id for r in results}) == 1 and len({r.request_id for r in results}) == 3


def test_comparison_events_interleave_and_each_slot_finishes_once():
    comparison = Comparison([Job("paced", user("x y z")), Job("quick", user("x y z"))], store=False)
    events = list(comparison)
    assert [e.slot for e in events if e.done].count(0) == 1 and [e.slot for e in events if e.done].count(1) == 1
    for slot, result in enumerate(comparison.results):
        assert "".join(e.delta for e in events if e.slot == slot) == result.text
    first_done = next(e.slot for e in events if e.done)
    assert first_done == 1  # the quick model finishes first, without waiting for the paced one


def test_a_comparison_read_from_its_results_can_skip_the_per_chunk_events():
    comparison = Comparison([Job("paced", user("x y z")), Job("quick", user("x y z"))], store=False, deltas=False)
    events = list(comparison)
    assert sorted(e.slot for e in events) == [0, 1] and all(e.done and not e.delta for e in events)
    assert all(r.ok and r.text for r in comparison.results)  # the text is all on the results


def test_closing_a_comparison_stops_every_worker():
    comparison = Comparison([Job("paced", user("p " * 30)) for _ in range(2)], store=False)
    events = iter(comparison)
    next(events)
    events.close()
    for worker in [t for t in threading.enumerate() if t.name.startswith("compare-")]:
        worker.join(timeout=5)
        assert not worker.is_alive()  # each worker stopped reading and ended
    assert [r.status for r in comparison.results] == ["cancelled", "cancelled"]


def test_an_unexpected_failure_is_recorded_on_the_result_not_lost(monkeypatch):
    from llm_core.providers.echo import EchoProvider

    def broken(self, model, messages, options):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(EchoProvider, "stream", broken)
    r = ask("quick", "hi", store=False)
    assert r.status == "error" and "unexpected RuntimeError: disk on fire" in r.error
