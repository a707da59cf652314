"""The model catalog: shipped TOML, overridden by the user's file, plus `provider:model` names and `auto`."""

from __future__ import annotations

import logging
import os
import time
import tomllib
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from .errors import CatalogError, UnknownModelError
from .options import Options
from .providers import PROVIDERS
from .providers.echo import EchoSettings

SHIPPED_CATALOG = Path(__file__).with_name("models.toml")
SETTINGS_MODELS = {"echo": EchoSettings}  # providers whose `settings` table is checked on reading
log = logging.getLogger(__name__)


class Model(BaseModel):
    """One model a user can pick: who serves it, what it costs, how it behaves by default."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    label: str
    provider: str
    name: str
    input_price: float | None = Field(None, ge=0, description="USD per million prompt tokens")
    output_price: float | None = Field(None, ge=0, description="USD per million completion tokens")
    cached_input_price: float | None = Field(None, ge=0, description="USD per million prompt tokens read from cache")
    cache_write_price: float | None = Field(None, ge=0, description="USD per million prompt tokens written to cache")
    context_window: int | None = Field(None, ge=1)
    priority: int = 0
    fallbacks: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    defaults: Options = Options()
    settings: dict = Field(default_factory=dict)
    base_url: str | None = None  # a custom OpenAI-compatible endpoint for this model only
    api_key: str | None = Field(None, repr=False)  # a session-only key for that endpoint; never from files
    api_key_var: str | None = Field(
        None, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$", description="the variable holding that endpoint's key"
    )  # named in a catalog file only: a base_url is sent no other key
    description: str = ""

    @field_validator("provider")
    @classmethod
    def _known_provider(cls, value: str) -> str:
        if value not in PROVIDERS:
            raise ValueError(f"unknown provider {value!r}; known: {', '.join(PROVIDERS)}")
        return value

    @property
    def is_demo(self) -> bool:
        return self.provider == "echo"

    @field_validator("settings")
    @classmethod
    def _settings_fit_provider(cls, value: dict, info: ValidationInfo) -> dict:
        checker = SETTINGS_MODELS.get(info.data.get("provider", ""))
        if checker is not None:
            checker.model_validate(value)  # its errors are reported as settings.<name>
        return value

    @property
    def priced(self) -> bool:
        return self.input_price is not None and self.output_price is not None

    def cost(
        self, prompt_tokens: int | None, completion_tokens: int | None, cached: int | None = None,
        cache_written: int | None = None,
    ) -> float | None:  # fmt: skip
        """USD for these token counts at the catalog's prices; None when prices or counts are unknown.

        `cached` and `cache_written` are the parts of `prompt_tokens` read from and written to the provider's prompt
        cache, priced at `cached_input_price` and `cache_write_price` (the input price where the catalog has none)."""
        if not self.priced or prompt_tokens is None or completion_tokens is None:
            return None
        cached, cache_written = min(cached or 0, prompt_tokens), min(cache_written or 0, prompt_tokens)
        fresh = max(prompt_tokens - cached - cache_written, 0)
        read_price = self.input_price if self.cached_input_price is None else self.cached_input_price
        write_price = self.input_price if self.cache_write_price is None else self.cache_write_price
        prompt_cost = fresh * self.input_price + cached * read_price + cache_written * write_price
        return (prompt_cost + completion_tokens * self.output_price) / 1_000_000


def adhoc_model(name: str) -> Model:
    """A model named `provider:model` that is not in the catalog (no prices known)."""
    provider, _, model_name = name.partition(":")
    if provider not in PROVIDERS or not model_name:
        raise UnknownModelError(
            f"unknown model {name!r}: use a catalog id (see `python -m llm_core models`) "
            f"or provider:model with a provider among {', '.join(PROVIDERS)}"
        )
    free = 0.0 if provider in ("ollama", "echo") else None  # local and demo models cost nothing
    return Model(
        id=name,
        label=f"{model_name} ({PROVIDERS[provider].label})",
        provider=provider,
        name=model_name,
        input_price=free,
        output_price=free,
    )


def describe_validation(error: ValidationError) -> str:
    """A pydantic error as `field x: problem; ...`, for messages a user reads."""
    return "; ".join(f"field {'.'.join(map(str, e['loc'])) or '(entry)'}: {e['msg']}" for e in error.errors())


def _where_keys_go(entry: dict) -> str:
    """Why a key in the catalog is refused, and the variable to put it in instead (the key itself is never shown)."""
    refusal = "keys do not belong in the catalog (it is shared, and often committed): remove this line"
    if entry.get("base_url"):
        return (
            f"{refusal}, put the key in an environment variable or .streamlit/secrets.toml, "
            'and name that variable here with api_key_var = "MY_ENDPOINT_KEY"'
        )
    spec = PROVIDERS.get(entry.get("provider", ""))
    if spec is None or not spec.key_vars:
        return f"{refusal}; this provider needs no key"
    where = "in the environment, in .streamlit/secrets.toml or on the Settings page"
    return f"{refusal} and set {spec.key_vars[0]} {where}"


def parse_catalog_file(path: Path) -> dict[str, Model]:
    """Read one catalog file; any problem names the file, the entry and the field."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as e:
        raise CatalogError(f"cannot read model catalog {path}: {e}") from e
    except tomllib.TOMLDecodeError as e:
        raise CatalogError(f"model catalog {path} is not valid TOML: {e}") from e
    entries = data.get("models", {})
    if not isinstance(entries, dict):
        raise CatalogError(f"model catalog {path}: [models] must be a table of entries")
    models = {}
    for model_id, entry in entries.items():
        if not isinstance(entry, dict):
            raise CatalogError(f"model catalog {path}, entry {model_id!r}: must be a table")
        if "api_key" in entry:
            raise CatalogError(f"model catalog {path}, entry {model_id!r}, field api_key: {_where_keys_go(entry)}")
        try:
            models[model_id] = Model(id=model_id, **entry)
        except ValidationError as e:
            raise CatalogError(f"model catalog {path}, entry {model_id!r}: {describe_validation(e)}") from e
        except TypeError as e:
            raise CatalogError(f"model catalog {path}, entry {model_id!r}: {e}") from e
    return models


