"""`logs` and `rate`: recent requests from the log, and a star rating recorded from the command line.

`register(subparsers)` adds both to the main CLI; each handler returns an exit code (0 ok, 1 failure, 2 bad usage).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import SwitchboardError

if TYPE_CHECKING:  # the log store brings pandas: loaded only when a log command runs, not for `models` or `ask`
    import pandas as pd

    from ..store.csv_store import Table

DEFAULT_TAIL = 20
SNIPPET_CHARS = 40
MAX_NOTES = 20  # notes on rows read altered shown on stderr; the rest are counted


def register(subparsers: Any) -> None:
    """Add the `logs` and `rate` subcommands to an argparse subparsers object (handler in `handler`)."""
    logs = subparsers.add_parser("logs", help="show recent requests from the log", description=run_logs.__doc__)
    logs.add_argument("--json", action="store_true", help="print full rows as a JSON list instead of a table")
    logs.add_argument("--tail", type=_positive_int, default=DEFAULT_TAIL, metavar="N", help="how many (default 20)")
    logs.set_defaults(handler=run_logs)
    actions = logs.add_subparsers(dest="action", metavar="{import,export}")
    copy_in = actions.add_parser(
        "import", help="copy a CSV log folder into the database", description=run_import.__doc__
    )
    copy_in.add_argument("folder", type=Path, help="the folder holding requests.csv, ratings.csv and votes.csv")
    copy_in.set_defaults(handler=run_import)
    copy_out = actions.add_parser("export", help="write the database out as CSV files", description=run_export.__doc__)
    copy_out.add_argument("folder", type=Path, help="an empty folder (made if missing) to write the CSV files into")
    copy_out.set_defaults(handler=run_export)
    rate = subparsers.add_parser("rate", help="rate a logged response, 1 to 5 stars", description=run_rate.__doc__)
    rate.add_argument("request_id", help="the request_id shown by `logs`, or a unique prefix of it (as git takes)")
    rate.add_argument("stars", type=_stars, help="1 (bad) to 5 (excellent)")
    rate.add_argument("--comment", default="", help="an optional note stored with the rating")
    rate.set_defaults(handler=run_rate)


def run_logs(args: argparse.Namespace) -> int:
    """Print the most recent requests (oldest first), as a table or as JSON."""
    from ..store.csv_store import default_store

    try:
        store = default_store()
        table = store.read_requests()
    except SwitchboardError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    _report_skipped(table)
    recent = table.frame.tail(args.tail)
    if args.json:
        print(json.dumps(_records(recent), ensure_ascii=False, indent=2))
    elif recent.empty:
        print(f"No requests logged yet in {store.location} ({store.kind}).")
    else:
        summary = _summary(recent)
        width = int(summary["prompt"].str.len().max())
        print(summary.to_string(index=False, formatters={"prompt": lambda text: text.ljust(width)}))
    return 0


def run_rate(args: argparse.Namespace) -> int:
    """Record a 1-5 star rating of a logged response (its id or a unique prefix); a later rating replaces it.

    A response that failed (an error row) has no answer to rate and is refused."""
    from ..store import verdicts
    from ..store.csv_store import default_store

    try:
        rating = verdicts.rate(default_store(), args.request_id, args.stars, args.comment)
    except SwitchboardError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    stars = f"{'★' * rating.stars}{'☆' * (5 - rating.stars)} ({rating.stars}/5)"
    print(f"Rated {rating.request_id} ({rating.model}): {stars}")
    return 0


def run_import(args: argparse.Namespace) -> int:
    """Copy a CSV log folder (any version's files) into the database set by SWITCHBOARD_DATABASE_URL; rows the
    database already holds are left out, so running it twice adds nothing."""
    store = _database_store()
    if store is None:
        return 1
    from ..store.transfer import import_folder

    try:
        report = import_folder(args.folder, store)
    except SwitchboardError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    for reason in report.skipped[:MAX_NOTES]:
        print(f"warning: not imported: {reason}", file=sys.stderr)
    counts = ", ".join(f"{report.copied[n]} {n} ({report.already_there[n]} already there)" for n in report.copied)
    print(f"Imported into {store.location}: {counts}.")
    return 0


def run_export(args: argparse.Namespace) -> int:
    """Write the database's logs out as requests.csv, ratings.csv and votes.csv (formula-safe) into an empty folder."""
    store = _database_store()
    if store is None:
        return 1
    from ..store.transfer import export_folder

    try:
        report = export_folder(store, args.folder)
    except SwitchboardError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    counts = ", ".join(f"{count} {name}" for name, count in report.copied.items())
    print(f"Exported {store.location} to {args.folder.resolve()}: {counts}.")
    return 0


def _database_store():
    """The configured database store, or None (with the reason on stderr) when logs go to CSV or it cannot open."""
    from ..store.csv_store import default_store

    try:
        store = default_store()
    except SwitchboardError as e:
        print(f"error: {e}", file=sys.stderr)
        return None
    from ..store.database import DatabaseStore

    if not isinstance(store, DatabaseStore):
        print(
            "error: logs go to CSV files here: set SWITCHBOARD_DATABASE_URL (sqlite:///logs/switchboard.db, or a"
            " postgresql:// URL) to the database to import into or export from.",
            file=sys.stderr,
        )
        return None
    return store


def main(argv: list[str] | None = None) -> int:
    """Run `logs` or `rate` on their own (the main CLI registers them too); returns the exit code."""
    parser = argparse.ArgumentParser(prog="python -m llm_core")
    register(parser.add_subparsers(dest="command", required=True))
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # argparse has printed the usage error; hand back its code instead of exiting
        return int(e.code or 0)
    return args.handler(args)


def _positive_int(text: str) -> int:
    value = _int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return value


def _stars(text: str) -> int:
    value = _int(text)
    if not 1 <= value <= 5:
        raise argparse.ArgumentTypeError(f"stars are 1 to 5, got {text!r}")
    return value


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from e


def _report_skipped(table: Table) -> None:
    """On stderr, one line per row skipped and per row read altered, each with its file and row."""
    if table.skipped:
        print(f"warning: {table.skipped} log rows were skipped:", file=sys.stderr)
        for reason in table.skip_reasons:
            print(f"  {reason}", file=sys.stderr)
    if table.notes:
        count = f"{len(table.notes)} {'note' if len(table.notes) == 1 else 'notes'}"
        print(f"note: some log rows were read, but not exactly as stored ({count}):", file=sys.stderr)
        for note in table.notes[:MAX_NOTES]:
            print(f"  {note}", file=sys.stderr)
        if len(table.notes) > MAX_NOTES:
            print(f"  ... and {len(table.notes) - MAX_NOTES} more", file=sys.stderr)


def _summary(frame: pd.DataFrame) -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame(
        {
            "time (UTC)": frame["timestamp"].dt.strftime("%Y-%m-%d %H:%M:%S"),
            "request_id": frame["request_id"],
            "model": frame["model"].astype(str),
            "status": frame["status"].astype(str),
            "latency": frame["latency_ms"].map(lambda v: "" if pd.isna(v) else f"{v:.0f} ms"),
            "tokens": frame["completion_tokens"].map(lambda v: "" if pd.isna(v) else str(v)),
            "cost": frame["cost_usd"].map(lambda v: "" if pd.isna(v) else f"${v:.4f}"),
            "stars": frame["stars"].map(lambda v: "" if pd.isna(v) else f"{v}/5"),
            "prompt": frame["prompt"].map(_snippet),
        }
    )


def _snippet(text: str) -> str:
    flat = re.sub(r"\s+", " ", text).strip()
    return flat if len(flat) <= SNIPPET_CHARS else flat[: SNIPPET_CHARS - 1] + "…"


def _records(frame: pd.DataFrame) -> list[dict]:
    return [{name: _plain(value) for name, value in row.items()} for row in frame.to_dict("records")]


def _plain(value: object) -> object:
    import pandas as pd

    if isinstance(value, pd.Timestamp):
        return None if pd.isna(value) else value.isoformat()
    if isinstance(value, list | tuple | dict):
        return value
    return None if pd.isna(value) else value


if __name__ == "__main__":
    sys.exit(main())
