"""Conversations for the core Compare tests: the shared echo catalog, panes on chosen models, turns run to the end."""

from __future__ import annotations

from llm_core import Catalog, load_catalog
from llm_core.session.conversation import Conversation
from tests.catalogs import COMPARE_MODELS, echo_model, use_catalog

CONVERSATION_MODELS = {
    **COMPARE_MODELS,
    "echo-500": echo_model("Echo at 500 tok/s", "fast", ttft_ms=100, tokens_per_s=500),
    "echo-slow": echo_model("Slow echo", "slow", tokens_per_s=8),
}


def conversation_catalog(folder, monkeypatch) -> Catalog:
    """The shipped catalog with the test echo models added, as the conversation tests read it."""
    use_catalog(folder, monkeypatch, CONVERSATION_MODELS)
    return load_catalog()


def conversation_of(catalog: Catalog, *models: str) -> Conversation:
    """A conversation with one pane per model, in order."""
    c = Conversation()
    for model in models:
        c.add_pane(model, catalog.get(model).label)
    return c


def run(c: Conversation, comparison) -> None:
    """Stream the turn in flight to its end, as the page does."""
    assert comparison is not None and c.live is not None
    for _ in c.live.ticks():
        pass
    c.live = None


def ask_all(c: Conversation, catalog: Catalog, prompt: str, **kw) -> None:
    """Send a prompt to every pane and wait for all the answers."""
    run(c, c.start_turn(prompt, catalog=catalog, **kw))
