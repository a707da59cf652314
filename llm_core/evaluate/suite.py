"""A suite file (TOML, YAML, CSV or JSONL) read into cases, each with its prompt and checked assertions.

Everything is validated before anything is sent: an unknown key or assertion, a bad regex or an invalid JSON
Schema is a `SuiteError` naming the file, the case and the field.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..errors import OptionsError
from ..options import Options, parse_options
from ..record import Message
from .assertions import Assertion, SuiteError, parse_assertion
from .judge import PROMPTS, JudgePrompt, custom_prompts

SUITE_KEYS = {
    "name", "description", "models", "options", "repeats", "judge", "pairwise", "judge_prompts", "prompt", "system",
    "assert", "cases",
}  # fmt: skip
CASE_KEYS = {"id", "prompt", "vars", "system", "expected", "tags", "assert", "description"}
FORMATS = {".toml": "toml", ".yaml": "yaml", ".yml": "yaml", ".csv": "csv", ".jsonl": "jsonl", ".json": "jsonl"}
MAX_REPEATS = 100
_VARIABLE = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


@dataclass(frozen=True)
class Case:
    """One prompt of a suite, with what its answers must satisfy."""

    id: str
    prompt: str
    system: str = ""
    expected: str = ""
    tags: tuple[str, ...] = ()
    assertions: tuple[Assertion, ...] = ()

    def messages(self) -> list[Message]:
        """The conversation sent to every model for this case."""
        system: list[Message] = [{"role": "system", "content": self.system}] if self.system else []
        return [*system, {"role": "user", "content": self.prompt}]


@dataclass(frozen=True)
class Suite:
    """A named set of cases and its defaults (models, options, repeats, judge)."""

    name: str
    cases: tuple[Case, ...]
    models: tuple[str, ...] = ()
    options: Options = field(default_factory=Options)
    repeats: int = 1
    judge: str = ""
    pairwise: bool = False  # the judge also compares every pair of models on each case
    judge_prompts: dict[str, JudgePrompt] = field(default_factory=lambda: dict(PROMPTS))
    source: str = ""  # the file it was read from, for messages
    content_hash: str = ""  # of the file's bytes: a changed suite is a different suite

    def case(self, case_id: str) -> Case:
        """The case with this id."""
        return next(c for c in self.cases if c.id == case_id)

    @property
    def needs_judge(self) -> bool:
        """True when some case has a judge assertion."""
        return self.pairwise or any(a.type == "judge" for c in self.cases for a in c.assertions)


def load_suite(path: str | Path, text: bytes | None = None) -> Suite:
    """Read and check a suite file; `text` gives its bytes when they are not on disk (an upload)."""
    path = Path(path)
    kind = FORMATS.get(path.suffix.lower())
    if kind is None:
        raise SuiteError(f"{path}: a suite is a .toml, .yaml, .csv or .jsonl file, not {path.suffix or 'no suffix'}")
    try:
        data = path.read_bytes() if text is None else text
    except OSError as e:
        raise SuiteError(f"{path}: could not read the suite: {e.strerror or e}") from e
    try:
        content = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise SuiteError(f"{path}: the suite is not UTF-8 text (byte {e.start}); save it as UTF-8") from e
    raw = _READERS[kind](content, path)
    return build_suite(raw, source=str(path), content_hash=hashlib.sha256(data).hexdigest()[:16])


def _read_toml(content: str, path: Path) -> dict:
    try:
        return tomllib.loads(content)
    except tomllib.TOMLDecodeError as e:
        raise SuiteError(f"{path}: not valid TOML: {e}") from e


def _read_yaml(content: str, path: Path) -> dict:
    try:
        data = yaml.safe_load(content)
    except yaml.YAMLError as e:
        raise SuiteError(f"{path}: not valid YAML: {e}") from e
    if not isinstance(data, dict):
        raise SuiteError(f"{path}: a YAML suite is a mapping with `cases`, not a {type(data).__name__}")
    return data


def _read_jsonl(content: str, path: Path) -> dict:
    """One case per line; a line {"suite": {...}} holds the suite-level keys."""
    suite: dict[str, Any] = {"name": path.stem}
    cases = []
    for number, line in enumerate(content.splitlines(), 1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as e:
            raise SuiteError(f"{path} line {number}: not valid JSON: {e.msg}") from e
        if not isinstance(value, dict):
            raise SuiteError(f"{path} line {number}: each line is a JSON object (a case)")
        if set(value) == {"suite"} and isinstance(value["suite"], dict):
            suite.update(value["suite"])
        else:
            cases.append(value)
    suite["cases"] = cases
    return suite


def _read_csv(content: str, path: Path) -> dict:
    """Columns id, prompt, expected (and optional system, tags): each answer must contain its row's `expected`,
    in any case; a row with no `expected` has no such check (it would pass every answer)."""
    reader = csv.DictReader(io.StringIO(content))
    missing = {"prompt"} - set(reader.fieldnames or ())
    if missing:
        raise SuiteError(f"{path}: a CSV suite needs a `prompt` column (and usually `id` and `expected`)")
    extra = set(reader.fieldnames or ()) - {"id", "prompt", "expected", "system", "tags"}
    if extra:
        raise SuiteError(f"{path}: unknown column {', '.join(sorted(extra))}; use id, prompt, expected, system, tags")
    cases = []
    for row in reader:
        case: dict[str, Any] = {k: v for k, v in row.items() if v}
        if "tags" in case:
            case["tags"] = [t.strip() for t in case["tags"].split(";") if t.strip()]
        if case.get("expected", "").strip():
            case["assert"] = [{"type": "icontains", "value": "{{expected}}"}]
        cases.append(case)
    return {"name": path.stem, "cases": cases}


_READERS = {"toml": _read_toml, "yaml": _read_yaml, "jsonl": _read_jsonl, "csv": _read_csv}


def build_suite(raw: dict, *, source: str = "suite", content_hash: str = "") -> Suite:
    """A checked Suite from the suite's keys, as any of the formats reads them."""
    unknown = set(raw) - SUITE_KEYS
    if unknown:
        raise SuiteError(f"{source}: unknown key {', '.join(sorted(unknown))}; known: {', '.join(sorted(SUITE_KEYS))}")
    cases_raw = raw.get("cases")
    if not isinstance(cases_raw, list) or not cases_raw:
        raise SuiteError(f"{source}: the suite has no cases: add [[cases]] entries with a prompt")
    defaults = _assertion_specs(raw.get("assert", []), source, "suite", "assert")
    template = _text(raw.get("prompt", ""), source, "suite", "prompt")
    system = _text(raw.get("system", ""), source, "suite", "system")
    cases, seen = [], set()
    for index, spec in enumerate(cases_raw, 1):
        case = _build_case(spec, index, template, system, defaults, source)
        if case.id in seen:
            raise SuiteError(f"{source}: case {case.id}: the id is used twice; give each case its own id")
        seen.add(case.id)
        cases.append(case)
    return Suite(
        name=_text(raw.get("name") or Path(source).stem, source, "suite", "name"),
        cases=tuple(cases),
        models=tuple(_names(raw.get("models", []), source, "models")),
        options=_options(raw.get("options"), source),
        repeats=_repeats(raw.get("repeats", 1), source),
        judge=_text(raw.get("judge", ""), source, "suite", "judge"),
        pairwise=_flag(raw.get("pairwise", False), source, "pairwise"),
        judge_prompts=custom_prompts(_table(raw.get("judge_prompts", {}), source, "judge_prompts"), source),
        source=source,
        content_hash=content_hash,
    )


