"""Which models a Compare page opens on and offers: the defaults, the next pane's model, and the picker's choices."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from ..catalog import Catalog, Model
from ..config import Config
from ..providers import PROVIDERS
from ..readiness import is_ready, not_ready_reason, ready_models
from .pane import MIN_PANES

DEMO_MODELS = ("echo", "echo-outline")


def default_models(catalog: Catalog, config: Config, count: int = MIN_PANES) -> list[str]:
    """The models a new page opens on: the best ready ones, one provider each first; the echo demos when none is."""
    ready = ready_models(catalog, config)
    if not ready:
        return [m for m in DEMO_MODELS if m in catalog.models][:count] or catalog.ids()[:count]
    first_of_provider = [m for i, m in enumerate(ready) if m.provider not in {p.provider for p in ready[:i]}]
    chosen = (first_of_provider + [m for m in ready if m not in first_of_provider])[:count]
    while len(chosen) < count:  # fewer ready models than panes: fill with a demo model
        chosen.append(catalog.get(DEMO_MODELS[0]))
    return [m.id for m in chosen]


def next_pane_model(catalog: Catalog, config: Config, shown: Collection[str]) -> str:
    """The model a new pane starts on: the best ready model not shown yet (a provider not shown yet first),
    else a demo not shown yet, else the best default."""
    providers_shown = {catalog.models[m].provider for m in shown if m in catalog.models}
    ready = sorted(ready_models(catalog, config), key=lambda m: m.provider in providers_shown)  # stable: by rank
    demos = [catalog.models[m] for m in DEMO_MODELS if m in catalog.models]
    demos += [m for m in catalog.models.values() if m.is_demo and m not in demos]
    fresh = next((m.id for m in [*ready, *demos] if m.id not in shown), None)
    return fresh or default_models(catalog, config, 1)[0]


@dataclass(frozen=True)
class Choice:
    """One entry of a pane's model picker."""

    id: str
    label: str  # "OpenAI · GPT-4o mini"
    configured: bool
    hint: str  # what to set when not configured


def model_choices(catalog: Catalog, config: Config) -> list[Choice]:
    """Every model grouped by provider: ready ones first, then the offline demo, local servers, and the rest."""
    provider_rank = {name: i for i, name in enumerate(PROVIDERS)}

    def order(m: Model) -> tuple:
        if is_ready(m, config):
            group = 0
        elif m.is_demo:
            group = 1
        else:  # a keyless local server not answering (or without the model), or a provider without its key
            group = 2 if not PROVIDERS[m.provider].needs_key or config.status(m.provider).configured else 3
        return group, provider_rank.get(m.provider, 99), -m.priority, m.label

    choices = []
    for m in sorted(catalog.models.values(), key=order):
        label_of_provider = PROVIDERS[m.provider].label
        named = label_of_provider.split()[0] in m.label  # "Llama 3.3 70B (Groq)" already says who serves it
        label = m.label if named else f"{label_of_provider} · {m.label}"
        reason = not_ready_reason(m, config)
        choices.append(Choice(m.id, label, not reason, reason))
    return choices