def user_catalog_path() -> Path | None:
    """$SWITCHBOARD_MODELS, else ./models.toml when it exists; absolute, so messages say which file."""
    configured = os.environ.get("SWITCHBOARD_MODELS")
    if configured:
        path = Path(configured).absolute()
        if not path.is_file():
            raise CatalogError(f"SWITCHBOARD_MODELS points to {path}, which is not a file")
        return path
    local = Path("models.toml").absolute()
    return local if local.is_file() else None


@dataclass
class Catalog:
    """Models by id, with aliases, fallbacks checked, and session-added models."""

    models: dict[str, Model]
    sources: list[Path] = field(default_factory=list)
    origins: dict[str, Path] = field(default_factory=dict)  # the file each entry was read from
    problem: str | None = None  # why the user's catalog file was not used, when it was not

    def __post_init__(self):
        self.aliases = self._claimed_aliases()
        for model in self.models.values():
            for fallback in model.fallbacks:
                if fallback not in self.models and fallback not in self.aliases:
                    raise CatalogError(
                        f"{self._entry(model.id)}, field fallbacks: unknown model {fallback!r}; "
                        "name a catalog id or alias (see `python -m llm_core models`)"
                    )

    def _claimed_aliases(self) -> dict[str, str]:
        """Alias -> id; an alias claimed twice, or already another entry's id, would pick a model by file order."""
        claimed: dict[str, str] = {}
        for model in self.models.values():
            for alias in model.aliases:
                owner = alias if alias in self.models else claimed.get(alias, model.id)
                if owner != model.id:
                    what = "the id of" if alias in self.models else "already an alias of"
                    raise CatalogError(
                        f"{self._entry(model.id)}, field aliases: {alias!r} is {what} {self._entry(owner)}; "
                        "give each name to one entry"
                    )
                claimed[alias] = model.id
        return claimed

    def _entry(self, model_id: str) -> str:
        origin = self.origins.get(model_id)
        return f"model catalog {origin}, entry {model_id!r}" if origin else f"model {model_id!r}"

    def get(self, name: str) -> Model:
        """A model by id, alias, or `provider:model`; UnknownModelError lists what exists."""
        name = name.strip()
        if name in self.models:
            return self.models[name]
        if name in self.aliases:
            return self.models[self.aliases[name]]
        if ":" in name:
            return adhoc_model(name)
        raise UnknownModelError(f"unknown model {name!r}; known ids: {', '.join(self.models)} (or use provider:model)")

    def ids(self) -> list[str]:
        return list(self.models)

    def with_models(self, extra: list[Model]) -> Catalog:
        """A copy with more models (e.g. a session's custom endpoint, or discovered Ollama models)."""
        merged = dict(self.models)
        merged.update({m.id: m for m in extra})
        return Catalog(merged, self.sources, self.origins, self.problem)


