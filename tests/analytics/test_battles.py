"""The battles built a column at a time are the battles the rules say, vote by vote, on a log with every kind
of vote: two to four panes, ties, both bad, a model twice, older votes without request ids, unknown winners."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from llm_core.analytics.leaderboard import battles_from_votes, leaderboard
from llm_core.store.csv_store import LogStore

DAY = pd.Timestamp("2025-03-01", tz="UTC")
MODELS = ["gpt", "claude", "gemini", "llama", "grok"]


def mixed_votes(count: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for number in range(count):
        panes = int(rng.integers(2, 5))
        models = [str(m) for m in rng.choice(MODELS, panes, replace=number % 7 == 0)]  # now and then a model twice
        ids = [f"r{number}-{pane}" for pane in range(panes)]
        kind = rng.random()
        if kind < 0.1:
            winner = str(rng.choice(["tie", "both_bad"]))
        elif kind < 0.15:  # an older vote: no request ids, the winner named by model
            winner, ids = models[0], []
        elif kind < 0.17:
            winner = "nobody"
        else:
            winner = ids[int(rng.integers(panes))]
        rows.append({"timestamp": DAY + pd.Timedelta(seconds=number), "comparison_id": f"c{number}",
                     "winner": winner, "models": models, "request_ids": ids,
                     "rater": "human" if number % 5 else "judge:gpt-4.1",
                     "blind": ["true", "false", ""][number % 3]})  # fmt: skip
    return pd.DataFrame(rows)


def battles_by_the_rules(votes: pd.DataFrame) -> list[tuple]:
    """Vote by vote: the chosen pane (by request id, else by model) beats every pane of another model; a tie or
    both bad ties every pair of panes of different models."""
    out = []
    for number, vote in enumerate(votes.itertuples()):
        models = list(vote.models)
        ids = (list(vote.request_ids) + [""] * len(models))[: len(models)]
        if vote.winner in ("tie", "both_bad"):
            pairs = [(i, j) for i in range(len(models)) for j in range(i + 1, len(models))]
            out += [
                (number, models[i], models[j], ids[i], ids[j], vote.winner) for i, j in pairs if models[i] != models[j]
            ]
            continue
        chosen = next((i for i, r in enumerate(ids) if r and r == vote.winner), None)
        chosen = next((i for i, m in enumerate(models) if m == vote.winner), None) if chosen is None else chosen
        if chosen is not None:
            out += [(number, models[chosen], m, ids[chosen], r, "model_a") for m, r in zip(models, ids, strict=True)
                    if m != models[chosen]]  # fmt: skip
    return out


def as_rows(battles: pd.DataFrame) -> list[tuple]:
    columns = ["vote", "model_a", "model_b", "request_a", "request_b", "outcome"]
    return [tuple(row) for row in battles[columns].astype(object).itertuples(index=False)]


def test_battles_from_lists_follow_the_rules_vote_by_vote():
    votes = mixed_votes(3_000, seed=2)
    battles = battles_from_votes(votes)
    assert as_rows(battles) == [tuple(row) for row in battles_by_the_rules(votes)]
    raters = votes["rater"].to_numpy()[battles["vote"].to_numpy()]
    assert (battles["rater"].astype(str).to_numpy() == raters).all()
    assert (battles["blind"].to_numpy() == (votes["blind"].to_numpy()[battles["vote"].to_numpy()] == "true")).all()


def test_the_votes_log_read_back_gives_the_same_battles_and_board(tmp_path):
    votes = mixed_votes(2_000, seed=3)
    store = LogStore(tmp_path)
    for vote in votes.itertuples():
        ids = list(vote.request_ids) or [f"old-{i}" for i in range(len(vote.models))]
        winner = vote.winner if vote.winner in ids or vote.winner in ("tie", "both_bad") else "tie"
        store.append_vote(
            vote.comparison_id, winner, list(vote.models), ids, rater=vote.rater, blind=vote.blind == "true"
        )
    logged = store.read_votes().frame
    assert isinstance(logged["models"].dtype, pd.ArrowDtype)  # decoded by Arrow, not row by row
    as_text = logged.assign(models=[json.dumps(m) for m in logged["models"]],
                            request_ids=[json.dumps(r) for r in logged["request_ids"]])  # fmt: skip
    fast, slow = battles_from_votes(logged), battles_from_votes(as_text)
    assert as_rows(fast) == as_rows(slow) == [tuple(row) for row in battles_by_the_rules(logged)]
    plain = fast.astype({"model_a": object, "model_b": object, "outcome": object})  # strings, not categories
    board, again = leaderboard(fast), leaderboard(plain)
    pd.testing.assert_frame_equal(board.ranked, again.ranked)
    pd.testing.assert_frame_equal(board.provisional, again.provisional)
