"""Test catalogs: a user models.toml written from plain entries, and the offline echo models the Compare tests share."""

from __future__ import annotations

from pathlib import Path


def write_catalog(path: Path, models: dict[str, dict]) -> Path:
    """A user catalog (TOML) with these entries: id -> fields (strings, numbers, lists and inline tables)."""
    lines = []
    for model_id, fields in models.items():
        lines.append(f'[models."{model_id}"]')
        lines += [f"{name} = {_toml_value(value)}" for name, value in fields.items()]
        lines.append("")
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def _toml_value(value) -> str:
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + " }"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return repr(value)


def echo_model(
    label: str, name: str, *, price: tuple[float, float] = (0.0, 0.0), context_window: int = 0, **settings
) -> dict:
    """An offline echo model's entry: free, answering at once and fast unless the arguments say otherwise."""
    fields = {"label": label, "provider": "echo", "name": name, "input_price": price[0], "output_price": price[1]}
    if context_window:
        fields["context_window"] = context_window
    fields["settings"] = {"ttft_ms": 0, "tokens_per_s": 5000, **settings}
    return fields


COMPARE_MODELS = {  # the demo pair under its shipped ids, one with a tiny window, one with a price
    "echo": echo_model("Echo · mirror (offline demo)", "echo-mirror", context_window=1_000_000, style="mirror"),
    "echo-outline": echo_model(
        "Echo · outline (offline demo)", "echo-outline", context_window=1_000_000, style="outline"
    ),
    "echo-tiny": echo_model("Tiny echo", "tiny", context_window=40),
    "echo-priced": echo_model("Priced echo", "priced", price=(2.0, 8.0), context_window=8_000),
}


def use_catalog(folder: Path, monkeypatch, models: dict[str, dict]) -> Path:
    """Write these models to the test's folder and point SWITCHBOARD_MODELS at them."""
    path = write_catalog(folder / "test-models.toml", models)
    monkeypatch.setenv("SWITCHBOARD_MODELS", str(path))
    return path
