"""The layers stay as docs/architecture.md draws them: imports run one way, from the interfaces down to the call
path and its backends, never back up; the core never imports Streamlit, and the pages never import an SDK."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
CORE = ROOT / "llm_core"

# Each layer and the layers it may import (itself included). The call path sits on its two backends.
FOUNDATION = {"errors", "record", "redact", "options", "policy", "tokens"}
MAY_IMPORT = {
    "foundation": {"foundation"},
    "providers": {"foundation", "providers"},
    "store": {"foundation", "store"},
    "call path": {"foundation", "providers", "store", "call path"},
    "analytics": {"foundation", "store", "call path", "analytics"},
    "session": {"foundation", "providers", "store", "call path", "session"},
    "evaluate": {"foundation", "providers", "store", "call path", "analytics", "evaluate"},
    "api": {"foundation", "providers", "store", "call path", "analytics", "session", "api"},
    "cli": {"foundation", "providers", "store", "call path", "analytics", "session", "evaluate", "cli"},
}
SUBPACKAGES = {"providers", "store", "analytics", "session", "evaluate", "api", "cli"}
SDKS = ("openai", "groq", "anthropic", "google.genai")


def layer_of(module: str) -> str:
    """`llm_core.store.read` -> 'store'; `llm_core.engine` -> 'call path'; `llm_core.errors` -> 'foundation'."""
    parts = module.split(".")[1:] or ["__init__"]
    if parts[0] in SUBPACKAGES:
        return parts[0]
    if parts[0] == "__main__":
        return "cli"
    return "foundation" if parts[0] in FOUNDATION else "call path"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path) -> list[str]:
    """Every module `path` imports, anywhere in it (functions and TYPE_CHECKING blocks too), as absolute names."""
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            target = ".".join([*base, *([node.module] if node.module else [])])
            found.append(target)
            found += [
                f"{target}.{alias.name}"
                for alias in node.names
                if (CORE.parent / target.replace(".", "/") / f"{alias.name}.py").exists()
            ]
    return found


CORE_FILES = sorted(CORE.rglob("*.py"))


@pytest.mark.parametrize("path", CORE_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_each_module_imports_only_its_own_layer_and_those_below(path):
    own = layer_of(module_name(path))
    upward = [
        f"{name} ({layer_of(name)})"
        for name in imported_modules(path)
        if name.startswith("llm_core.") and layer_of(name) not in MAY_IMPORT[own]
    ]
    assert not upward, f"{module_name(path)} ({own}) imports a layer above it: {', '.join(upward)}"


@pytest.mark.parametrize("path", CORE_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_the_core_never_imports_streamlit(path):
    assert not [name for name in imported_modules(path) if name.split(".")[0] == "streamlit"]


@pytest.mark.parametrize("path", sorted((ROOT / "pages").rglob("*.py")), ids=lambda p: p.name)
def test_pages_hold_no_provider_logic_and_import_no_sdk(path):
    assert not [name for name in imported_modules(path) if name.startswith(SDKS)]


def test_every_subpackage_says_what_it_holds_and_what_it_may_import():
    for package in SUBPACKAGES:
        doc = ast.get_docstring(ast.parse((CORE / package / "__init__.py").read_text())) or ""
        assert "import" in doc, f"llm_core/{package}/__init__.py does not say what it may import"


def test_importing_the_core_and_listing_models_loads_no_sdk_and_no_pandas():
    code = (
        "import sys, io, contextlib, llm_core\n"
        "from llm_core.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()): main(['models'])\n"
        f"print([m for m in {SDKS + ('pandas', 'pyarrow', 'streamlit')!r} if m in sys.modules])\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.stdout.strip().splitlines()[-1] == "[]", done.stderr
