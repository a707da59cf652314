"""The log store: every response, rating and vote as an appended CSV row that users can analyse later.

Files live in `$SWITCHBOARD_LOG_DIR`, else `./logs`: requests.csv, ratings.csv, votes.csv.
  - Rows are only ever appended, under a file lock (threads and processes), each append one write(2).
  - Columns only ever grow at the end; rows written by an older version read by position (see parse.py).
  - A crash mid-write leaves at most one torn row: the next append closes it first, the reader skips and reports it.
  - A file another program saved in its own way (LF line ends, a byte-order mark, UTF-16; see dialect.py) is
    rewritten in Switchboard's form before the next append, atomically under the lock, the original kept beside it.
  - Cells are stored so that any text round-trips and none can run as a spreadsheet formula (see cells.py).
  - Errors are redacted before they are stored; a failed write never breaks a response (`append_response`).
"""

from __future__ import annotations

import errno
import json
import logging
import numbers
import os
import shutil
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import filelock
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import SwitchboardError
from ..record import Result
from ..redact import redact
from .cells import ROW_END, Cell, format_header, format_row, to_safe_csv, utc_iso
from .conversations import ConversationQueries
from .dialect import HEAD_BYTES, foreign_traits, to_canonical
from .evaluations import EVALUATION_FILES, EVALUATION_SCHEMAS, evaluation_row
from .read import LogReadError, Schema, Table, read_log
from .vote_lists import json_lists

__all__ = [
    "REQUEST_COLUMNS", "RATING_COLUMNS", "VOTE_COLUMNS", "LogEntryError", "LogReadError", "LogStore",
    "LogWriteError", "Table", "default_store", "response_row", "to_safe_csv",
]  # fmt: skip

log = logging.getLogger(__name__)

LOG_DIR_VARIABLE = "SWITCHBOARD_LOG_DIR"
LOCK_TIMEOUT_S = 10.0
LOCK_POLL_S = 0.001  # other processes' turns: short, since a hold lasts one write

FIRST_REQUEST_COLUMNS = [
    "timestamp", "request_id", "comparison_id", "session_id", "provider", "model", "requested_model", "template",
    "system", "prompt", "response", "status", "error", "latency_ms", "ttft_ms", "prompt_tokens", "completion_tokens",
    "token_source", "tokens_per_s", "cost_usd", "temperature", "max_tokens",
]  # fmt: skip
LATER_REQUEST_COLUMNS = [
    "finish_reason", "provider_model", "top_p", "attempts", "error_kind", "label", "fallback_for",
    "run_id", "case_id", "repeat", "pane_id",
    "reasoning_tokens", "cached_prompt_tokens", "cache_write_tokens", "provider_cost_usd",
    "generation_tokens_per_s", "replaces", "prompt_token_source", "completion_token_source", "notes",
]  # fmt: skip
REQUEST_COLUMNS = FIRST_REQUEST_COLUMNS + LATER_REQUEST_COLUMNS  # new columns only ever go at the end
RATING_COLUMNS = ["timestamp", "request_id", "stars", "comment"]
VOTE_COLUMNS = ["timestamp", "comparison_id", "winner", "models", "request_ids", "rater", "blind"]  # new at the end
DEFAULT_RATER = "human"  # votes logged before the rater column was added were all cast by people
VOTE_OUTCOMES = ("tie", "both_bad")
RATING_JOIN = ("stars", "rating_comment", "rated_at")  # what read_requests joins from each request's latest rating

