"""Judging a comparison: who took part, the vote's choices and labels, and the winner as the log stores it."""

from __future__ import annotations

from dataclasses import dataclass

from .pane import Exchange, Pane

TIE, ALL_BAD = "tie", "both_bad"


@dataclass(frozen=True)
class Participant:
    """A pane that answered the latest comparison, under the letter it is shown with."""

    letter: str
    pane: Pane
    exchange: Exchange


@dataclass(frozen=True)
class Vote:
    """A stored vote on one comparison."""

    comparison_id: str
    choice: str  # a letter, TIE or ALL_BAD
    winner: str  # the winning request_id, TIE or ALL_BAD
    label: str
    models: list[str]
    request_ids: list[str]


def vote_choices(letters: list[str]) -> list[tuple[str, str]]:
    """(choice, button label) pairs: 'A is better'… for two panes, 'A is best'… for more, then tie and bad."""
    better = "better" if len(letters) == 2 else "best"
    bad = "Both bad" if len(letters) == 2 else "All bad"
    return [(letter, f"{letter} is {better}") for letter in letters] + [(TIE, "Tie"), (ALL_BAD, bad)]


def winner_for(choice: str, letters: list[str], request_ids: list[str]) -> str:
    """The vote's winner as the log stores it: the winning request_id, TIE or ALL_BAD."""
    if choice in (TIE, ALL_BAD):
        return choice
    return request_ids[letters.index(choice)]


def answered(panes: list[Pane], letters: dict[str, str], comparison_id: str) -> list[Participant]:
    """The panes (in the order given) that were sent this comparison and not refused, under their letters."""
    return [
        Participant(letters[pane.id], pane, pane.last)
        for pane in panes
        if pane.last is not None and pane.last.result.comparison_id == comparison_id and not pane.last.refused
    ]


def new_vote(people: list[Participant], choice: str, comparison_id: str) -> Vote:
    """The vote `choice` (a letter, TIE or ALL_BAD) on these participants; ValueError for any other choice."""
    letters = [p.letter for p in people]
    labels = dict(vote_choices(letters))
    if choice not in labels:
        raise ValueError(f"unknown vote {choice!r}; choices: {', '.join(labels)}")
    request_ids = [p.exchange.result.request_id for p in people]
    models = [p.exchange.result.model for p in people]
    return Vote(comparison_id, choice, winner_for(choice, letters, request_ids), labels[choice], models, request_ids)
