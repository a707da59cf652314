"""Generation options, declared with bounds; unknown keys are rejected with the known ones listed."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_core import PydanticCustomError

from .errors import OptionsError


class Options(BaseModel):
    """Options every provider understands. None means: the model's default."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    temperature: float | None = Field(None, ge=0, le=2, description="Randomness, 0 (focused) to 2 (wild).")
    max_tokens: int | None = Field(None, ge=1, le=1_000_000, description="Upper bound on the answer's tokens.")
    top_p: float | None = Field(None, gt=0, le=1, description="Nucleus sampling: keep the top p of probability mass.")

    @field_validator("temperature", "max_tokens", "top_p", mode="before")
    @classmethod
    def _not_a_boolean(cls, value: Any) -> Any:
        # pydantic reads true as 1: a JSON `"max_tokens": true` would quietly ask for one token
        if isinstance(value, bool):
            raise PydanticCustomError("not_a_number", "must be a number, not {value}", {"value": str(value).lower()})
        return value

    def merged_over(self, defaults: Options) -> Options:
        """These options, with gaps filled from defaults."""
        return defaults.model_copy(update=self.model_dump(exclude_none=True))


KNOWN_OPTIONS = tuple(Options.model_fields)


def parse_options(values: dict[str, Any] | None) -> Options:
    """Build Options from a dict (e.g. CLI `-o key=value` pairs), with a clear message on any problem."""
    values = {k: v for k, v in (values or {}).items() if v is not None and v != ""}
    unknown = sorted(set(values) - set(KNOWN_OPTIONS))
    if unknown:
        raise OptionsError(f"unknown option {', '.join(unknown)}; known options: {', '.join(KNOWN_OPTIONS)}")
    try:
        return Options(**values)
    except ValidationError as e:
        problems = "; ".join(f"{'.'.join(map(str, err['loc']))}: {err['msg']}" for err in e.errors())
        raise OptionsError(f"invalid options: {problems}") from e


def parse_option_pairs(pairs: list[str]) -> Options:
    """Parse ["temperature=0.2", "max_tokens=100"] into Options."""
    values: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise OptionsError(f"option {pair!r} is not KEY=VALUE; known options: {', '.join(KNOWN_OPTIONS)}")
        values[key.strip()] = value.strip()
    return parse_options(values)
