"""Whether a model can be called now: its key is set, or its local server answers and lists it; the ready ones
in order of preference (what `auto` and the Compare defaults start from)."""

from __future__ import annotations

from .catalog import Catalog, Model
from .config import Config, local_server_models
from .providers import PROVIDERS
from .redact import public_url


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
