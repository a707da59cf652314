"""`vote COMPARISON_ID WINNER`: the winner of a logged comparison, for the leaderboard, from a script or a shell."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ..errors import SwitchboardError


def register(subparsers: Any) -> None:
    """Add the `vote` subcommand to an argparse subparsers object (handler in `handler`)."""
    vote = subparsers.add_parser("vote", help="vote for the best answer of a comparison", description=run_vote.__doc__)
    vote.add_argument("comparison_id", help="the comparison_id `compare --json` and `logs --json` show, or a prefix")
    vote.add_argument("winner", help="the winning answer's request_id (or a unique prefix of it), tie, or both_bad")
    vote.set_defaults(handler=run_vote)


def run_vote(args: argparse.Namespace) -> int:
    """Record which answer of a logged comparison won (a request_id or unique prefix, tie, or both_bad); one vote
    per comparison. The leaderboard on the Analytics page counts it like a vote cast on the Compare page."""
    from ..store import verdicts
    from ..store.csv_store import default_store

    try:
        ballot = verdicts.vote(default_store(), args.comparison_id, args.winner)
    except SwitchboardError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    outcome = ballot.winning_model or ballot.winner.replace("_", " ")
    print(f"Voted on {ballot.comparison_id} ({' vs '.join(ballot.models)}): {outcome}")
    return 0
