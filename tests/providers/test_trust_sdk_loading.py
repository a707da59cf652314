"""A fresh process whose first calls to several providers start at once: every one of them answers.

Each SDK is imported on its first call, so a fresh process imports several at once from several threads; Python
can then hand one thread a module another is still importing. A race only shows now and then, so the fresh
process is started a few times.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).parents[2]
FRESH_PROCESSES = 5
# Two threads per SDK, every thread released at the same moment, each making its process's first call.
FIRST_CALLS = """
import json, sys, threading
from llm_core import ask

models = sys.argv[1:]
start = threading.Barrier(len(models))
results = [None] * len(models)

def first_call(slot, model):
    start.wait()
    r = ask(model, "hello", store=False)
    results[slot] = {"model": model, "status": r.status, "error": r.error}

threads = [threading.Thread(target=first_call, args=(i, m)) for i, m in enumerate(models)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(json.dumps(results))
"""
# openai and groq load different HTTP libraries (httpx2 and httpx) that each reads for its transport errors: the pair
# seen failing. More SDKs per process spread the imports out and make the race rarer, not the test stronger.
MODELS = ["openai:gpt-4o-mini", "groq:llama-3.1-8b-instant"] * 2


def test_first_calls_made_at_once_in_a_fresh_process_all_answer(openai_server):
    # No Ollama URL: looking for its models would import httpx before the calls, and hide half the race.
    env = {
        **{name: value for name, value in os.environ.items() if name != "OLLAMA_BASE_URL"},
        "PYTHONPATH": str(REPO),
        "OPENAI_API_KEY": "sk-loopback-openai",
        "OPENAI_BASE_URL": openai_server.base_url,
        "GROQ_API_KEY": "gsk-loopback-groq",
        "GROQ_BASE_URL": openai_server.url,
    }
    failures = []
    for _ in range(FRESH_PROCESSES):
        run = subprocess.run(
            [sys.executable, "-c", FIRST_CALLS, *MODELS], env=env, capture_output=True, text=True, timeout=120
        )
        assert run.returncode == 0, run.stderr
        failures += [result for result in json.loads(run.stdout) if result["status"] != "ok"]
    assert failures == []
