"""What a leaderboard counts: whose votes, demo models or not, and one prompt category or template."""

from __future__ import annotations

import pandas as pd

from llm_core.analytics.battle_views import BoardChoice, choose_battles, demo_models, raters, with_context
from llm_core.analytics.categories import prompt_categories
from llm_core.analytics.leaderboard import battles_from_votes

DAY = pd.Timestamp("2025-03-01", tz="UTC")


def test_prompts_fall_into_code_maths_writing_or_other_by_their_words():
    prompts = pd.Series(
        [
            "Write a Python function that reverses a list",
            "What is 12 * 7?",
            "Prove that there are infinitely many primes",
            "Write a short poem about autumn",
            "Summarise this article",
            "What is the capital of France?",
            None,
        ]
    )
    assert prompt_categories(prompts).tolist() == ["code", "maths", "maths", "writing", "writing", "other", "other"]


def battles_and_requests() -> tuple[pd.DataFrame, pd.DataFrame]:
    votes = pd.DataFrame(
        {
            "timestamp": [DAY] * 3,
            "comparison_id": ["c0", "c1", "c2"],
            "winner": ["r0a", "r1b", "r2a"],
            "models": [["gpt", "claude"], ["gpt", "echo"], ["gpt", "claude"]],
            "request_ids": [["r0a", "r0b"], ["r1a", "r1b"], ["r2a", "r2b"]],
            "rater": ["human", "human", "judge:gpt-4.1"],
        }
    )
    requests = pd.DataFrame(
        {
            "request_id": ["r0a", "r0b", "r1a", "r1b", "r2a", "r2b"],
            "model": ["gpt", "claude", "gpt", "echo", "gpt", "claude"],
            "provider": ["openai", "anthropic", "openai", "echo", "openai", "anthropic"],
            "template": ["coder", "coder", "", "", "", ""],
            "prompt": [
                "Fix this bug in my SQL",
                "Fix this bug in my SQL",
                "Write an email",
                "Write an email",
                "What is 2 + 2?",
                "What is 2 + 2?",
            ],  # fmt: skip
        }
    )
    return with_context(battles_from_votes(votes), requests), requests


def test_a_board_counts_peoples_votes_without_demo_models_by_default():
    battles, requests = battles_and_requests()
    assert demo_models(requests) == {"echo"}
    assert raters(battles) == ["human", "judge:gpt-4.1"]
    counted = choose_battles(battles, BoardChoice(), demo_models(requests))
    assert counted["vote"].tolist() == [0]
    with_demo = choose_battles(battles, BoardChoice(include_demo=True), demo_models(requests))
    assert with_demo["vote"].tolist() == [0, 1]
    judged = choose_battles(battles, BoardChoice(rater="judge:gpt-4.1"), demo_models(requests))
    assert judged["vote"].tolist() == [2]
    everyone = choose_battles(battles, BoardChoice(rater="", include_demo=True), demo_models(requests))
    assert len(everyone) == 3


def test_a_board_per_template_and_per_prompt_category():
    battles, requests = battles_and_requests()
    assert battles["category"].tolist() == ["code", "writing", "maths"]
    coder = choose_battles(battles, BoardChoice(rater="", template="coder"), set())
    assert coder["vote"].tolist() == [0]
    maths = choose_battles(battles, BoardChoice(rater="", include_demo=True, category="maths"), set())
    assert maths["vote"].tolist() == [2]
