"""A Compare session without Streamlit: the conversation and its panes, repaint pacing, how a result reads on
screen (`display`), votes, diffs, exports, the next turn's estimate and the model picker.

May import the call path (`llm_core.*` modules) and the log store; never analytics, the API or the CLI.
"""
