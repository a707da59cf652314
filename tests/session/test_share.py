"""Share links: a comparison's setup as query parameters, round-tripped; never a key, never a blind model's name."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

from llm_core import Options
from llm_core.session.share import Setup, from_query, share_url, to_query

KNOWN = {"echo", "echo-outline", "gpt-4o-mini"}


def round_trip(setup: Setup, with_prompt: bool = True) -> tuple[Setup, list[str]]:
    url = share_url("http://localhost:8501/compare?c=abc#top", setup, with_prompt=with_prompt)
    return from_query(dict(parse_qsl(urlsplit(url).query)), KNOWN)


def test_a_setup_comes_back_whole_from_its_link():
    setup = Setup(
        models=["echo", "gpt-4o-mini"],
        template="summarize",
        system="Answer in French, & briefly?",
        options=Options(temperature=0.7, max_tokens=256),
        pane_options=[Options(top_p=0.5), Options()],
        prompt="Why is the sky blue?\nTwo lines.",
    )

    back, problems = round_trip(setup)

    assert back == setup and problems == []


def test_the_link_replaces_the_pages_own_address_query():
    url = share_url("http://host:8501/compare?c=abc#top", Setup(models=["echo"]))
    assert url == "http://host:8501/compare?models=echo"


def test_the_prompt_stays_out_unless_asked_for():
    back, _ = round_trip(Setup(models=["echo"], prompt="secret plans"), with_prompt=False)
    assert back.prompt == ""


def test_blind_mode_leaves_the_model_names_out_of_the_link():
    setup = Setup(models=["echo", "gpt-4o-mini"], pane_options=[Options(top_p=0.5)], blind=True, prompt="hi")
    query = to_query(setup)
    assert "echo" not in str(query) and "gpt" not in str(query)
    back, _ = round_trip(setup)
    assert back.blind and back.models == []


def test_only_setup_names_are_read_from_a_link_so_a_key_in_it_is_ignored():
    setup, _ = from_query({"models": "echo", "api_key": "sk-live-123", "OPENAI_API_KEY": "sk-live-123"}, KNOWN)
    assert "sk-live" not in repr(setup)
    assert set(to_query(setup)) == {"models"}


def test_unknown_models_and_bad_parameters_are_set_aside_and_named():
    setup, problems = from_query({"models": "echo,nope", "temperature": "9", "top_p.1": "x"}, KNOWN)
    assert setup.models == ["echo"] and setup.options == Options()
    assert any("nope" in p for p in problems)
    assert any("temperature" in p for p in problems) and any("pane 1" in p for p in problems)


def test_a_plain_address_asks_for_no_setup():
    assert from_query({"c": "abc123"}, KNOWN) == (None, [])


def test_a_key_pasted_into_the_prompt_or_system_prompt_is_scrubbed_from_the_link():
    from llm_core.redact import forget_secrets, register_secret

    register_secret("my-own-secret-value")
    try:
        setup = Setup(models=["echo"], system="use key sk-abcdefghijklmnop", prompt="call with my-own-secret-value")
        url = share_url("http://host/", setup)
    finally:
        forget_secrets()

    assert "sk-abcdefghijklmnop" not in url and "my-own-secret-value" not in url
    assert "REDACTED" in url