REQUEST_SCHEMA = Schema(
    columns=tuple(REQUEST_COLUMNS),
    first_width=len(FIRST_REQUEST_COLUMNS),
    timestamps=frozenset({"timestamp"}),
    floats=frozenset({"latency_ms", "ttft_ms", "tokens_per_s", "cost_usd", "temperature", "top_p"})
    | {"provider_cost_usd", "generation_tokens_per_s"},
    ints=frozenset({"prompt_tokens", "completion_tokens", "max_tokens", "attempts", "repeat"})
    | {"reasoning_tokens", "cached_prompt_tokens", "cache_write_tokens"},
    categories=frozenset({"provider", "model", "status", "token_source", "template", "session_id"})
    | {"prompt_token_source", "completion_token_source"},
)
RATING_SCHEMA = Schema(tuple(RATING_COLUMNS), 4, timestamps=frozenset({"timestamp"}), ints=frozenset({"stars"}))
VOTE_SCHEMA = Schema(tuple(VOTE_COLUMNS), 4, timestamps=frozenset({"timestamp"}))


class LogWriteError(SwitchboardError):
    """A row could not be written to the log (disk full, read-only folder, lock held too long)."""


class LogEntryError(SwitchboardError):
    """A rating or vote that cannot be recorded as given; the message says why."""


def response_row(result: Result) -> list[Cell]:
    """The requests.csv row for one result, in REQUEST_COLUMNS order (errors redacted)."""
    values: dict[str, Cell] = {name: getattr(result, name, None) for name in REQUEST_COLUMNS}
    values.update(timestamp=utc_iso(result.timestamp), response=result.text, error=redact(result.error))
    numeric = REQUEST_SCHEMA.floats | REQUEST_SCHEMA.ints
    return [values[n] if n in numeric else _text(values[n]) for n in REQUEST_COLUMNS]


def _text(value: object) -> str:
    return "" if value is None else str(value)


