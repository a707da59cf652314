"""The command line, `python -m llm_core`: ask, compare, models, logs and rate, over the same core as the app.

An interface: may import anything in llm_core but the HTTP API.
"""

from .main import main

__all__ = ["main"]