def _build_case(spec: Any, index: int, template: str, system: str, defaults: list, source: str) -> Case:
    if not isinstance(spec, dict):
        raise SuiteError(f"{source}: case {index} is a {type(spec).__name__}; each case is a table with a prompt")
    case_id = str(spec.get("id") or index)
    where = f"case {case_id}"
    unknown = set(spec) - CASE_KEYS
    if unknown:
        raise SuiteError(
            f"{source}: {where}: unknown field {', '.join(sorted(unknown))}; known: {', '.join(sorted(CASE_KEYS))}"
        )
    variables = spec.get("vars", {})
    if not isinstance(variables, dict):
        raise SuiteError(f"{source}: {where}: `vars` is a table of names and values")
    expected = _text(spec.get("expected", ""), source, where, "expected")
    variables = {"expected": expected, **{str(k): str(v) for k, v in variables.items()}}
    prompt_text = _text(spec.get("prompt", template), source, where, "prompt")
    if not prompt_text.strip():
        raise SuiteError(f"{source}: {where}: no prompt: give the case a `prompt`, or the suite a `prompt` template")
    prompt = _fill(prompt_text, variables, source, where, "prompt")
    specs = [*defaults, *_assertion_specs(spec.get("assert", []), source, where, "assert")]
    assertions = tuple(
        parse_assertion(_fill_values(s, variables, source, where), f"{source}: {where}: assert[{i}]")
        for i, s in enumerate(specs)
    )
    tags = spec.get("tags", [])
    if isinstance(tags, str):
        tags = [tags]
    return Case(
        id=case_id,
        prompt=prompt,
        system=_fill(_text(spec.get("system", system), source, where, "system"), variables, source, where, "system"),
        expected=expected,
        tags=tuple(str(t) for t in tags),
        assertions=assertions,
    )