class LogStore(ConversationQueries):
    """The three log files of one folder: append rows, read them back as typed frames."""

    def __init__(self, directory: str | Path | None = None, *, fsync: bool = True):
        chosen = directory or os.environ.get(LOG_DIR_VARIABLE) or "logs"
        self.directory = Path(chosen).expanduser().resolve()
        self.fsync = fsync  # flush each append to the disk, so a power cut loses no row that was reported saved

    kind = "CSV files"  # which backend, as Settings and the CLI name it

    @property
    def location(self) -> str:
        """Where the logs are, as shown to a user: the folder."""
        return str(self.directory)

    @property
    def requests_path(self) -> Path:
        """One row per model response."""
        return self.directory / "requests.csv"

    @property
    def ratings_path(self) -> Path:
        """One row per star rating; the latest rating of a response counts."""
        return self.directory / "ratings.csv"

    @property
    def votes_path(self) -> Path:
        """One row per comparison vote."""
        return self.directory / "votes.csv"

    def append_response(self, result: Result) -> str:
        """Log one response; return "" when written, else a warning for the user. Never raises."""
        return self.append_responses([result])[0]

    def append_responses(self, results: Sequence[Result]) -> list[str]:
        """Log several responses in one write (one lock and one fsync, or one INSERT); for each, "" when written,
        else a warning for the user. Never raises: a row that cannot be built is reported alone."""
        warnings, rows = [""] * len(results), []
        for n, result in enumerate(results):
            try:
                rows.append(response_row(result))
            except Exception as e:  # a bug: report it on this answer, write the others
                log.exception("response %s not logged", result.request_id)
                warnings[n] = _unexpected(e)
        try:
            if rows:
                self._append(self.requests_path, REQUEST_COLUMNS, rows)
        except LogWriteError as e:
            log.warning("%d responses not logged: %s", len(rows), e)
            return [warning or f"This answer was not saved to the log: {e}" for warning in warnings]
        except Exception as e:  # logging never breaks a response: report the bug, keep the answer
            log.exception("%d responses not logged", len(rows))
            return [warning or _unexpected(e) for warning in warnings]
        return warnings

    def append_rating(self, request_id: str, stars: int, comment: str = "") -> None:
        """Record a 1-5 star rating of one response; a later rating of the same response replaces it when read."""
        if not isinstance(stars, numbers.Integral) or isinstance(stars, bool) or not 1 <= stars <= 5:
            raise LogEntryError(f"A rating is 1 to 5 stars, not {stars!r}.")
        if not request_id:
            raise LogEntryError("A rating needs the request_id of the response it rates.")
        row = [_now(), request_id, int(stars), comment or ""]
        self._append(self.ratings_path, RATING_COLUMNS, [row])

    def append_vote(
        self,
        comparison_id: str,
        winner: str,
        models: list[str],
        request_ids: list[str],
        rater: str = DEFAULT_RATER,
        blind: bool = False,
    ) -> None:
        """Record which pane of a comparison won: a request_id, "tie" or "both_bad"; lists aligned by pane.

        `rater` says who judged: "human" for a person, or a judge's name (an automatic rater); `blind`, whether the
        rater judged the answers without seeing which model gave which (read back as true/false; older votes are
        blank, not known to be blind)."""
        if not comparison_id:
            raise LogEntryError("A vote needs the comparison_id of the comparison it judges.")
        if len(models) != len(request_ids) or len(models) < 2:
            raise LogEntryError(
                f"A vote compares two or more panes: got {len(models)} models for {len(request_ids)} requests."
            )
        if winner not in request_ids and winner not in VOTE_OUTCOMES:
            raise LogEntryError(
                f"The winner must be one of the compared request ids, 'tie' or 'both_bad', not {winner!r}."
            )
        if not isinstance(rater, str) or not rater.strip():
            raise LogEntryError(f"A vote names its rater ('human' or a judge's name), not {rater!r}.")
        row = [_now(), comparison_id, winner, _json(models), _json(request_ids), rater.strip(), _flag(blind)]
        self._append(self.votes_path, VOTE_COLUMNS, [row])

    def read_requests(self, columns: Iterable[str] | None = None) -> Table:
        """Every logged response, typed, with its latest rating joined (`stars`, `rating_comment`, `rated_at`).

        With `columns`, only those (and `request_id`) are read and kept: the table's `texts` reads the others for
        the rows that need them, so a log of a million long answers costs only its numbers in memory."""
        keep = None if columns is None else frozenset(columns) - set(RATING_JOIN) | {"request_id"}
        joined = RATING_JOIN if columns is None else tuple(c for c in RATING_JOIN if c in set(columns))
        requests = self._read(self.requests_path, REQUEST_SCHEMA, keep)
        ratings = self.read_ratings()
        version = (requests.version, ratings.version)
        key = (self.requests_path, keep)
        cached = _joined.get(key)
        if cached is None or cached[0] != version:
            _joined.pop(key, None)  # let the old frame go before the new one is made
            cached = _joined[key] = (version, _join_ratings(requests.frame, ratings.frame, joined))
        skipped, reasons = requests.skipped + ratings.skipped, requests.skip_reasons + ratings.skip_reasons
        frame = cached[1].copy(deep=False)
        return Table(frame, skipped, reasons, version, requests.notes + ratings.notes, requests.texts)

    def read_ratings(self) -> Table:
        """The latest rating of each rated response."""
        table = self._read(self.ratings_path, RATING_SCHEMA)
        frame = table.frame
        valid = frame["stars"].between(1, 5).fillna(False).astype(bool)
        reasons = [f"ratings.csv: a rating of {s} stars (expected 1 to 5)" for s in frame.loc[~valid, "stars"]]
        latest = frame[valid].drop_duplicates("request_id", keep="last").reset_index(drop=True)
        return Table(latest, table.skipped + len(reasons), table.skip_reasons + reasons, table.version, table.notes)

    def read_votes(self) -> Table:
        """Every vote, with `models` and `request_ids` as Python lists."""
        table = self._read(self.votes_path, VOTE_SCHEMA)
        cached = _decoded_votes.get(self.votes_path)
        if cached is None or cached[0] != table.version:
            cached = _decoded_votes[self.votes_path] = (table.version, _decode_votes(table))
        decoded = cached[1]
        frame = decoded.frame.copy(deep=False)
        return Table(frame, decoded.skipped, decoded.skip_reasons, decoded.version, decoded.notes)

    def append_evaluation(self, kind: str, records: list[dict]) -> None:
        """Append evaluation records (runs, cells, checks or verdicts; see evaluations.py) in one write."""
        rows = [evaluation_row(kind, {"timestamp": _now(), **record}) for record in records]
        if rows:
            self._append(self.directory / EVALUATION_FILES[kind], list(EVALUATION_SCHEMAS[kind].columns), rows)

    def read_evaluation(self, kind: str) -> Table:
        """Every evaluation record of one kind (runs, cells, checks or verdicts), oldest first."""
        evaluation_row(kind, {})  # an unknown kind is an error, not an empty table
        return self._read(self.directory / EVALUATION_FILES[kind], EVALUATION_SCHEMAS[kind])

    def find_request(self, request_id: str) -> dict | None:
        """The latest logged row for one request id (missing values as None), or None when there is none."""
        frame = self.read_requests().frame
        matches = frame.index[frame["request_id"] == request_id]
        if not len(matches):
            return None
        record = frame.loc[[matches[-1]]].to_dict("records")[0]
        return {name: None if _missing(value) else value for name, value in record.items()}

    def _append(self, path: Path, columns: list[str], rows: list[list[Cell]]) -> None:
        """Append rows of cells (in `columns` order) to one log, in one write (the database backend inserts them)."""
        append_rows(path, columns, [format_row(row) for row in rows], fsync=self.fsync)

    def _read(self, path: Path, schema: Schema, keep: frozenset[str] | None = None) -> Table:
        """One log as a typed table, only the `keep` columns when given (the database backend reads its table of
        the same name instead)."""
        return read_log(path, schema, keep)


