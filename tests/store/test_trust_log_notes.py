"""Rows the log reader altered or skipped are named to the user, with their file and row: on the Analytics page
(one message, the rows in an expander) and on stderr from `python -m llm_core logs`."""

from __future__ import annotations

from datetime import timedelta

from streamlit.testing.v1 import AppTest

from llm_core.cli.logs import main
from llm_core.store.csv_store import LogStore
from tests.pages.test_page_analytics import DAY, answer, open_page, show_tab, write_log

ONE_NOTE = "Some log rows were read, but not exactly as stored (1 note below); the numbers include them."
TOO_FEW_VOTES = "Not enough votes to rank yet"  # the leaderboard's own note on a small log, not a read note


def with_a_windows_1252_byte(path, word: str) -> None:
    """`word` in the file edited by a program that saved 'é' as the single byte 0xE9."""
    raw = path.read_bytes()
    assert raw.count(word.encode()) == 1
    path.write_bytes(raw.replace(word.encode(), "café".encode("cp1252")))


def lf(path) -> None:
    """The file saved again by an editor that writes LF line ends."""
    path.write_bytes(path.read_bytes().replace(b"\r\n", b"\n"))


def expander_text(at: AppTest, label: str) -> str:
    matching = [e for e in at.expander if e.label == label]
    assert matching, f"no expander {label!r}; expanders: {[e.label for e in at.expander]}"
    return "\n".join(t.value for t in matching[0].text)


def test_a_row_read_altered_is_named_with_its_file_and_row_on_the_analytics_page():
    store = write_log()
    with_a_windows_1252_byte(store.requests_path, "Tell me about Lyon, day 1")
    at = open_page()
    assert not at.exception
    assert [i.value for i in at.info] == [ONE_NOTE]
    assert not at.warning
    assert "requests.csv row 7: a byte that is not UTF-8 (0xE9)" in expander_text(at, "Which rows, and why")
    assert at.metric[0].value == "10"  # the row still counts


def test_a_ratings_file_saved_by_another_program_is_named_on_the_analytics_page():
    store = write_log()
    lf(store.ratings_path)
    at = open_page()
    assert not at.exception
    assert "ratings.csv was saved by another program (LF line ends)" in expander_text(at, "Which rows, and why")


def test_skipped_and_altered_rows_make_one_warning_that_names_both():
    store = write_log()
    with_a_windows_1252_byte(store.requests_path, "Tell me about Lyon, day 1")
    with store.requests_path.open("ab") as log:
        log.write(b'"only","three","fields"\r\n')
    at = open_page()
    assert not at.exception
    assert [w.value for w in at.warning] == [
        "1 log row could not be read and was skipped; the numbers here leave it out. "
        "Some others were read, but not exactly as stored (1 note below)."
    ]
    assert not at.info
    rows = expander_text(at, "Which rows, and why")
    assert "requests.csv row 12: 3 fields where" in rows and "requests.csv row 7: a byte that is not UTF-8" in rows


def test_a_vote_read_altered_is_named_where_votes_are_used():
    store = write_log()
    votes = store.votes_path.read_bytes()
    store.votes_path.write_bytes(votes.replace(b'"c1"', b'"c1 caf\xe9"', 1))
    at = open_page()
    assert not at.info and not at.warning  # the requests read exactly as stored
    show_tab(at, "Leaderboard")
    assert not at.exception
    assert [i.value for i in at.info if not i.value.startswith(TOO_FEW_VOTES)] == [ONE_NOTE]
    assert "votes.csv row 3: a byte that is not UTF-8 (0xE9)" in expander_text(at, "Which rows, and why")


def test_logs_read_exactly_as_stored_show_no_note():
    write_log()
    at = show_tab(open_page(), "Leaderboard")
    assert not at.exception
    assert not [i for i in at.info if not i.value.startswith(TOO_FEW_VOTES)] and not at.warning
    assert "Which rows, and why" not in [e.label for e in at.expander]


def test_the_leaderboard_counts_a_battle_once_the_answers_it_judged_are_logged():
    """A vote logged before its answers (another process logs them) counts once they arrive as ok."""
    store = write_log()
    late = [answer("llama-8b", comparison_id="c9", timestamp=DAY + timedelta(days=3)),
            answer("claude-haiku", comparison_id="c9", timestamp=DAY + timedelta(days=3))]  # fmt: skip
    ids = [r.request_id for r in late]
    store.append_vote("c9", ids[0], [r.model for r in late], ids)
    at = show_tab(open_page(), "Leaderboard")
    assert at.dataframe[0].value.set_index("model").loc["llama-8b", "wins"] == 0  # its answers are not logged yet
    for result in late:
        assert store.append_response(result) == ""
    at.run()
    assert not at.exception
    assert at.dataframe[0].value.set_index("model").loc["llama-8b", "wins"] == 1


def test_the_leaderboard_drops_a_battle_whose_answer_is_logged_again_as_failed():
    """requests.csv replaced (restored, edited) with the vote unchanged: the board follows the requests."""
    store = write_log()
    at = show_tab(open_page(), "Leaderboard")
    assert at.dataframe[0].value.set_index("model").loc["claude-haiku", "battles"] == 6
    raw = store.requests_path.read_bytes()
    rows = raw.split(b"\r\n")
    day_0_claude = next(i for i, row in enumerate(rows) if b'"claude-haiku"' in row)
    rows[day_0_claude] = rows[day_0_claude].replace(b',"ok",', b',"error",', 1)
    store.requests_path.write_bytes(b"\r\n".join(rows))
    at.run()
    assert not at.exception
    assert at.dataframe[0].value.set_index("model").loc["claude-haiku", "battles"] == 4


def test_logs_names_each_row_read_altered_on_stderr(capsys):
    store = LogStore()
    for n in range(25):
        assert store.append_response(answer("gpt-4o-mini", prompt=f"prompt {n:02d}")) == ""
    raw = store.requests_path.read_bytes()
    store.requests_path.write_bytes(raw.replace(b"prompt ", "prompté ".encode("cp1252")))
    assert main(["logs", "--tail", "3"]) == 0
    captured = capsys.readouterr()
    assert "prompt\ufffd 24" in captured.out
    lines = captured.err.splitlines()
    assert lines[0] == "note: some log rows were read, but not exactly as stored (25 notes):"
    assert lines[1].startswith("  requests.csv row 2: a byte that is not UTF-8 (0xE9)")
    assert len(lines) == 22 and lines[-1] == "  ... and 5 more"


def test_logs_says_nothing_more_when_every_row_read_as_stored(capsys):
    store = LogStore()
    assert store.append_response(answer("gpt-4o-mini")) == ""
    assert main(["logs"]) == 0
    assert capsys.readouterr().err == ""
