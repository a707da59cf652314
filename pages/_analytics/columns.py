"""How each table on the Analytics page names and formats its columns."""

from __future__ import annotations

import streamlit as st

SUMMARY_COLUMNS = {
    "model": st.column_config.TextColumn("Model", pinned=True),
    "provider": "Provider",
    "requests": st.column_config.NumberColumn("Requests", format="localized"),
    "error_rate": st.column_config.NumberColumn("Errors", format="percent", help="Share of requests that failed"),
    "cut_off": st.column_config.NumberColumn(
        "Cut off", format="localized", help="Answers that stopped at max tokens, not because the model was done"
    ),
    "latency_p50": st.column_config.NumberColumn("Latency", format="%.0f ms", help="Median total time"),
    "latency_p95": st.column_config.NumberColumn("p95", format="%.0f ms", help="95th percentile of total time"),
    "ttft_p50": st.column_config.NumberColumn("1st token", format="%.0f ms", help="Median time to first token"),
    "tokens_per_s_p50": st.column_config.NumberColumn(
        "Tok/s", format="%.0f", help="Median visible-answer tokens per second, first to last piece of text"
    ),
    "prompt_tokens_mean": st.column_config.NumberColumn("In", format="%.0f", help="Mean prompt tokens"),
    "completion_tokens_mean": st.column_config.NumberColumn("Out", format="%.0f", help="Mean completion tokens"),
    "cost_total": st.column_config.NumberColumn("Cost", format="$%.2f", help="Total cost"),
    "cost_per_request": st.column_config.NumberColumn("$/req", format="$%.5f", help="Mean cost per request"),
    "stars_mean": st.column_config.NumberColumn("Stars", format="%.2f ★", help="Mean of the latest ratings"),
    "stars_count": st.column_config.NumberColumn("Rated", format="localized", help="How many answers were rated"),
    "reasoning_tokens_mean": st.column_config.NumberColumn(
        "Reasoning", format="%.0f", help="Mean reasoning tokens (part of Out), where the provider reports them"
    ),
    "cached_share": st.column_config.NumberColumn(
        "Cached in", format="percent", help="Share of prompt tokens read from the provider's prompt cache"
    ),
    "generation_tokens_per_s_p50": st.column_config.NumberColumn(
        "Gen tok/s", format="%.0f", help="Median of every output token, reasoning included, over request-to-end"
    ),
    "provider_cost_total": st.column_config.NumberColumn(
        "Billed", format="$%.4f", help="Total cost the provider itself reported (OpenRouter), beside ours"
    ),
}
BOARD_COLUMNS = {
    "rank": st.column_config.NumberColumn("Rank", width="small"),
    "model": "Model",
    "rating": st.column_config.NumberColumn("Rating", format="%.0f"),
    "interval": st.column_config.TextColumn("95% interval", help="Open-ended (> or <) when the votes set no bound"),
    "battles": "Battles",
    "wins": "Wins",
    "ties": "Ties",
    "losses": "Losses",
    "win_rate": st.column_config.NumberColumn("Win rate", format="percent"),
}
PROVISIONAL_COLUMNS = {
    "model": "Model",
    "battles": "Battles",
    "wins": "Wins",
    "ties": "Ties",
    "losses": "Losses",
    "why": "Not ranked because",
}
STYLE_COLUMNS = {
    "feature": st.column_config.TextColumn("Feature", width="small"),
    "worth": st.column_config.TextColumn("Points per SD",
                                         help="Rating points for one standard deviation more of the feature"),
    "interval": st.column_config.TextColumn("95% interval"),
}  # fmt: skip
STARS_COLUMNS = {
    "model": "Model",
    "stars_mean": st.column_config.NumberColumn("Stars", format="%.2f"),
    "ratings": "Ratings",
    "lower": st.column_config.NumberColumn("95% low", format="%.2f"),
    "upper": st.column_config.NumberColumn("95% high", format="%.2f"),
}
ERROR_COLUMNS = {
    "kind": "Kind",
    "message": st.column_config.TextColumn("Error", width="large"),
    "count": "Count",
    "models": "Models",
    "last_seen": st.column_config.DatetimeColumn("Last seen (UTC)", format="YYYY-MM-DD HH:mm"),
}
RECENT_COLUMNS = {
    "timestamp": st.column_config.DatetimeColumn("Time (UTC)", format="YYYY-MM-DD HH:mm:ss"),
    "model": "Model",
    "status": "Status",
    "cut_off": st.column_config.CheckboxColumn("Cut off", help="The answer stopped at max tokens"),
    "latency_ms": st.column_config.NumberColumn("Latency", format="%.0f ms"),
    "completion_tokens": "Tokens",
    "cost_usd": st.column_config.NumberColumn("Cost", format="$%.5f"),
    "stars": "Stars",
    "prompt": st.column_config.TextColumn("Prompt", width="large"),
}
