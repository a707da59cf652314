"""The Tokens tab adds reasoning and cached prompt tokens when a provider reported them, and the summary its
columns; logs without them look as before."""

from __future__ import annotations

from llm_core.store.csv_store import LogStore
from tests.pages.test_page_analytics import answer, open_page, show_tab


def test_reasoning_and_cached_tokens_appear_where_reported():
    store = LogStore(fsync=False)
    for number in range(5):
        plain = answer("llama-8b")
        thinking = answer("gpt-4o-mini", completion_tokens=130 + number, reasoning_tokens=120 + number,
                          cached_prompt_tokens=8, generation_tokens_per_s=90.0)  # fmt: skip
        assert store.append_response(plain) == "" and store.append_response(thinking) == ""
    at = open_page()
    summary = at.dataframe[0].value.set_index("model")
    assert summary.loc["gpt-4o-mini", "reasoning_tokens_mean"] == 122
    assert summary.loc["gpt-4o-mini", "cached_share"] == 8 / 12
    at = show_tab(at, "Tokens")
    assert not at.exception
    assert len(at.get("vega_lite_chart")) == 4  # prompt, completion, reasoning and cached prompt tokens


def test_a_log_without_them_keeps_two_token_charts_and_no_empty_columns():
    store = LogStore(fsync=False)
    assert store.append_response(answer("llama-8b")) == ""
    at = open_page()
    assert "reasoning_tokens_mean" not in at.dataframe[0].value.columns
    assert len(show_tab(at, "Tokens").get("vega_lite_chart")) == 2
