"""Rating and voting from the command line (`rate` by a unique prefix, `vote`), and how ask and compare print."""

from __future__ import annotations

import json

import pytest

from llm_core.cli.main import main
from llm_core.record import Result
from llm_core.store.csv_store import default_store

SLOW_FIRST = (
    '[models.slow]\nlabel = "Slow"\nprovider = "echo"\nname = "s"\nsettings = { ttft_ms = 300, tokens_per_s = 2000 }\n'
    '[models.quick]\nlabel = "Quick"\nprovider = "echo"\nname = "q"\nsettings = { ttft_ms = 0, tokens_per_s = 5000 }\n'
)


@pytest.fixture(autouse=True)
def echo_models(isolated, monkeypatch):
    monkeypatch.setenv("SWITCHBOARD_MODELS", str(isolated / "models.toml"))
    (isolated / "models.toml").write_text(SLOW_FIRST)


def compare_json(capsys, *models: str) -> list[dict]:
    """Run `compare --json` with these models; the rows it printed."""
    flags = [arg for m in models for arg in ("-m", m)]
    assert main(["compare", "--json", *flags, "hello"]) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def test_vote_records_the_winner_of_a_comparison_for_the_leaderboard(capsys):
    rows = compare_json(capsys, "slow", "quick")
    comparison, winner = rows[0]["comparison_id"], next(r for r in rows if r["model"] == "quick")

    assert main(["vote", comparison[:6], winner["request_id"][:6]]) == 0  # unique prefixes, as git takes them

    assert "quick" in capsys.readouterr().out
    vote = default_store().read_votes().frame.iloc[-1]
    assert vote["winner"] == winner["request_id"] and sorted(vote["models"]) == ["quick", "slow"]


def test_vote_takes_tie_or_both_bad_once_per_comparison(capsys):
    comparison = compare_json(capsys, "slow", "quick")[0]["comparison_id"]
    assert main(["vote", comparison, "both_bad"]) == 0
    capsys.readouterr()

    assert main(["vote", comparison, "tie"]) == 1
    assert "already has a vote" in capsys.readouterr().err
    assert default_store().read_votes().frame["winner"].tolist() == ["both_bad"]


def test_vote_refuses_an_unknown_comparison_or_winner_saying_what_to_give(capsys):
    comparison = compare_json(capsys, "slow", "quick")[0]["comparison_id"]
    assert main(["vote", "nosuchcomparison", "tie"]) == 1
    assert "no logged comparison" in capsys.readouterr().err
    assert main(["vote", comparison, "someone-else"]) == 1
    err = capsys.readouterr().err
    assert "choose one of" in err and err.rstrip().endswith("tie, both_bad")
    assert default_store().read_votes().frame.empty


def test_rate_takes_a_unique_prefix_of_the_request_id(capsys):
    request_id = compare_json(capsys, "quick", "slow")[0]["request_id"]
    assert main(["rate", request_id[:5], "4"]) == 0
    assert f"Rated {request_id}" in capsys.readouterr().out
    assert default_store().find_request(request_id)["stars"] == 4


def test_rate_refuses_an_ambiguous_prefix_listing_the_matches(capsys):
    store = default_store()
    for request_id in ("abcd1111", "abcd2222"):
        store.append_response(Result(model="quick", requested_model="quick", request_id=request_id, status="ok"))
    assert main(["rate", "abcd", "5"]) == 1
    err = capsys.readouterr().err
    assert "matches 2 request ids" in err and "abcd1111" in err and "abcd2222" in err
    assert store.read_ratings().frame.empty


def test_rate_refuses_an_error_row_with_a_clear_message(capsys):
    failed = Result(model="quick", requested_model="quick", status="error", error="the provider failed (500)")
    default_store().append_response(failed)
    assert main(["rate", failed.request_id, "1"]) == 1
    err = capsys.readouterr().err
    assert "failed (the provider failed (500))" in err and "no answer to rate" in err
    assert default_store().read_ratings().frame.empty


def test_compare_prints_answers_in_the_order_of_the_model_flags(capsys):
    assert main(["compare", "-m", "slow", "-m", "quick", "hello"]) == 0
    out = capsys.readouterr().out
    assert out.index("── Slow ──") < out.index("── Quick ──")  # slow finishes last, yet is printed first


def test_ask_ends_its_output_with_a_newline(capsys):
    assert main(["ask", "-m", "quick", "hello"]) == 0
    out = capsys.readouterr().out
    assert out.endswith("\n") and "You said: hello" in out


def test_a_failed_ask_prints_its_error_without_a_line_of_empty_figures(capsys):
    assert main(["ask", "-m", "gpt-4o-mini", "hello"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "OPENAI_API_KEY" in captured.err and "TTFT" not in captured.err and "– · –" not in captured.err


def test_a_failed_model_in_compare_shows_its_error_in_its_place(capsys):
    assert main(["compare", "-m", "gpt-4o-mini", "-m", "quick", "hello"]) == 1
    out = capsys.readouterr().out
    section = out[out.index("── GPT-4o mini ──") : out.index("── Quick ──")]
    assert "[error]" in section and "OPENAI_API_KEY" in section and "TTFT" not in section


def test_json_names_the_answer_response_like_the_log_and_the_api_and_keeps_text_for_now(capsys):
    row = compare_json(capsys, "quick", "slow")[0]
    assert "You said: hello" in row["response"] and row["text"] == row["response"]
    assert default_store().find_request(row["request_id"])["response"] == row["response"]
