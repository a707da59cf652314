"""Switchboard's core: providers, catalog, templates, tokens, cost, retries, fallback and the log.

Importing this package imports no provider SDK; each is imported on first use.
"""

from .catalog import Catalog, Model, load_catalog
from .compare import Comparison, Event, Job
from .config import Config, configure
from .engine import Turn, ask, check_fits, pick_auto
from .errors import (
    CatalogError,
    ContextTooLongError,
    NeedsKeyError,
    OptionsError,
    ProviderError,
    SwitchboardError,
    TemplateError,
    UnknownModelError,
)
from .options import Options, parse_options
from .policy import Policy
from .readiness import ready_models
from .record import Message, Result, new_id
from .templates import Template, get_template, load_templates

__all__ = [
    "Catalog",
    "Model",
    "load_catalog",
    "Comparison",
    "Event",
    "Job",
    "Config",
    "configure",
    "Turn",
    "ask",
    "check_fits",
    "pick_auto",
    "ready_models",
    "CatalogError",
    "ContextTooLongError",
    "NeedsKeyError",
    "OptionsError",
    "ProviderError",
    "SwitchboardError",
    "TemplateError",
    "UnknownModelError",
    "Options",
    "parse_options",
    "Policy",
    "Message",
    "Result",
    "new_id",
    "Template",
    "get_template",
    "load_templates",
]