def default_store() -> LogStore:
    """The log store for the current environment: the database at `SWITCHBOARD_DATABASE_URL` when one is set
    (see backend.py), else the CSV files in `$SWITCHBOARD_LOG_DIR`, else ./logs."""
    from .backend import chosen_store  # on use: the database backend brings SQLAlchemy

    return chosen_store()


def append_rows(path: Path, columns: list[str], rows: list[str], fsync: bool = True) -> None:
    """Append formatted rows to a log file in one write, under the file's lock; the header goes first in a new file."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise LogWriteError(f"could not create the log folder {path.parent}: {write_problem(e, path.parent)}") from e
    try:
        with _exclusive(path):
            fd = _open_for_append(path)
            if _saved_by_another_program(fd):
                os.close(fd)
                _rewrite_in_switchboard_form(path, columns, fsync)
                fd = _open_for_append(path)
            try:
                payload = _lead_in(fd, columns) + "".join(rows)
                _write_all(fd, payload.encode("utf-8"))  # cells.py escapes what UTF-8 cannot hold
                if fsync:
                    os.fsync(fd)
            finally:
                os.close(fd)
    except OSError as e:
        raise LogWriteError(f"could not write {path}: {write_problem(e, path.parent)}") from e


def _open_for_append(path: Path) -> int:
    return os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT | getattr(os, "O_BINARY", 0), 0o644)


def _saved_by_another_program(fd: int) -> bool:
    os.lseek(fd, 0, os.SEEK_SET)  # reading moves the offset; O_APPEND still writes at the end
    return bool(foreign_traits(os.read(fd, HEAD_BYTES)))


def _rewrite_in_switchboard_form(path: Path, columns: list[str], fsync: bool) -> None:
    """Replace a log another program saved with the same rows in Switchboard's form; keep the original beside it.

    Appending to it as it is would mix two formats (CRLF rows after LF ones, UTF-8 after UTF-16) and damage it.
    Called under the file's lock; readers see either the old file or the new one, never a mix.
    """
    original = path.read_bytes()
    canonical, notes = to_canonical(original, path.name)
    header = canonical[: canonical.find(ROW_END.encode())].decode("utf-8").split(",") if canonical else columns
    common = min(len(header), len(columns))
    if header[:common] != columns[:common]:
        raise LogWriteError(
            f"{path} is not a Switchboard log: its header starts {', '.join(header[:3])}, expected"
            f" {', '.join(columns[:3])}. Move it aside and Switchboard will start a new one."
        )
    kept = _keep_beside(path)
    draft = path.with_name(f".{path.name}.rewriting")
    try:
        with open(draft, "wb") as handle:
            handle.write(canonical)
            if fsync:
                os.fsync(handle.fileno())
        os.replace(draft, path)
    except OSError:
        draft.unlink(missing_ok=True)  # a disk that filled up mid-rewrite keeps no half copy; the log is untouched
        raise
    if fsync and hasattr(os, "O_DIRECTORY"):  # make the rename itself survive a power cut (POSIX only)
        folder = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)
    log.warning(
        "%s was saved by another program; rewrote it in Switchboard's form before appending, the original is %s%s",
        path, kept, "".join(f"; {note}" for note in notes),
    )  # fmt: skip


def _keep_beside(path: Path) -> Path:
    """Keep the file as it is now under a new name beside it (a hard link when possible, else a copy)."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    for attempt in range(100):
        kept = path.with_name(f"{path.stem}.original-{stamp}{f'-{attempt}' if attempt else ''}{path.suffix}")
        try:
            os.link(path, kept)
        except FileExistsError:
            continue
        except OSError:  # a file system without hard links: copy instead
            if kept.exists():
                continue
            shutil.copy2(path, kept)
        return kept
    raise LogWriteError(f"could not keep a copy of {path} before rewriting it: too many copies named {kept.name}")


