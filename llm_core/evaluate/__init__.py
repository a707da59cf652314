"""Evaluation runs: a suite of prompts (`suite`) answered by several models, each answer checked by assertions
(`assertions`) and by a judge model (`judge`), run with bounded concurrency, a budget, a cache of identical calls
(`cache`) and resumable records (`records`) by the `runner`; read back per model (`summary`), as a grid, run
against run and downloads (`results`), and as people–judge `agreement`.

May import the call path (`engine`, `catalog`, `config`, `readiness`, ...), the foundation, the store and
analytics; nothing above them (no session, no interface).
"""
