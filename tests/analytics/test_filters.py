"""The Analytics filters: what the sidebar offers, and the requests left once a user has chosen."""

from __future__ import annotations

from datetime import date

import pandas as pd

from llm_core.analytics.filters import NO_TEMPLATE, Filters, apply_filters, filter_choices, merged_choices
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


def test_choices_merged_from_a_log_and_its_new_rows_are_the_choices_of_the_whole_log():
    day = pd.Timestamp("2025-03-01", tz="UTC")
    rows = [
        request(model=m, provider=p, template=t, status=s, session_id=f"s{i % 5}", timestamp=day + pd.Timedelta(i, "h"))
        for i, (m, p, t, s) in enumerate(
            [("gpt", "openai", "summarise", "ok"), ("claude", "anthropic", None, "error"), ("gpt", "openai", "", "ok")]
            * 3
            + [("llama", "groq", "translate", "cancelled"), ("gpt", "openai", "explain", "ok")]
        )
    ]  # fmt: skip
    whole, before, after = log(*rows), log(*rows[:8]), log(*rows[8:])

    merged = merged_choices(filter_choices(before, None), filter_choices(after, None), max_sessions=3)

    expected = filter_choices(whole, max_sessions=3)
    assert (merged.first_day, merged.last_day) == (expected.first_day, expected.last_day)
    assert (merged.models, merged.providers) == (expected.models, expected.providers)
    assert (merged.templates, merged.statuses) == (expected.templates, expected.statuses)
    assert merged.sessions.astype({"session_id": str}).equals(expected.sessions.astype({"session_id": str}))
