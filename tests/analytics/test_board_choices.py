"""What a leaderboard counts: whose votes, demo models or not, and one prompt category or template."""

from __future__ import annotations

import pandas as pd

from llm_core.analytics.battle_views import (
    BoardChoice,
    blind_count,
    choose_battles,
    demo_models,
    raters,
    with_context,
)  # fmt: skip
from llm_core.analytics.categories import prompt_categories
from llm_core.analytics.leaderboard import battles_from_votes
from llm_core.store.texts import FrameTexts

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


def pairs_voted(blind: list[bool], models: list[list[str]]) -> pd.DataFrame:
    """Two-pane votes, the first pane winning each, blind as given."""
    return battles_from_votes(pd.DataFrame({
        "timestamp": [DAY] * len(models), "comparison_id": [f"c{i}" for i in range(len(models))],
        "winner": [f"r{i}a" for i in range(len(models))], "models": models,
        "request_ids": [[f"r{i}a", f"r{i}b"] for i in range(len(models))],
        "rater": ["human"] * len(models), "blind": ["true" if b else "false" for b in blind],
    }))  # fmt: skip


def test_blind_votes_only_counts_the_votes_cast_blind():
    battles = pairs_voted([True, False, True], [["gpt", "claude"], ["gpt", "llama"], ["claude", "gpt"]])
    assert choose_battles(battles, BoardChoice(blind_only=True), set())["vote"].tolist() == [0, 2]
    assert choose_battles(battles, BoardChoice(), set())["vote"].tolist() == [0, 1, 2]


def test_blind_votes_are_enough_once_they_alone_rank_two_models_at_the_threshold():
    models = [["gpt", "claude"]] * 6 + [["gpt", "llama"]] * 6
    battles = pairs_voted([True] * 6 + [False] * 6, models)
    count = blind_count(battles, BoardChoice(blind_only=True), set(), min_battles=6)
    assert (count.votes, count.blind, count.ranked, count.enough) == (12, 6, 2, True)
    assert not blind_count(battles, BoardChoice(), set(), min_battles=7).enough  # 6 blind battles each: too few
    only_llama = blind_count(battles, BoardChoice(), {"claude"}, min_battles=1)  # claude left out as a demo
    assert (only_llama.votes, only_llama.blind, only_llama.enough) == (6, 0, False)


class CountingTexts(FrameTexts):
    """The log's texts, noting which rows were read and whether all of them were scanned."""

    def __init__(self, frame: pd.DataFrame):
        super().__init__(frame)
        self.read, self.scans = [], 0

    def rows(self, positions, columns):
        self.read += list(positions)
        return super().rows(positions, columns)

    def chunks(self, columns):
        self.scans += 1
        return super().chunks(columns)


def test_a_board_read_without_the_prompts_reads_only_the_prompts_voted_on():
    votes = pd.DataFrame({"timestamp": [DAY], "comparison_id": ["c0"], "winner": ["r7"], "models": [["gpt", "claude"]],
                          "request_ids": [["r7", "r8"]], "rater": ["human"]})  # fmt: skip
    prompts = [f"Summarise note {n}" for n in range(20)]
    prompts[7] = "Fix this bug in my SQL"
    logged = pd.DataFrame({"request_id": [f"r{n}" for n in range(20)], "template": "", "prompt": prompts})
    texts = CountingTexts(logged)

    battles = with_context(battles_from_votes(votes), logged.drop(columns="prompt"), texts)

    assert battles["category"].tolist() == ["code"]
    assert texts.read == [7] and texts.scans == 0  # side a's prompt alone: never the whole log's


def test_a_board_whose_votes_cover_most_of_the_log_scans_the_prompts_once():
    votes = pd.DataFrame({"timestamp": [DAY] * 3, "comparison_id": ["c0", "c1", "c2"], "winner": ["r0", "r2", "tie"],
                          "models": [["gpt", "claude"]] * 3, "rater": ["human"] * 3,
                          "request_ids": [["r0", "r1"], ["r2", "r3"], ["r4", "r5"]]})  # fmt: skip
    logged = pd.DataFrame({"request_id": [f"r{n}" for n in range(6)], "template": "",
                           "prompt": ["What is 2 + 2?", "", "Write an email", "", "Hello", ""]})  # fmt: skip
    texts = CountingTexts(logged)

    battles = with_context(battles_from_votes(votes), logged.drop(columns="prompt"), texts)

    assert battles["category"].tolist() == ["maths", "writing", "other"]
    assert texts.scans == 1 and texts.read == []