def _fill(text: str, variables: dict[str, str], source: str, where: str, name: str) -> str:
    """Put each `{{ name }}` variable in its place; a name the case does not define is an error."""

    def value(match: re.Match[str]) -> str:
        key = match.group(1)
        if key not in variables:
            known = ", ".join(sorted(variables)) or "none"
            raise SuiteError(f"{source}: {where}: {name} uses {{{{{key}}}}} but the case's vars have no {key}"
                             f" (it has: {known})")  # fmt: skip
        return variables[key]

    return _VARIABLE.sub(value, text)


def _fill_values(spec: dict, variables: dict[str, str], source: str, where: str) -> dict:
    return {k: _fill(v, variables, source, where, f"assert {k}") if isinstance(v, str) else v for k, v in spec.items()}


def _assertion_specs(value: Any, source: str, where: str, name: str) -> list[dict]:
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        example = '{ type = "contains", value = "x" }'
        raise SuiteError(f"{source}: {where}: `{name}` is a list of tables like {example}")
    return value


def _text(value: Any, source: str, where: str, name: str) -> str:
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise SuiteError(f"{source}: {where}: `{name}` is text, not {type(value).__name__}")
    return str(value)


def _names(value: Any, source: str, name: str) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise SuiteError(f"{source}: suite: `{name}` is a list of model ids")
    return [v.strip() for v in value]


def _options(value: Any, source: str) -> Options:
    try:
        return parse_options(value if isinstance(value, dict) else None) if value is not None else Options()
    except OptionsError as e:
        raise SuiteError(f"{source}: suite: options: {e}") from e


def _flag(value: Any, source: str, name: str) -> bool:
    if not isinstance(value, bool):
        raise SuiteError(f"{source}: suite: `{name}` is true or false, not {value!r}")
    return value


def _table(value: Any, source: str, name: str) -> dict:
    if not isinstance(value, dict):
        raise SuiteError(f"{source}: suite: `{name}` is a table of names and texts")
    return value


def _repeats(value: Any, source: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_REPEATS:
        raise SuiteError(f"{source}: suite: `repeats` is a whole number from 1 to {MAX_REPEATS}, not {value!r}")
    return value
