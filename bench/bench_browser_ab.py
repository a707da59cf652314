"""Paired A/B in a real browser: this checkout against another git revision, with turns interleaved.

Each side runs its own `streamlit run` (the other revision from a temporary git worktree). Both sides use the same
loopback models (bench_browser's: 300 tokens at 500 tokens/s) and the same Chromium. Turns alternate this, other,
this, other..., so a noisy spell on the machine hits both alike. Read the paired median: on these machines a single
run's ratio swings by ±0.05 from minute to minute, far more than most changes move it.

Run: python bench/bench_browser_ab.py REV [--pairs 10] [--panes 4]   (about 15 s a pair)
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from contextlib import ExitStack, contextmanager
from pathlib import Path

from _servers import ROOT, median
from bench_browser import PACING, bench_catalog, server_time_s, start_models, time_turn

from tests.browser_support import ARTIFACTS, chromium_missing_reason, clean_env, launch_chromium, streamlit_app


@contextmanager
def checkout(revision: str):
    """The revision's files in a temporary git worktree; removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="switchboard-ab-") as parent:
        folder = Path(parent) / "tree"
        subprocess.run(["git", "worktree", "add", "--detach", str(folder), revision], cwd=ROOT, check=True)
        try:
            yield folder
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(folder)], cwd=ROOT, check=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("revision", help="the git revision to compare this checkout with, e.g. HEAD~3")
    parser.add_argument("--pairs", type=int, default=10, help="turns on each side (default 10)")
    parser.add_argument("--panes", type=int, default=4, choices=range(2, len(PACING) + 1), help="panes per turn")
    args = parser.parse_args()
    if reason := chromium_missing_reason():
        sys.exit(f"bench_browser_ab cannot run: {reason}")
    from playwright.sync_api import sync_playwright

    slowest = max(server_time_s(slot) for slot in range(args.panes))
    with ExitStack() as stack:
        other = stack.enter_context(checkout(args.revision))
        urls = start_models(stack)
        catalog = str(bench_catalog(urls))
        sides = {}
        for name, app in (("this checkout", ROOT / "streamlit_app.py"), (args.revision, other / "streamlit_app.py")):
            env = clean_env(SWITCHBOARD_MODELS=catalog, SWITCHBOARD_LOG_DIR=tempfile.mkdtemp())
            log = ARTIFACTS / f"bench-ab-{len(sides)}.log"
            sides[name] = stack.enter_context(streamlit_app(env, log=log, app=app))
        browser = launch_chromium(stack.enter_context(sync_playwright()))
        for url in sides.values():  # warm up: imports, SDK clients, the browser cache
            time_turn(browser, url, args.panes)
        ratios: dict[str, list[float]] = {name: [] for name in sides}
        for _ in range(args.pairs):
            for name, url in sides.items():
                ratios[name].append(time_turn(browser, url, args.panes).enter_to_done_s / slowest)
        print(f"{args.panes} panes, Enter → last pane done / slowest model's server time, {args.pairs} pairs")
        for name, values in ratios.items():
            runs = ", ".join(f"{r:.3f}" for r in values)
            print(f"  {name:<16} median {median(values):.3f}  (runs {runs})")
        this, then = ratios.values()
        paired = median([a - b for a, b in zip(this, then, strict=True)])
        print(f"  paired median of (this checkout - {args.revision}): {paired:+.3f}")


if __name__ == "__main__":
    main()
