"""Counting works offline on any input; options are bounded; keys never leak into text."""

import pytest

from llm_core import Options, OptionsError
from llm_core.options import parse_option_pairs
from llm_core.redact import mask, redact, register_secret
from llm_core.tokens import count_messages, count_text, estimate


def test_tiktoken_counts_offline_from_the_bundled_encoding():
    assert count_text("hello world") == (2, "tiktoken")


@pytest.mark.parametrize(
    "text", ["", "<|endoftext|> special", "emoji 🎉🎉 and 中文 and עברית", "lone surrogate \ud800 here", "x" * 200_000]
)
def test_counting_never_fails(text):
    count, source = count_text(text)
    assert count >= 0 and source == "tiktoken"


def test_chat_overhead_is_counted_per_message():
    one, _ = count_messages([{"role": "user", "content": "hi"}])
    two, _ = count_messages([{"role": "system", "content": "hi"}, {"role": "user", "content": "hi"}])
    assert two - one == count_text("hi")[0] + 4


def test_the_documented_estimate_is_four_characters_a_token():
    assert estimate("abcdefgh") == 2 and estimate("abcdefghi") == 3


def test_options_are_bounded_and_unknown_keys_list_the_known_ones():
    assert parse_option_pairs(["temperature=0.2", "max_tokens=50"]) == Options(temperature=0.2, max_tokens=50)
    with pytest.raises(OptionsError, match="known options: temperature, max_tokens, top_p"):
        parse_option_pairs(["temprature=1"])
    with pytest.raises(OptionsError, match="temperature"):
        parse_option_pairs(["temperature=3"])
    with pytest.raises(OptionsError, match="KEY=VALUE"):
        parse_option_pairs(["temperature"])


def test_options_fill_gaps_from_model_defaults():
    merged = Options(temperature=0.1).merged_over(Options(temperature=0.9, max_tokens=100))
    assert (merged.temperature, merged.max_tokens) == (0.1, 100)


@pytest.mark.parametrize(
    "leak",
    [
        "Incorrect API key provided: sk-proj-abcdefghijklmnop1234",
        "Authorization: Bearer gsk_abcdefghijklmnopqrstuvwx",
        "https://host/v1beta/models?key=AIzaSyA-1234567890abcdefghijklmn",
        "x-api-key: sk-ant-api03-abcdefghijklmnop",
    ],
)
def test_key_like_strings_are_redacted(leak):
    cleaned = redact(leak)
    assert "[REDACTED]" in cleaned
    assert not any(part in cleaned for part in ("abcdefghijklmnop", "AIzaSy"))


def test_a_configured_key_of_any_shape_is_redacted_and_masked():
    register_secret("plainsecretvalue42")
    assert "plainsecretvalue42" not in redact("the key plainsecretvalue42 was rejected")
    assert mask("plainsecretvalue42") == "…ue42"
