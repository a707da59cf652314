"""Analytics says where its token counts came from: reported, estimated, or mixed (a cut stream's prompt count
reported, its answer's estimated), reading rows logged before each count had its own source as before."""

from __future__ import annotations

import pandas as pd

from llm_core.analytics.token_sources import estimated_by_model, sources_note, token_source_counts
from llm_core.store.csv_store import LogStore
from tests.pages.test_page_analytics import answer, open_page, show_tab


def logged(*sources: tuple[str, str, str, str]) -> None:
    """Append one answer per (model, token_source, prompt_token_source, completion_token_source)."""
    store = LogStore(fsync=False)
    for model, source, prompt, completion in sources:
        result = answer(model, token_source=source, prompt_token_source=prompt, completion_token_source=completion)
        assert store.append_response(result) == ""


def test_the_tokens_tab_counts_reported_estimated_and_mixed_requests():
    reported = ("gpt-4o-mini", "provider", "provider", "provider")
    logged(reported, reported, ("claude-haiku", "mixed", "provider", "tiktoken"),
           ("llama-8b", "tiktoken", "tiktoken", "tiktoken"))  # fmt: skip
    at = show_tab(open_page(), "Tokens")
    assert not at.exception
    note = next(c.value for c in at.caption if c.value.startswith("Token counts of these requests"))
    assert "2 reported by the provider" in note and "1 estimated" in note and "1 mixed" in note
    assert "Estimates by model: claude-haiku 1, llama-8b 1." in note


def test_rows_logged_before_counts_had_their_own_sources_count_by_token_source():
    old = pd.DataFrame({"model": ["a", "a", "b"], "token_source": ["tiktoken", "provider", ""]})
    assert token_source_counts(old) == {"provider": 1, "estimated": 1, "mixed": 0}
    assert estimated_by_model(old) == {"a": 1}
    assert sources_note(old.iloc[2:]) == ""  # a request that sent nothing has no counts to explain
