"""The Analytics filters: what the sidebar offers, and the requests left once a user has chosen."""

from __future__ import annotations

from datetime import date

import pandas as pd

from llm_core.analytics.filters import NO_TEMPLATE, Filters, apply_filters, filter_choices
from tests.analytics_support import log, request


def test_each_filter_narrows_the_log_to_what_was_chosen():
    frame = log(
        request(model="gpt", provider="openai", template="summarise", session_id="a"),
        request(model="claude", provider="anthropic", status="error", session_id="a"),
        request(model="llama", provider="groq", template="", session_id="b"),
        request(model="gpt", timestamp=pd.Timestamp("2025-02-27 23:59", tz="UTC"), session_id="b"),
    )
    assert set(apply_filters(frame, Filters(models=("gpt",)))["model"]) == {"gpt"}
    assert len(apply_filters(frame, Filters(models=("gpt",)))) == 2
    assert list(apply_filters(frame, Filters(providers=("groq",)))["model"]) == ["llama"]
    assert list(apply_filters(frame, Filters(templates=("summarise",)))["model"]) == ["gpt"]
    assert len(apply_filters(frame, Filters(templates=(NO_TEMPLATE,)))) == 3
    assert list(apply_filters(frame, Filters(statuses=("error",)))["model"]) == ["claude"]
    assert len(apply_filters(frame, Filters(session="b"))) == 2
    assert len(apply_filters(frame, Filters(start=date(2025, 3, 1)))) == 3
    assert len(apply_filters(frame, Filters(end=date(2025, 2, 28)))) == 1
    assert len(apply_filters(frame, Filters())) == 4


def test_filter_choices_list_what_the_log_holds_and_name_blank_templates():
    frame = log(
        request(model="gpt", template="summarise", session_id="old"),
        request(model="claude", provider="anthropic", template=None, session_id="new",
                timestamp=pd.Timestamp("2025-03-05", tz="UTC")),
    )  # fmt: skip
    choices = filter_choices(frame)
    assert choices.models == ["claude", "gpt"]
    assert choices.providers == ["anthropic", "openai"]
    assert choices.templates == [NO_TEMPLATE, "summarise"]
    assert (choices.first_day, choices.last_day) == (date(2025, 3, 1), date(2025, 3, 5))
    assert choices.sessions["session_id"].tolist() == ["new", "old"]
