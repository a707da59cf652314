"""A comparison's setup (models, template, system prompt, parameters, optionally the prompt) as URL query parameters.

A share link opens the same setup for anyone with access to the app. It never carries a key: only the names below
are ever written or read, and a key pasted into the system prompt or the prompt is scrubbed. It never names the
models while blind mode hides them, and sends nothing by itself: the page puts the prompt in front of the user,
who sends it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlencode

from ..errors import SwitchboardError
from ..options import KNOWN_OPTIONS, Options, parse_options
from ..redact import redact

MODELS, TEMPLATE, SYSTEM, PROMPT, BLIND = "models", "template", "system", "prompt", "blind"
DRAFT, PANES = "draft", "panes"  # a page's own address: its unsent changes, and which panes they are for
MAX_SHARED_PANES = 4
MAX_PROMPT_CHARS = 8_000  # a link is not a file: browsers and proxies refuse very long URLs


@dataclass
class Setup:
    """What a share link (or a reopened conversation) sets up: the panes' models and the sidebar's settings."""

    models: list[str] = field(default_factory=list)
    template: str = ""
    system: str = ""
    options: Options = field(default_factory=Options)  # shared by every pane
    pane_options: list[Options] = field(default_factory=list)  # per pane, aligned with models; empty: none
    prompt: str = ""
    blind: bool = False


def to_query(setup: Setup, *, with_prompt: bool = True) -> dict[str, str]:
    """The setup as query parameters; blind mode leaves the models out (the opener gets the default models)."""
    query: dict[str, str] = {}
    if setup.blind:
        query[BLIND] = "1"
    elif setup.models:
        query[MODELS] = ",".join(setup.models[:MAX_SHARED_PANES])
    if setup.template:
        query[TEMPLATE] = setup.template
    if setup.system.strip():
        query[SYSTEM] = redact(setup.system)  # a key pasted into the text does not travel with the link
    query.update({name: _number(value) for name, value in setup.options.model_dump(exclude_none=True).items()})
    if not setup.blind:
        for i, options in enumerate(setup.pane_options[:MAX_SHARED_PANES]):
            for name, value in options.model_dump(exclude_none=True).items():
                query[f"{name}.{i + 1}"] = _number(value)
    if with_prompt and setup.prompt.strip():
        query[PROMPT] = redact(setup.prompt[:MAX_PROMPT_CHARS])
    return query


def share_url(base_url: str, setup: Setup, *, with_prompt: bool = True) -> str:
    """The link to open this setup: the page's address without its own query, then the setup's."""
    base = base_url.split("?", 1)[0].split("#", 1)[0]
    query = to_query(setup, with_prompt=with_prompt)
    return f"{base}?{urlencode(query)}" if query else base


@dataclass
class Draft:
    """Changes a page has not sent yet, kept in its own address beside the conversation's id, so a reload keeps
    them: the setup a share link would carry, and which panes it is for."""

    setup: Setup
    panes: list[tuple[str, str]]  # (pane id, model) in order; model "" where blind mode keeps it out
    pane_options: dict[str, Options]  # pane id -> its own parameters, where set


def draft_query(setup: Setup, pane_ids: list[str]) -> dict[str, str]:
    """A draft's query parameters: as a share link's (no key, no model while blind), with the panes' ids."""
    return {DRAFT: "1", PANES: ",".join(pane_ids[:MAX_SHARED_PANES]), **to_query(setup, with_prompt=True)}


def draft_from_query(query: Mapping[str, str], known_models: set[str]) -> Draft | None:
    """The draft a page's address keeps (None when it keeps none)."""
    if str(query.get(DRAFT, "")) != "1":
        return None
    setup, problems = from_query(query, known_models)
    ids = [p.strip() for p in str(query.get(PANES, "")).split(",") if p.strip()][:MAX_SHARED_PANES]
    asked = [m.strip() for m in str(query.get(MODELS, "")).split(",") if m.strip()]
    models = asked if len(asked) == len(ids) else [""] * len(ids)
    own = {pane_id: _options(query, f".{i + 1}", problems) for i, pane_id in enumerate(ids)}
    return Draft(
        setup or Setup(), list(zip(ids, models, strict=True)), {k: o for k, o in own.items() if o != Options()}
    )


def from_query(query: Mapping[str, str], known_models: set[str]) -> tuple[Setup | None, list[str]]:
    """The setup a link asks for (None when it asks for none), and what in it was set aside, in words."""
    if not any(name.split(".")[0] in (MODELS, TEMPLATE, SYSTEM, PROMPT, BLIND, *KNOWN_OPTIONS) for name in query):
        return None, []
    problems: list[str] = []
    asked = [m.strip() for m in str(query.get(MODELS, "")).split(",") if m.strip()][:MAX_SHARED_PANES]
    unknown = [m for m in asked if m not in known_models]
    if unknown:
        problems.append(f"not in this app's catalog, so left out: {', '.join(unknown)}")
    models = [m for m in asked if m in known_models]
    setup = Setup(
        models=models,
        template=str(query.get(TEMPLATE, "")),
        system=str(query.get(SYSTEM, "")),
        options=_options(query, "", problems),
        pane_options=[_options(query, f".{asked.index(m) + 1}", problems) for m in models],
        prompt=str(query.get(PROMPT, ""))[:MAX_PROMPT_CHARS],
        blind=str(query.get(BLIND, "")) == "1",
    )
    return setup, problems


def _options(query: Mapping[str, str], suffix: str, problems: list[str]) -> Options:
    values = {name: query.get(name + suffix) for name in KNOWN_OPTIONS if query.get(name + suffix) not in (None, "")}
    try:
        return parse_options({name: _parsed(value) for name, value in values.items()})
    except (SwitchboardError, ValueError) as e:
        problems.append(f"parameters{suffix and ' of pane ' + suffix[1:]} left at their defaults: {e}")
        return Options()


def _parsed(text: str) -> float | int:
    number = float(text)
    return int(number) if number.is_integer() and "." not in text and "e" not in text.lower() else number


def _number(value: float | int) -> str:
    return str(int(value)) if isinstance(value, int) else repr(float(value))
