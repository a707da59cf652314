"""Human formatting of results, shared by the CLI, the pages and the API."""

from __future__ import annotations

from .record import Result

JSON_FIELDS = [
    "request_id",
    "comparison_id",
    "session_id",
    "model",
    "requested_model",
    "provider",
    "provider_model",
    "label",
    "text",
    "finish_reason",
    "status",
    "error",
    "latency_ms",
    "ttft_ms",
    "prompt_tokens",
    "completion_tokens",
    "token_source",
    "tokens_per_s",
    "cost_usd",
    "attempts",
    "fallback_errors",
    "template",
    "temperature",
    "max_tokens",
    "top_p",
    "timestamp",
    "log_warning",
]


def format_ms(ms: float | None) -> str:
    """250 ms, 1.25 s, or an en dash when unknown."""
    if ms is None:
        return "–"
    return f"{ms:.0f} ms" if ms < 1000 else f"{ms / 1000:.2f} s"


def format_cost(usd: float | None) -> str:
    """Dollars with enough digits to see a fraction of a cent; 'price unknown' when there is none."""
    if usd is None:
        return "price unknown"
    if usd == 0:
        return "$0"
    return f"${usd:.6f}" if usd < 0.01 else f"${usd:.4f}"


def metrics_line(r: Result) -> str:
    """TTFT · latency · tokens in → out · tokens/s · cost, marking estimated counts."""
    estimated = " (est.)" if r.estimated_tokens else ""
    tokens = "–" if r.prompt_tokens is None else f"{r.prompt_tokens:,} → {r.completion_tokens or 0:,} tok{estimated}"
    rate = "–" if r.tokens_per_s is None else f"{r.tokens_per_s:.0f} tok/s"
    cost = "–" if r.prompt_tokens is None else format_cost(r.cost_usd)
    parts = [f"TTFT {format_ms(r.ttft_ms)}", format_ms(r.latency_ms), tokens, rate, cost]
    answered_by_other = r.status != "error" and r.model != r.requested_model
    if answered_by_other and r.requested_model == "auto":
        parts.append(f"auto → {r.model}")
    elif answered_by_other:
        parts.append(f"answered by {r.model} (fallback from {r.requested_model})")
    return " · ".join(parts)


def result_json(r: Result) -> dict:
    """The record's fields for --json output and the API."""
    data = r.to_dict()
    return {name: data[name] for name in JSON_FIELDS}
