"""Prompt templates: named text with a {prompt} placeholder and an optional system prompt."""

from __future__ import annotations

import functools
import json
import logging
import os
import string
import tomllib
from dataclasses import dataclass
from pathlib import Path

from .errors import TemplateError
from .record import Message

SHIPPED_TEMPLATES = Path(__file__).with_name("templates.toml")
TEMPLATE_FIELDS = ("text", "system", "description")

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Template:
    """A named way of wrapping a prompt."""

    name: str
    text: str
    system: str = ""
    description: str = ""

    def render(self, prompt: str) -> str:
        """The template with {prompt} filled in (the prompt itself is never re-parsed)."""
        return self.text.format(prompt=prompt)


def _check(name: str, text: str, origin: Path) -> None:
    try:
        fields = [f for _, f, _, _ in string.Formatter().parse(text) if f is not None]
    except ValueError as e:
        raise TemplateError(f"template {name!r} in {origin}: {e} (write {{{{ and }}}} for literal braces)") from e
    unknown = sorted({f for f in fields if f != "prompt"})
    if unknown:
        raise TemplateError(
            f"template {name!r} in {origin}: unknown placeholder {{{unknown[0]}}}; only {{prompt}} is allowed"
        )
    if "prompt" not in fields:
        raise TemplateError(f"template {name!r} in {origin}: missing the {{prompt}} placeholder")


def _check_fields(name: str, entry: dict, origin: Path) -> None:
    """Only the known fields, each of them text: a misspelt `sytem` would otherwise be dropped without a word."""
    for field, value in entry.items():
        if field not in TEMPLATE_FIELDS:
            raise TemplateError(
                f"template {name!r} in {origin}, field {field}: unknown field; "
                f"known fields: {', '.join(TEMPLATE_FIELDS)}"
            )
        if not isinstance(value, str):
            raise TemplateError(
                f"template {name!r} in {origin}, field {field}: must be text in quotes, not {type(value).__name__}"
            )


def parse_templates_file(path: Path) -> dict[str, Template]:
    """Read templates from TOML or JSON; every problem names the file and the template."""
    try:
        raw = path.read_text(encoding="utf-8")
        data = json.loads(raw) if path.suffix == ".json" else tomllib.loads(raw)
    except (OSError, UnicodeDecodeError, ValueError) as e:  # TOMLDecodeError and JSONDecodeError are ValueErrors
        raise TemplateError(f"cannot read templates file {path}: {e}") from e
    entries = data.get("templates", data) if isinstance(data, dict) else None
    if not isinstance(entries, dict):
        raise TemplateError(f"templates file {path}: expected a table of named templates")
    templates = {}
    for name, entry in entries.items():
        if isinstance(entry, str):
            entry = {"text": entry}
        if not isinstance(entry, dict) or "text" not in entry:
            raise TemplateError(f"template {name!r} in {path}: needs a text field with {{prompt}} in it")
        _check_fields(name, entry, path)
        _check(name, entry["text"], path)
        templates[name] = Template(name, entry["text"], entry.get("system", ""), entry.get("description", ""))
    return templates


def load_templates() -> dict[str, Template]:
    """Shipped templates, with $SWITCHBOARD_TEMPLATES or ./templates.toml over them."""
    templates = dict(_read_once(SHIPPED_TEMPLATES))
    configured = os.environ.get("SWITCHBOARD_TEMPLATES")
    user = Path(configured) if configured else Path("templates.toml")
    if configured and not user.is_file():
        raise TemplateError(f"SWITCHBOARD_TEMPLATES points to {user}, which is not a file")
    if user.is_file():
        templates.update(_read_once(user))
    return templates


@dataclass(frozen=True)
class UsableTemplates:
    """The templates to offer, and why the user's templates file was not used (None when it was)."""

    templates: dict[str, Template]
    problem: str | None = None


def usable_templates() -> UsableTemplates:
    """load_templates(), or, when the user's file is bad, the shipped templates with `problem` saying what to fix."""
    try:
        return UsableTemplates(load_templates())
    except TemplateError as e:
        return UsableTemplates(dict(_read_once(SHIPPED_TEMPLATES)), _shipped_because(str(e)))


@functools.lru_cache(maxsize=8)
def _shipped_because(problem: str) -> str:
    # cached by message: the problem is logged once per mistake, not on every page run or request
    notice = f"{problem}. Until that is fixed, Switchboard offers only the templates it ships with."
    log.warning(notice)
    return notice


def _read_once(path: Path) -> dict[str, Template]:
    """The file's templates, parsed again only when it changes (the page asks on every run and every send)."""
    try:
        stat = path.stat()
    except OSError:
        return parse_templates_file(path)  # gone meanwhile: the parse says so in its own words
    return _parsed(str(path.resolve()), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=16)
def _parsed(path: str, mtime_ns: int, size: int) -> dict[str, Template]:
    return parse_templates_file(Path(path))


def get_template(name: str, templates: dict[str, Template] | None = None) -> Template:
    """A template by name (from usable_templates() unless given), or a TemplateError listing the known ones."""
    usable = usable_templates() if templates is None else UsableTemplates(templates)
    templates, problem = usable.templates, usable.problem
    if name not in templates:
        why = f"; your templates file was not used: {problem}" if problem else ""  # it may have been in that file
        raise TemplateError(f"unknown template {name!r}; known: {', '.join(templates)}{why}")
    return templates[name]


def compose_messages(
    prompt: str, template: str | None = None, system: str | None = None, history: list[Message] | None = None
) -> list[Message]:
    """A turn ready to send: the system prompt (explicit, else the template's), earlier turns, the templated prompt."""
    system_text = system or ""
    if template:
        chosen = get_template(template)
        prompt = chosen.render(prompt)
        system_text = system_text or chosen.system
    messages: list[Message] = [{"role": "system", "content": system_text}] if system_text else []
    return messages + list(history or []) + [{"role": "user", "content": prompt}]
