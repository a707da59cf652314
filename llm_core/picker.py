"""Which models a Compare page opens on and offers: readiness, the defaults, and the picker's choices."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from .catalog import Catalog, Model
from .config import Config, local_server_models
from .pane import MIN_PANES
from .providers import PROVIDERS
from .redact import public_url

DEMO_MODELS = ("echo", "echo-outline")


def not_ready_reason(model: Model, config: Config) -> str:
    """What to do before this model can be called; "" when it can now (the offline demo always can)."""
    if model.is_demo:
        return ""
    if model.base_url:  # its own endpoint: ready unless the variable its entry names for the key is unset
        unset = model.api_key_var and not model.api_key and not config.lookup(model.api_key_var).value
        return f"set {model.api_key_var} (environment or secrets.toml)" if unset else ""
    status = config.status(model.provider)
    if not status.configured:
        return status.hint
    spec = PROVIDERS[model.provider]
    if spec.probe_path and model.name not in _installed(local_server_models(spec, status.base_url)):
        where = public_url((status.base_url or "").removesuffix(spec.openai_path))
        return f"not installed on the server at {where}: run `ollama pull {model.name}` there"
    return ""


def is_ready(model: Model, config: Config) -> bool:
    """True when this real (non-demo) model can be called: its key is set, or its local server answers and lists it."""
    return not model.is_demo and not not_ready_reason(model, config)


def _installed(listed: tuple[str, ...] | None) -> set[str]:
    """Installed names, also without Ollama's default tag: `llama3.2` is listed as `llama3.2:latest`."""
    return {variant for name in listed or () for variant in (name, name.removesuffix(":latest"))}


def ready_models(catalog: Catalog, config: Config) -> list[Model]:
    """The models that can be called now, most preferred first: priority, then the lower price."""
    price = lambda m: (m.input_price or 0) + (m.output_price or 0)  # noqa: E731
    return sorted(
        (m for m in catalog.models.values() if is_ready(m, config)), key=lambda m: (-m.priority, price(m), m.id)
    )


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