@lru_cache(maxsize=8)
def _load(user_path: str | None, user_mtime: float | None) -> Catalog:
    models = parse_catalog_file(SHIPPED_CATALOG)
    sources = [SHIPPED_CATALOG]
    origins = dict.fromkeys(models, SHIPPED_CATALOG)
    if user_path:
        user_models = parse_catalog_file(Path(user_path))
        models.update(user_models)
        sources.append(Path(user_path))
        origins.update(dict.fromkeys(user_models, Path(user_path)))
    return Catalog(models, sources, origins)


def load_catalog() -> Catalog:
    """The shipped catalog with the user's file over it; re-read when that file changes. CatalogError if it is bad."""
    path = user_catalog_path()
    return _load(str(path) if path else None, path.stat().st_mtime if path else None)


def usable_catalog() -> Catalog:
    """load_catalog(), or, when the user's file is bad, the shipped catalog with `problem` saying what to fix."""
    try:
        return load_catalog()
    except CatalogError as e:
        return _shipped_because(str(e))


@lru_cache(maxsize=8)
def _shipped_because(problem: str) -> Catalog:
    # cached by message: the problem is logged once per mistake, not on every page run or request
    notice = f"{problem}. Until that is fixed, Switchboard offers only the models it ships with."
    log.warning(notice)
    return replace(_load(None, None), problem=notice)


_ollama_cache: dict[str, tuple[float, list[Model]]] = {}
OLLAMA_LIST_TTL_S = 30.0  # how long the models an Ollama server listed are trusted before it is asked again


def discover_ollama(base_url: str, ttl_s: float = OLLAMA_LIST_TTL_S, timeout_s: float = 0.4) -> list[Model]:
    """Models installed on an Ollama server that answers at base_url; [] when none does."""
    cached = _ollama_cache.get(base_url)
    if cached and _fresh(cached, ttl_s):
        return cached[1]
    import httpx

    root = base_url.removesuffix("/v1")
    try:
        reply = httpx.get(f"{root}/api/tags", timeout=timeout_s)
        reply.raise_for_status()
        names = [m["name"] for m in reply.json().get("models", []) if m.get("name")]
    except (httpx.HTTPError, ValueError, KeyError, TypeError):
        names = []  # no Ollama server here: nothing to list, and nothing is wrong
    models = [
        Model(
            id=f"ollama:{n}", label=f"{n} (Ollama, local)", provider="ollama", name=n, input_price=0.0, output_price=0.0
        )
        for n in names
    ]
    _ollama_cache[base_url] = (time.monotonic(), models)
    return models


def _fresh(cached: tuple[float, list[Model]] | None, ttl_s: float = OLLAMA_LIST_TTL_S) -> bool:
    return cached is not None and time.monotonic() - cached[0] < ttl_s


def local_models_known(config) -> bool:
    """True when `catalog_with_local_models` will not wait on the network: no Ollama URL is set, or the list of
    its models is fresh."""
    base_url = config.base_url_for(PROVIDERS["ollama"])
    return not base_url or _fresh(_ollama_cache.get(base_url))


def catalog_with_local_models(config) -> Catalog:
    """The usable catalog plus the models of an Ollama server, when one answers at the configured URL."""
    catalog = usable_catalog()
    base_url = config.base_url_for(PROVIDERS["ollama"])
    return catalog.with_models(discover_ollama(base_url)) if base_url else catalog