def write_problem(e: OSError, folder: Path) -> str:
    """What stopped a write to the log folder, in words, and what the user can do about it."""
    elsewhere = f"set {LOG_DIR_VARIABLE} to a folder you can write"
    reason = e.strerror or str(e)
    if e.errno in (errno.ENOSPC, errno.EDQUOT):
        return f"{reason}: the disk holding {folder} is full. Free some disk space, or {elsewhere} on another disk."
    if e.errno in (errno.EACCES, errno.EPERM):
        denied = Path(e.filename) if e.filename else folder
        target = denied if denied.exists() else denied.parent  # a file not yet made needs its folder writable
        return f"{reason}: give this user write access to {target}, or {elsewhere}."
    if e.errno == errno.EROFS:
        return f"{reason}: {folder} is on a read-only disk. Remount it writable, or {elsewhere}."
    if e.errno in (errno.EEXIST, errno.ENOTDIR) and (blocker := _file_in_the_way(folder)):
        return f"{blocker} is a file, not a folder. Move it aside, or {elsewhere}."
    if e.errno == errno.EISDIR and e.filename:
        return f"{e.filename} is a folder, not a file. Move it aside, or {elsewhere}."
    return f"{reason}. Set {LOG_DIR_VARIABLE} to a folder you can write."


def _file_in_the_way(folder: Path) -> Path | None:
    """The file that stands where the log folder, or one of the folders above it, should be."""
    return next((p for p in (folder, *folder.parents) if p.exists() and not p.is_dir()), None)


def _lead_in(fd: int, columns: list[str]) -> str:
    """What must come before new rows: the header for a new file, or the end of a row a crash cut off."""
    size = os.fstat(fd).st_size
    if size == 0:
        return format_header(columns)
    os.lseek(fd, max(size - 2, 0), os.SEEK_SET)  # reading moves the offset; O_APPEND still writes at the end
    last = os.read(fd, 2)
    if last.endswith(b"\r\n"):
        return ""
    # Only a row end puts a CR in the file, so a lone CR at the end is a row end cut in half.
    return "\n" if last.endswith(b"\r") else "\n\r\n"


