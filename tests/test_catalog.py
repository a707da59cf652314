"""The model catalog: shipped models, the user's overrides, aliases, provider:model names and clear errors."""

import pytest

from llm_core import CatalogError, Config, UnknownModelError, load_catalog, pick_auto
from llm_core.catalog import discover_ollama
from llm_core.providers import PROVIDERS


def test_every_provider_ships_with_at_least_one_model():
    providers = {m.provider for m in load_catalog().models.values()}
    assert providers >= {"openai", "groq", "gemini", "anthropic", "openrouter", "ollama", "echo"}


@pytest.mark.parametrize("alias", ["llama", "llama2", "mistral", "groq", "gemini"])
def test_the_seed_services_aliases_still_work(alias):
    model = load_catalog().get(alias)
    assert model.id != alias and model.provider in PROVIDERS


def test_a_model_can_be_named_provider_colon_model_without_an_entry():
    model = load_catalog().get("openai:gpt-4o-mini")
    assert (model.provider, model.name, model.input_price) == ("openai", "gpt-4o-mini", None)
    assert load_catalog().get("ollama:llama3.2").cost(1000, 1000) == 0.0


def test_an_unknown_model_lists_the_known_ids():
    with pytest.raises(UnknownModelError, match="known ids: echo"):
        load_catalog().get("gpt-17")
    with pytest.raises(UnknownModelError, match="provider:model"):
        load_catalog().get("nosuchprovider:thing")


def test_cost_comes_from_the_catalog_prices():
    model = load_catalog().get("gpt-4o-mini")
    assert model.cost(1_000_000, 1_000_000) == pytest.approx(model.input_price + model.output_price)
    assert load_catalog().get("openai:some-new-model").cost(10, 10) is None  # unknown price is not $0


def test_a_user_file_overrides_and_extends_the_shipped_catalog(tmp_path):
    (tmp_path / "models.toml").write_text(
        '[models.echo]\nlabel = "My echo"\nprovider = "echo"\nname = "e"\n'
        '[models.local-vllm]\nlabel = "vLLM box"\nprovider = "openai"\nname = "qwen"\nbase_url = "http://gpu:8000/v1"\n'
    )
    catalog = load_catalog()
    assert catalog.get("echo").label == "My echo"
    assert catalog.get("local-vllm").base_url == "http://gpu:8000/v1"
    assert "gpt-4o-mini" in catalog.models


def test_a_bad_catalog_names_the_file_the_entry_and_the_field(tmp_path, monkeypatch):
    path = tmp_path / "mine.toml"
    path.write_text('[models.cheap]\nlabel = "Cheap"\nprovider = "openai"\nname = "x"\ninput_price = -1\n')
    monkeypatch.setenv("SWITCHBOARD_MODELS", str(path))
    with pytest.raises(CatalogError) as caught:
        load_catalog()
    message = str(caught.value)
    assert "mine.toml" in message and "'cheap'" in message and "input_price" in message


@pytest.mark.parametrize(
    "text, expected",
    [
        ("[models.x\n", "not valid TOML"),
        ('[models.x]\nlabel = "X"\nprovider = "nope"\nname = "x"\n', "unknown provider 'nope'"),
        ('[models.x]\nlabel = "X"\nprovider = "openai"\nname = "x"\ncolour = "red"\n', "colour"),
        ('[models.x]\nlabel = "X"\nprovider = "openai"\nname = "x"\nfallbacks = ["ghost"]\n', "unknown model 'ghost'"),
    ],
)
def test_catalog_mistakes_are_explained(tmp_path, text, expected):
    (tmp_path / "models.toml").write_text(text)
    with pytest.raises(CatalogError, match=expected):
        load_catalog()


def test_a_missing_catalog_path_says_so(monkeypatch, tmp_path):
    monkeypatch.setenv("SWITCHBOARD_MODELS", str(tmp_path / "absent.toml"))
    with pytest.raises(CatalogError, match="absent.toml"):
        load_catalog()


def test_auto_falls_back_to_the_offline_demo_when_nothing_is_configured():
    assert pick_auto(load_catalog(), Config()).provider == "echo"


def test_auto_prefers_priority_then_price_among_configured_models(monkeypatch):
    monkeypatch.setenv("GEMINI_API_KEY", "test-gemini-key")
    monkeypatch.setenv("OPENAI_API_KEY", "test-openai-key")
    catalog = load_catalog()
    chosen = pick_auto(catalog, Config())
    candidates = [m for m in catalog.models.values() if m.provider in ("gemini", "openai")]
    best = max(m.priority for m in candidates)
    tied = [m for m in candidates if m.priority == best]
    assert chosen.priority == best
    assert chosen.input_price + chosen.output_price == min(m.input_price + m.output_price for m in tied)


def test_models_without_keys_are_listed_as_not_configured_with_the_variable():
    status = Config().status("anthropic")
    assert not status.configured and "ANTHROPIC_API_KEY" in status.hint
    assert Config().status("echo").configured
    assert not Config().status("ollama").configured  # no Ollama server answers in tests: not running, not ready


def test_gemini_accepts_google_api_key_too(monkeypatch):
    monkeypatch.setenv("GOOGLE_API_KEY", "g-key-123456")
    status = Config().status("gemini")
    assert status.configured and status.key.source == "environment" and status.key.masked == "…3456"


def test_session_keys_win_over_secrets_and_the_environment(monkeypatch):
    monkeypatch.setenv("GROQ_API_KEY", "env-key-aaaa")
    config = Config(session={"GROQ_API_KEY": "session-key-bbbb"}, secrets={"GROQ_API_KEY": "secret-key-cccc"})
    assert config.status("groq").key.source == "session"
    assert Config(secrets={"GROQ_API_KEY": "secret-key-cccc"}).status("groq").key.source == "secrets"


def test_no_ollama_server_means_no_discovered_models():
    assert discover_ollama("http://127.0.0.1:9") == []
