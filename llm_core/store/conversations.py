"""Compare conversations read back from the log: the list of past ones, and one conversation's rows and votes.

Written only in terms of a store's read methods (`read_requests`, `read_votes`), so every backend that has those
gets these queries by mixing in `ConversationQueries`. Read-only: nothing here writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pandas as pd


@dataclass(frozen=True)
class ConversationSummary:
    """One past Compare conversation as the History list shows it."""

    conversation_id: str  # the session_id its turns were logged under
    started: datetime
    updated: datetime
    first_prompt: str
    models: tuple[str, ...]  # in the order they first answered
    turns: int  # comparisons
    voted: bool


class ConversationQueries:
    """List and load Compare conversations from any store with `read_requests()` and `read_votes()`."""

    def read_requests(self):  # pragma: no cover - provided by the store this is mixed into
        raise NotImplementedError

    def read_votes(self):  # pragma: no cover - provided by the store this is mixed into
        raise NotImplementedError

    def list_conversations(self, search: str = "") -> list[ConversationSummary]:
        """Past Compare conversations, newest first; with `search`, only those whose prompts, answers or models
        contain it (case-insensitive)."""
        requests, votes = self.read_requests(), self.read_votes()
        # The page asks on every rerun: derive the list once per version of the log (and search).
        key = (getattr(self, "location", ""), requests.version, votes.version, search.strip().lower())
        if key not in _listed:
            _listed[key] = _summaries(_compare_rows(requests.frame), votes.frame, search)
            while len(_listed) > LISTS_KEPT:
                del _listed[next(iter(_listed))]
        return list(_listed[key])

    def conversation_rows(self, conversation_id: str) -> list[dict]:
        """Every logged answer of one conversation, oldest first, as dicts (missing values as None)."""
        frame = _compare_rows(self.read_requests().frame)
        rows = frame[(frame["session_id"].astype(str) == conversation_id).to_numpy()]
        records = rows.sort_values("timestamp", kind="stable").to_dict("records")
        return [{name: None if _missing(value) else value for name, value in record.items()} for record in records]

    def conversation_votes(self, conversation_id: str) -> list[dict]:
        """The votes cast on one conversation's comparisons, oldest first."""
        comparisons = {row["comparison_id"] for row in self.conversation_rows(conversation_id)}
        votes = self.read_votes().frame
        chosen = votes[votes["comparison_id"].astype(str).isin(comparisons).to_numpy()]
        return chosen.to_dict("records")


LISTS_KEPT = 16
_listed: dict[tuple, list[ConversationSummary]] = {}


def _summaries(frame: pd.DataFrame, votes: pd.DataFrame, search: str) -> list[ConversationSummary]:
    """One summary per conversation among the Compare rows, newest first, those matching `search` only."""
    if frame.empty:
        return []
    voted = set(votes["comparison_id"].astype(str))
    wanted = _matching_sessions(frame, search)
    summaries = [
        _summary(str(session), rows, voted)
        for session, rows in frame.groupby("session_id", observed=True, sort=False)
        if wanted is None or session in wanted
    ]
    return sorted(summaries, key=lambda s: s.updated, reverse=True)


def _compare_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows a Compare page logged: those with both a session and a comparison."""
    named = (frame["session_id"].astype(str).fillna("") != "") & (frame["comparison_id"].fillna("") != "")
    return frame[named.to_numpy(dtype=bool)]


def _matching_sessions(frame: pd.DataFrame, search: str) -> set | None:
    """The sessions with a row containing `search` in its prompt, answer or model (None: no search)."""
    needle = search.strip().lower()
    if not needle:
        return None
    hit = pd.Series(False, index=frame.index)
    for column in ("prompt", "response", "model", "label"):
        if column in frame:
            hit |= frame[column].astype(str).str.lower().str.contains(needle, regex=False).fillna(False)
    return set(frame.loc[hit, "session_id"].astype(str))


def _summary(session: str, rows: pd.DataFrame, voted: set[str]) -> ConversationSummary:
    rows = rows.sort_values("timestamp", kind="stable")
    comparisons = rows["comparison_id"].astype(str)
    replaced = set(rows["replaces"].astype(str)) if "replaces" in rows else set()  # regenerated: one turn, not two
    return ConversationSummary(
        conversation_id=session,
        started=rows["timestamp"].iloc[0].to_pydatetime(),
        updated=rows["timestamp"].iloc[-1].to_pydatetime(),
        first_prompt=str(rows["prompt"].iloc[0] or ""),
        models=tuple(dict.fromkeys(rows["model"].astype(str))),
        turns=comparisons.nunique() - len(replaced & set(comparisons)),
        voted=bool(voted & set(comparisons)),
    )


def _missing(value: object) -> bool:
    return not isinstance(value, list | tuple | dict) and bool(pd.isna(value))
