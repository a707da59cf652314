"""Which battles a leaderboard counts: by rater (people or automatic judges), blind votes only or all, demo models
in or out, and one template or prompt category at a time (see `categories`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..store.texts import TextSource, last_rows, texts_of
from .categories import prompt_categories
from .leaderboard import DEFAULT_RATER, rankable_models

DEMO_PROVIDER = "echo"  # the offline demo models: they answer without a model, so their votes rank nothing real
ALL = ""
CATEGORY_BATCH = 20_000  # prompts looked up and categorised at a time


@dataclass(frozen=True)
class BoardChoice:
    """What the user chose to count: a rater ("" for all), blind votes only, demo models, and a template or prompt
    category."""

    rater: str = DEFAULT_RATER
    include_demo: bool = False
    blind_only: bool = False
    template: str = ALL
    category: str = ALL


def with_context(battles: pd.DataFrame, requests: pd.DataFrame, texts: TextSource | None = None) -> pd.DataFrame:
    """`battles` with the template and prompt category of the prompt both sides answered (from side a's request;
    "" when the request is not in the log). `requests` holds each request's `request_id`, `template` and either
    its `prompt` or, read without its texts, their `texts`: only the battles' prompts are then read, a piece at a
    time, and only their categories kept."""
    if battles.empty:
        return battles.assign(template=pd.Series(dtype=object), category=pd.Series(dtype=object))
    asked = last_rows(requests, battles["request_a"])
    positions = asked["position"].to_numpy()
    category = np.full(len(asked), "", dtype=object)
    for at, prompts in texts_of(requests, texts, positions, "prompt", CATEGORY_BATCH):
        category[at] = prompt_categories(prompts).to_numpy()
    template = requests["template"].iloc[positions].astype(object).fillna("").astype(str).to_numpy()
    lookup = pd.DataFrame({"template": template, "category": category}, index=asked["request_id"].to_numpy())
    found = lookup.reindex(battles["request_a"].fillna("").astype(str).to_numpy())
    return battles.assign(
        template=found["template"].fillna("").to_numpy(), category=found["category"].fillna("").to_numpy()
    )


def demo_models(requests: pd.DataFrame) -> set[str]:
    """The models in the log that are offline demos."""
    demo = np.asarray(requests["provider"].astype(object) == DEMO_PROVIDER, dtype=bool)
    return set(requests.loc[demo, "model"].astype(str).unique())


def raters(battles: pd.DataFrame) -> list[str]:
    """Every rater in the battles, people first."""
    found = set(battles["rater"].astype(str)) if "rater" in battles else set()
    return sorted(found, key=lambda rater: (rater != DEFAULT_RATER, rater))


def choose_battles(battles: pd.DataFrame, choice: BoardChoice, demos: set[str]) -> pd.DataFrame:
    """The battles `choice` counts."""
    keep = np.ones(len(battles), dtype=bool)
    if choice.rater:
        keep &= battles["rater"].to_numpy(dtype=object) == choice.rater
    if choice.blind_only:
        keep &= battles["blind"].to_numpy(dtype=bool)
    if not choice.include_demo and demos:
        keep &= ~(battles["model_a"].isin(demos) | battles["model_b"].isin(demos)).to_numpy()
    for column, wanted in (("template", choice.template), ("category", choice.category)):
        if wanted:
            keep &= battles[column].to_numpy(dtype=object) == wanted
    return battles[keep].reset_index(drop=True)


@dataclass(frozen=True)
class BlindCount:
    """How many of the votes a board would count were cast blind, and how many models those alone would rank."""

    votes: int
    blind: int
    ranked: int

    @property
    def enough(self) -> bool:
        """The blind votes alone rank at least two models at the threshold: enough to count only them."""
        return self.ranked >= 2


def blind_count(battles: pd.DataFrame, choice: BoardChoice, demos: set[str], min_battles: int) -> BlindCount:
    """The votes `choice` counts (whatever its blind-only setting), how many were blind, and how many models the
    blind ones alone have `min_battles` battles for, against each other."""
    counted = choose_battles(battles, BoardChoice(choice.rater, choice.include_demo, False, choice.template,
                                                  choice.category), demos)  # fmt: skip
    blind = counted[counted["blind"].to_numpy(dtype=bool)] if len(counted) else counted
    return BlindCount(counted["vote"].nunique(), blind["vote"].nunique(), len(rankable_models(blind, min_battles)))
