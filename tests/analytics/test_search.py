"""Searching the request log for the most recent requests that mention some text."""

from __future__ import annotations

import pandas as pd

from llm_core.analytics.search import recent_requests
from tests.analytics_support import log, request


def test_recent_requests_search_prompts_and_responses_newest_first():
    frame = log(
        request(prompt="Tell me about Paris", timestamp=pd.Timestamp("2025-03-01", tz="UTC")),
        request(response="PARIS is the capital", timestamp=pd.Timestamp("2025-03-03", tz="UTC")),
        request(prompt="about Rome", timestamp=pd.Timestamp("2025-03-02", tz="UTC")),
    )
    found = recent_requests(frame, "paris")
    assert len(found) == 2
    assert found["timestamp"].is_monotonic_decreasing
    assert recent_requests(frame, "")["prompt"].tolist()[-1] == "Tell me about Paris"
    assert len(recent_requests(frame, "", limit=2)) == 2
    assert recent_requests(frame, "berlin").empty
