"""How fast the leaderboard is ready: 200,000 votes read from votes.csv, turned into battles and ranked with
closed-form intervals, each step timed (median of five, in this process after one warm-up read of the module
imports). Goal: reading plus ranking ≤ 1 s. Also prints, as the baseline, pandas' plain `read_csv` of the same
file, and checks the ranks repeat exactly on the votes shuffled.

Then the same under style control, timed apart (median of three): the request log read without its texts (as the
Analytics page reads it), the voted answers' texts read back and measured (length, headers, lists, bold), and the
fit with the style covariates; the baseline there is pandas reading the request log's id and response columns.

    python bench/bench_leaderboard.py                # 200,000 votes over 20 models
    python bench/bench_leaderboard.py --votes 20000
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
import time
from pathlib import Path
from statistics import median

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pcsv

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from llm_core.analytics.leaderboard import battles_from_votes, leaderboard  # noqa: E402
from llm_core.analytics.style_control import with_style  # noqa: E402
from llm_core.store.cells import format_header  # noqa: E402
from llm_core.store.csv_store import REQUEST_COLUMNS, VOTE_COLUMNS, LogStore  # noqa: E402
from llm_core.store.read import forget  # noqa: E402


def write_votes(path: Path, count: int, models: int, seed: int = 1) -> None:
    """Votes between 2 to 4 panes of `models` models with spread-out strengths, as the app writes them."""
    rng = np.random.default_rng(seed)
    strength = np.linspace(-1.5, 1.5, models)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
        handle.write(",".join(VOTE_COLUMNS) + "\r\n")
        for number in range(count):
            panes = int(rng.choice([2, 2, 2, 3, 4]))
            picked = rng.choice(models, panes, replace=False)
            weights = np.exp(strength[picked])
            ids = [f"r{number}-{pane}" for pane in range(panes)]
            draw = rng.random()
            winner = "tie" if draw < 0.08 else ids[rng.choice(panes, p=weights / weights.sum())]
            names = "[" + ", ".join(f'"m{m:02}"' for m in picked) + "]"
            writer.writerow([f"2026-01-01T00:00:{number % 60:02}+00:00", f"c{number}", winner, names,
                             "[" + ", ".join(f'"{i}"' for i in ids) + "]", "human", "true"])  # fmt: skip


def write_requests(path: Path, votes: pd.DataFrame, models: int, seed: int = 2) -> None:
    """The answers the votes were cast on, as the store writes them: a model's answers are longer, and carry more
    headers, list items and bold, the higher its number; each varies around that."""
    rng = np.random.default_rng(seed)
    ids = np.concatenate([np.asarray(row, dtype=object) for row in votes["request_ids"]])
    names = np.concatenate([np.asarray(row, dtype=object) for row in votes["models"]])
    level = np.array([int(name[1:]) for name in names]) / max(models - 1, 1)
    length = rng.lognormal(np.log(150 + 250 * level), 0.5).astype(int)
    corpus = "".join(rng.choice(list("abcdefghij  "), 1_000_000))
    starts = rng.integers(0, len(corpus) - length.max(), len(ids))
    marks = {"## Part\n": rng.poisson(1 + 2 * level), "- item\n": rng.poisson(1 + 4 * level),
             "**key** ": rng.poisson(1 + 3 * level)}  # fmt: skip
    texts = ["".join(m * counts[i] for m, counts in marks.items()) + corpus[starts[i] : starts[i] + length[i]]
             for i in range(len(ids))]  # fmt: skip
    count = len(ids)
    columns = {"timestamp": np.full(count, "2026-01-01T00:00:00.000000+00:00"), "request_id": ids,
               "provider": np.full(count, "openai"), "model": names, "requested_model": names, "response": texts,
               "status": np.full(count, "ok")}  # fmt: skip
    table = pa.table({name: columns.get(name, pa.nulls(count, pa.string())) for name in REQUEST_COLUMNS})
    path.write_text(format_header(REQUEST_COLUMNS), newline="")
    with path.open("ab") as handle:
        pcsv.write_csv(table, handle, pcsv.WriteOptions(include_header=False, eol="\r\n", quoting_style="needed"))


def timed(step) -> tuple[float, object]:
    start = time.perf_counter()
    value = step()
    return time.perf_counter() - start, value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--votes", type=int, default=200_000)
    parser.add_argument("--models", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        store = LogStore(folder)
        write_votes(store.votes_path, args.votes, args.models)
        rows = {"plain read_csv": [], "read votes": [], "battles": [], "rank": [], "total": []}
        for _ in range(5):
            forget(store.votes_path)
            plain, _ = timed(lambda: pd.read_csv(store.votes_path))
            read, votes = timed(lambda: LogStore(folder).read_votes().frame)
            build, battles = timed(lambda votes=votes: battles_from_votes(votes))
            rank, board = timed(lambda battles=battles: leaderboard(battles))
            for name, value in zip(rows, (plain, read, build, rank, read + build + rank), strict=True):
                rows[name].append(value)
        shuffled = battles_from_votes(votes.sample(frac=1, random_state=3).reset_index(drop=True))
        same = leaderboard(shuffled).ranked.set_index("model").loc[board.ranked["model"], "rank"].tolist()
        write_requests(store.requests_path, votes, args.models)
        styled_rows = {"plain read_csv": [], "read requests": [], "answers' style": [], "rank, style": [],
                       "total, style": []}  # fmt: skip
        for _ in range(3):
            forget(store.requests_path)
            plain, _ = timed(lambda: pd.read_csv(store.requests_path, usecols=["request_id", "response"]))
            read_requests, log = timed(lambda: LogStore(folder).read_requests(["request_id", "model", "status"]))
            measure, styled = timed(lambda log=log: with_style(battles, log.frame, log.texts))
            rank_styled, styled_board = timed(lambda styled=styled: leaderboard(styled, style_control=True))
            total = read + build + read_requests + measure + rank_styled
            for name, value in zip(styled_rows, (plain, read_requests, measure, rank_styled, total), strict=True):
                styled_rows[name].append(value)
        size_mb = store.requests_path.stat().st_size / 1e6
    print(f"{args.votes:,} votes, {len(battles):,} battles, {args.models} models")
    for name, values in rows.items():
        print(f"  {name:<15} {median(values):6.3f} s")
    print(f"  ratio total / plain read_csv: {median(rows['total']) / median(rows['plain read_csv']):.2f}")
    print(f"  ranks identical on the votes shuffled: {same == board.ranked['rank'].tolist()}")
    print(f"  ranked {len(board.ranked)}, distinct ranks {board.ranked['rank'].nunique()}, "
          f"median interval width {(board.ranked['upper'] - board.ranked['lower']).median():.1f} points")  # fmt: skip
    print(f"Style control: {len(styled):,} battles over {len(log.frame):,} answers ({size_mb:,.0f} MB requests.csv)")
    for name, values in styled_rows.items():
        print(f"  {name:<15} {median(values):6.3f} s")
    print(f"  (total, style, includes reading the votes and building the battles: "
          f"{median(rows['read votes']) + median(rows['battles']):.3f} s)")  # fmt: skip
    ratio = median(styled_rows["total, style"]) / median(styled_rows["plain read_csv"])
    print(f"  ratio total, style / plain read_csv of request_id and response: {ratio:.2f}")
    coefficients = styled_board.style.set_index("feature")["points"].round(1).to_dict()
    print(f"  style coefficients, points per SD: {coefficients}")


if __name__ == "__main__":
    main()
