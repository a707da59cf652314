"""The Analytics maths, without Streamlit: the per-model summary, filters, distributions, ratings, the Arena-style
leaderboard, search, charts, and who may read them (`access`).

May import the call path (`llm_core.*` modules) and the log store; never the session, the API or the CLI.
"""
