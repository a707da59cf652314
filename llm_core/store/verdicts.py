"""Ratings and votes given by id from outside the app (the CLI, the HTTP API), checked against the log first.

A request id may be shortened to any unique prefix, as git's commit ids may; an error row cannot be rated, and a
comparison takes one vote. Every refusal is a VerdictError whose message says what to do instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..errors import SwitchboardError

# Importing this module is cheap: the log store (pandas) is what the caller passes in.

if TYPE_CHECKING:
    from .csv_store import LogStore

MIN_PREFIX = 4  # shorter prefixes match too much to be meant
SHOWN_MATCHES = 5


class VerdictError(SwitchboardError):
    """A rating or vote the log cannot take as given. `status` is the HTTP status the API answers with."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Rating:
    """A rating as recorded: the full request id it rates."""

    request_id: str
    model: str
    stars: int
    comment: str


@dataclass(frozen=True)
class Ballot:
    """A vote as recorded: the comparison, its winner (a request id, tie or both_bad), and who took part."""

    comparison_id: str
    winner: str
    models: list[str]
    request_ids: list[str]

    @property
    def winning_model(self) -> str:
        """The model whose answer won ('' for a tie or both bad)."""
        return self.models[self.request_ids.index(self.winner)] if self.winner in self.request_ids else ""


def find_request(store: LogStore, id_or_prefix: str) -> dict:
    """The logged request with this id, or the one whose id starts with it; a VerdictError otherwise."""
    ids = store.read_requests().frame["request_id"].astype(str)
    return store.find_request(_unique(id_or_prefix.strip(), ids, "request")) or {}


def _unique(wanted: str, ids, kind: str) -> str:
    """The one id among `ids` (a pandas Series) that is `wanted` or starts with it; a VerdictError otherwise."""
    if (ids == wanted).any():
        return wanted
    if len(wanted) < MIN_PREFIX:
        raise VerdictError(f"{wanted!r} is too short: give at least {MIN_PREFIX} characters of a {kind} id")
    matches = list(dict.fromkeys(ids[ids.str.startswith(wanted)]))
    if not matches:
        where = "see `logs` for recent ids" if kind == "request" else "vote on a comparison_id from compare"
        raise VerdictError(f"no logged {kind} has an id starting {wanted!r}: {where}", 404)
    if len(matches) > 1:
        shown = ", ".join(matches[:SHOWN_MATCHES]) + (", …" if len(matches) > SHOWN_MATCHES else "")
        raise VerdictError(f"{wanted!r} matches {len(matches)} {kind} ids ({shown}): give more characters", 409)
    return matches[0]


def rate(store: LogStore, id_or_prefix: str, stars: int, comment: str = "") -> Rating:
    """Record 1–5 stars for a logged answer; an answer that failed (an error row) cannot be rated."""
    row = find_request(store, id_or_prefix)
    if row.get("status") == "error":
        raise VerdictError(
            f"request {row['request_id']} failed ({row.get('error') or 'no answer'}): there is no answer to rate",
            409,
        )
    store.append_rating(row["request_id"], stars, comment)
    return Rating(row["request_id"], str(row.get("model") or ""), stars, comment)


def vote(store: LogStore, comparison_id: str, winner: str) -> Ballot:
    """Record the winner of a logged comparison (its id or a unique prefix): one of its request ids (or a unique
    prefix), tie or both_bad."""
    requests = store.read_requests().frame
    comparisons = requests["comparison_id"].fillna("").astype(str)
    comparison_id = _unique(comparison_id.strip(), comparisons[comparisons != ""], "comparison")
    rows = requests[comparisons == comparison_id]
    answered = rows[rows["status"].astype(str) != "error"].drop_duplicates("request_id", keep="last")
    if len(answered) < 2:
        raise VerdictError(f"comparison {comparison_id} has {len(answered)} answer(s): a vote judges two or more", 409)
    votes = store.read_votes().frame
    if (votes["comparison_id"].astype(str) == comparison_id).any():
        raise VerdictError(f"comparison {comparison_id} already has a vote: a comparison takes one", 409)
    request_ids = answered["request_id"].astype(str).tolist()
    models = answered["model"].astype(str).tolist()
    chosen = _winner(winner.strip(), request_ids, comparison_id)
    store.append_vote(comparison_id, chosen, models, request_ids)
    return Ballot(comparison_id, chosen, models, request_ids)


def _winner(winner: str, request_ids: list[str], comparison_id: str) -> str:
    from .csv_store import VOTE_OUTCOMES  # on use: the CSV store brings pandas

    if winner in VOTE_OUTCOMES or winner in request_ids:
        return winner
    matches = [r for r in request_ids if winner and r.startswith(winner)]
    if len(matches) == 1:
        return matches[0]
    choices = ", ".join([*request_ids, *VOTE_OUTCOMES])
    raise VerdictError(f"{winner!r} is not an answer of comparison {comparison_id}: choose one of {choices}")
