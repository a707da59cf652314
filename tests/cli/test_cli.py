"""The command line, as a script author uses it: models, ask, compare, logs, rate, and exit codes."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from llm_core.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
FAST_ECHO = (
    '[models.quick]\nlabel = "Quick (offline demo)"\nprovider = "echo"\nname = "q"\n'
    "settings = { ttft_ms = 5, tokens_per_s = 2000 }\n"
)


@pytest.fixture(autouse=True)
def quick_echo(isolated):
    (isolated / "models.toml").write_text(FAST_ECHO)


def run_cli(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
    """Run `python -m llm_core` for real, in the test's working directory."""
    env = {k: v for k, v in __import__("os").environ.items()}
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-m", "llm_core", *args], input=stdin, capture_output=True, text=True, env=env, timeout=60
    )


def test_models_lists_every_model_with_configuration_and_prices():
    done = run_cli("models", "--json")
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    by_id = {row["id"]: row for row in rows}
    assert done.returncode == 0
    assert by_id["quick"]["configured"] and not by_id["gpt-4o-mini"]["configured"]
    assert "OPENAI_API_KEY" in by_id["gpt-4o-mini"]["hint"] and by_id["gpt-4o-mini"]["input_price"] == 0.15


def test_ask_streams_the_answer_to_stdout_and_figures_to_stderr():
    done = run_cli("ask", "-m", "quick", "What is a river?")
    assert done.returncode == 0
    assert "What is a river?" in done.stdout and "[offline demo" in done.stdout
    assert "TTFT" in done.stderr and "[ok]" in done.stderr


def test_compare_json_prints_one_object_per_model_and_logs_them(capsys):
    assert main(["compare", "-m", "quick", "-m", "echo", "--json", "Name three rivers"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert sorted(line["model"] for line in lines) == ["echo", "quick"]
    assert len({line["comparison_id"] for line in lines}) == 1
    for line in lines:
        assert {
            "request_id",
            "requested_model",
            "provider",
            "text",
            "status",
            "error",
            "latency_ms",
            "ttft_ms",
            "prompt_tokens",
            "completion_tokens",
            "token_source",
            "cost_usd",
        } <= set(line)
    assert main(["logs", "--json", "--tail", "5"]) == 0
    logged = json.loads(capsys.readouterr().out)
    assert {row["request_id"] for row in logged} == {line["request_id"] for line in lines}


def test_a_prompt_of_dash_is_read_from_stdin_and_templates_apply():
    done = run_cli("ask", "-m", "quick", "--template", "summarize", "--json", "-", stdin="The Nile is long.")
    record = json.loads(done.stdout)
    assert done.returncode == 0 and record["template"] == "summarize"
    assert "Summarise the following" in record["text"] and "The Nile is long." in record["text"]


def test_options_are_passed_and_bad_ones_are_usage_errors(capsys):
    assert main(["ask", "-m", "quick", "-o", "max_tokens=3", "--json", "count to ten"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["finish_reason"] == "length" and record["max_tokens"] == 3
    assert main(["ask", "-m", "quick", "-o", "temp=1", "x"]) == 2
    assert "known options: temperature" in capsys.readouterr().err


@pytest.mark.parametrize(
    "args, expected",
    [
        (["ask", "-m", "no-such-model", "hi"], "unknown model 'no-such-model'"),
        (["ask", "-m", "quick", "   "], "the prompt is empty"),
        (["ask", "-m", "quick", "-m", "echo", "hi"], "use compare"),
        (["ask", "-m", "quick", "--template", "nope", "hi"], "unknown template"),
    ],
)
def test_bad_usage_exits_2_with_a_message(capsys, args, expected):
    assert main(args) == 2
    assert expected in capsys.readouterr().err


def test_a_failed_response_exits_1_and_says_which_key_to_set(capsys):
    assert main(["ask", "-m", "claude-haiku-4.5", "hi"]) == 1
    assert "ANTHROPIC_API_KEY" in capsys.readouterr().err


def test_rate_records_a_rating_for_a_logged_response(capsys):
    main(["ask", "-m", "quick", "--json", "rate me"])
    request_id = json.loads(capsys.readouterr().out)["request_id"]
    assert main(["rate", request_id, "4"]) == 0
    assert main(["rate", "unknown-id", "4"]) == 1
    assert main(["rate", request_id, "9"]) == 2
    from llm_core.store.csv_store import LogStore

    frame = LogStore().read_requests().frame
    assert frame.loc[frame.request_id == request_id, "stars"].iloc[0] == 4


def test_importing_the_core_or_listing_models_imports_no_sdk():
    code = (
        "import sys, llm_core; from llm_core.cli.main import main; main(['models'])\n"
        "loaded = [m for m in ('openai', 'groq', 'anthropic', 'google.genai') if m in sys.modules]\n"
        "print('LOADED', loaded)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert "LOADED []" in done.stdout


def test_with_no_model_named_and_no_keys_compare_uses_the_offline_demo_pair(capsys):
    assert main(["compare", "--json", "hello"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert sorted(line["model"] for line in lines) == ["echo", "echo-outline"]
    assert main(["ask", "--json", "hello"]) == 0
    assert json.loads(capsys.readouterr().out)["requested_model"] == "auto"
