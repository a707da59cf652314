"""Judging a comparison: who took part, the vote's choices and labels, and the winner as the log stores it.

A vote is bound to the answers it judged (their request ids and models), never to the letters they were shown
under: letters change when blind mode reshuffles the panes, so every view of a vote derives them afresh.
"""

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
    """A stored vote on one comparison: the answers it judged and the one it chose."""

    comparison_id: str
    winner: str  # the winning request_id, TIE or ALL_BAD
    models: list[str]
    request_ids: list[str]

    @property
    def winning_model(self) -> str:
        """The model whose answer won ('' for a tie or all bad)."""
        return self.models[self.request_ids.index(self.winner)] if self.winner in self.request_ids else ""


def choice_label(choice: str, sides: int) -> str:
    """A choice's words for a vote between `sides` answers: 'A is better', 'C is best', 'Tie', 'Both bad'…"""
    if choice == TIE:
        return "Tie"
    if choice == ALL_BAD:
        return "Both bad" if sides == 2 else "All bad"
    return f"{choice} is {'better' if sides == 2 else 'best'}"


def vote_choices(letters: list[str]) -> list[tuple[str, str]]:
    """(choice, button label) pairs: 'A is better'… for two panes, 'A is best'… for more, then tie and bad."""
    return [(choice, choice_label(choice, len(letters))) for choice in [*letters, TIE, ALL_BAD]]


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


def judged(panes: list[Pane], letters: dict[str, str], vote: Vote) -> list[Participant]:
    """The answers `vote` judged, in the order the panes are given, under the letters they are shown with now."""
    return [
        Participant(letters[pane.id], pane, exchange)
        for pane in panes
        for exchange in pane.exchanges
        if exchange.result.request_id in vote.request_ids
    ]


def new_vote(people: list[Participant], choice: str, comparison_id: str) -> Vote:
    """The vote `choice` (a letter, TIE or ALL_BAD) on these participants; ValueError for any other choice."""
    letters = [p.letter for p in people]
    labels = dict(vote_choices(letters))
    if choice not in labels:
        raise ValueError(f"unknown vote {choice!r}; choices: {', '.join(labels)}")
    request_ids = [p.exchange.result.request_id for p in people]
    models = [p.exchange.result.model for p in people]
    return Vote(comparison_id, winner_for(choice, letters, request_ids), models, request_ids)


def shown_choice(vote: Vote, people: list[Participant]) -> str:
    """The choice as the buttons show it now: the winning answer's letter, TIE or ALL_BAD ('' once it is gone)."""
    if vote.winner in (TIE, ALL_BAD):
        return vote.winner
    return next((p.letter for p in people if p.exchange.result.request_id == vote.winner), "")


def shown_label(vote: Vote, people: list[Participant], hidden: bool) -> str:
    """The vote's choice in words under today's letters: 'B is better', 'Tie', 'All bad'…"""
    if choice := shown_choice(vote, people):
        return choice_label(choice, len(vote.request_ids))
    return "A closed pane's answer won" if hidden else f"{vote.winning_model}'s answer won"  # its pane was closed


def verdict(vote: Vote, people: list[Participant], hidden: bool) -> str:
    """The vote in words under today's letters ('B is better. **A** was … · **B** was …'), naming the models
    unless blind mode hides them. `people` are the answers it judged (see `judged`)."""
    said = shown_label(vote, people, hidden)
    names = " · ".join(f"**{p.letter}** was {p.exchange.result.label or p.pane.label}" for p in people)
    return f"{said}. {names}" if names and not hidden else said