def _write_all(fd: int, payload: bytes) -> None:
    view = memoryview(payload)
    while view:
        view = view[os.write(fd, view) :]


_joined: dict[tuple, tuple[tuple, pd.DataFrame]] = {}  # (requests.csv, columns) → (versions read, with ratings)
_decoded_votes: dict[Path, tuple[tuple, Table]] = {}  # votes with their lists decoded, per file version


def forget_derived_frames() -> None:
    """Drop the frames made from logs read (requests with their ratings, decoded votes): the next read makes them."""
    _joined.clear()
    _decoded_votes.clear()


_locks: dict[tuple[int, str], tuple[threading.Lock, filelock.FileLock]] = {}
_locks_guard = threading.Lock()


@contextmanager
def _exclusive(path: Path) -> Iterator[None]:
    """Hold the log file's lock: threads of this process queue on a mutex, processes on the sibling .lock file."""
    key = (os.getpid(), str(path))  # per process: a lock object is never shared across a fork
    with _locks_guard:
        if key not in _locks:
            lock_file = filelock.FileLock(f"{path}.lock", timeout=LOCK_TIMEOUT_S, poll_interval=LOCK_POLL_S)
            _locks[key] = (threading.Lock(), lock_file)
        mutex, lock_file = _locks[key]
    with mutex:
        try:
            lock_file.acquire()
        except filelock.Timeout as e:
            raise LogWriteError(
                f"{path.name} has been locked by another process for over {LOCK_TIMEOUT_S:.0f} s; try again."
            ) from e
        try:
            yield
        finally:
            lock_file.release()


def _join_ratings(requests: pd.DataFrame, latest: pd.DataFrame, joined: tuple[str, ...] = RATING_JOIN) -> pd.DataFrame:
    """Each request with its latest rating: `stars`, `rating_comment` ("" when unrated) and `rated_at` (those of
    them in `joined`)."""
    if not joined:
        return requests
    ids = pa.array(requests["request_id"].array)
    where = pc.index_in(ids, value_set=pa.array(latest["request_id"].array)).fill_null(-1).to_numpy()
    columns = {
        "stars": lambda: latest["stars"].array.take(where, allow_fill=True),
        "rating_comment": lambda: latest["comment"].array.take(where, allow_fill=True).fillna(""),
        "rated_at": lambda: latest["timestamp"].array.take(where, allow_fill=True),
    }
    return requests.assign(**{name: columns[name]() for name in joined})


def _unexpected(error: Exception) -> str:
    return f"This answer was not saved to the log because of an unexpected error: {redact(repr(error))}"


def _now() -> str:
    return utc_iso(datetime.now(UTC))


def _json(values: list[str]) -> str:
    return json.dumps([str(v) for v in values], ensure_ascii=False)


def _decode_votes(table: Table) -> Table:
    """Votes with `models` and `request_ids` decoded from JSON; rows where they are not lists are skipped."""
    frame = table.frame.copy()
    decoded = {name: json_lists(frame[name]) for name in ("models", "request_ids")}
    valid = (decoded["models"].notna() & decoded["request_ids"].notna()).to_numpy(dtype=bool)
    for name, values in decoded.items():
        frame[name] = values
    frame["rater"] = frame["rater"].astype(object).where(frame["rater"].fillna("") != "", DEFAULT_RATER)
    reasons = [
        f"votes.csv: comparison {c}: models or request_ids are not JSON lists"
        for c in frame.loc[~valid, "comparison_id"]
    ]
    skipped, reasons = table.skipped + len(reasons), table.skip_reasons + reasons
    return Table(frame[valid].reset_index(drop=True), skipped, reasons, table.version, table.notes)


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _missing(value: object) -> bool:
    return not isinstance(value, list | tuple | dict) and bool(pd.isna(value))
