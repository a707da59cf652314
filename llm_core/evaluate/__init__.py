"""Evaluation runs: a suite of prompts (`suite`) answered by several models, each answer checked by assertions
(`assertions`) and by a judge model (`judge`), run with bounded concurrency, a budget, a cache of identical calls
(`cache`) and resumable records (`records`) by the `runner`, and summed up per model (`summary`).

May import the call path (`engine`, `catalog`, `config`, `tokens`, ...), the foundation and the store; nothing
above them (no session, no interface).
"""
