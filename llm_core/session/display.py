"""Human formatting of results, shared by the CLI, the pages and the API: metrics lines, error titles, JSON."""

from __future__ import annotations

import html
import re

from ..record import ESTIMATED_SOURCES, Result

JSON_FIELDS = [
    "request_id",
    "comparison_id",
    "session_id",
    "model",
    "requested_model",
    "fallback_for",
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
    "prompt_token_source",
    "completion_token_source",
    "notes",
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


ERROR_TITLES = {
    "rate_limit": "Rate limited",
    "auth": "The API key was refused",
    "not_found": "Model not found",
    "connection": "Connection problem",
    "timeout": "Timed out",
    "server": "The provider had a server error",
    "bad_request": "The provider rejected the request",
    "NeedsKeyError": "Not configured",
    "ContextTooLongError": "Too long for this model",
    "UnknownModelError": "Unknown model",
    "CatalogError": "Model catalog problem",
}


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


def format_rate(r: Result) -> str:
    """'61 tok/s', or an en dash when unknown."""
    return "–" if r.tokens_per_s is None else f"{r.tokens_per_s:.0f} tok/s"


def estimated_mark(r: Result) -> str:
    """' (est.)' when both counts are estimates, ' (in est.)' or ' (out est.)' when only one is, else ''."""
    if not r.estimated_tokens:
        return ""
    prompt, completion = (source in ESTIMATED_SOURCES for source in (r.prompt_source, r.completion_source))
    return " (out est.)" if completion and not prompt else " (in est.)" if prompt and not completion else " (est.)"


SOURCE_WORDS = {
    "provider": "reported by the provider",
    "tiktoken": "estimated with tiktoken (cl100k_base)",
    "estimate": "estimated at four characters a token",
}


def token_counts(r: Result) -> str:
    """Where the two token counts came from, in words ('' before any count): each count's own source, else the
    record's one source (rows logged before counts had their own)."""
    if r.prompt_tokens is None or not r.token_source:
        return ""
    prompt, completion = r.prompt_source, r.completion_source
    if prompt == completion:
        why = "" if prompt == "provider" else ": the provider sent no usage report"
        return f"both {SOURCE_WORDS.get(prompt, prompt)}{why}"
    return (
        f"prompt {SOURCE_WORDS.get(prompt, prompt or 'of unknown source')}; answer "
        f"{SOURCE_WORDS.get(completion, completion or 'of unknown source')}"
        + (": the stream ended before the provider counted the answer" if prompt == "provider" else "")
    )


def _measured(r: Result) -> list[str]:
    """TTFT, latency, tokens in → out and tokens/s: what names neither the model nor its price."""
    estimated = estimated_mark(r)
    cached = f" ({r.cached_prompt_tokens:,} cached)" if r.cached_prompt_tokens else ""
    reasoning = f" ({r.reasoning_tokens:,} reasoning)" if r.reasoning_tokens else ""
    tokens = (
        "–"
        if r.prompt_tokens is None
        else f"{r.prompt_tokens:,}{cached} → {r.completion_tokens or 0:,}{reasoning} tok{estimated}"
    )
    rates = [format_rate(r)]
    if r.reasoning_tokens and r.generation_tokens_per_s is not None:  # the visible rate alone hides the thinking
        rates.append(f"{r.generation_tokens_per_s:.0f} tok/s with reasoning")
    return [f"TTFT {format_ms(r.ttft_ms)}", format_ms(r.latency_ms), tokens, *rates]


def metrics_line(r: Result) -> str:
    """TTFT · latency · tokens in → out · tokens/s · cost, marking estimated counts."""
    cost = "–" if r.prompt_tokens is None else format_cost(r.cost_usd)
    billed = r.provider_cost_usd
    if billed is not None and (r.cost_usd is None or abs(billed - r.cost_usd) > 0.01 * max(billed, r.cost_usd)):
        cost = f"{cost} (provider billed {format_cost(billed)})"  # both, so a wrong catalog price shows
    parts = [*_measured(r), cost]
    if r.status != "error" and r.fallback_for:
        parts.append(f"answered by {r.model} (fallback from {r.fallback_for})")
    elif r.status != "error" and r.requested_model == "auto":
        parts.append(f"auto → {r.model}")
    return " · ".join(parts + _notes(r))


def answer_metrics(r: Result, hidden: bool = False) -> str:
    """The metrics line under an answer, then its notes; without cost or model names while blind mode hides them."""
    return " · ".join(_measured(r) + _notes(r)) if hidden else metrics_line(r)


def _notes(r: Result) -> list[str]:
    """The answer's notes (a usage report lost, a function call not shown), which name no model."""
    return [f"note: {r.notes}"] if r.notes else []


def live_metrics(r: Result, elapsed_s: float) -> str:
    """The line under an answer while it streams: time to first token and tokens/s so far, or the wait."""
    if r.ttft_ms is None:
        return f"Waiting for the first token… {elapsed_s:.1f} s"
    return f"TTFT {format_ms(r.ttft_ms)} · {format_rate(r)} · {elapsed_s:.1f} s · streaming…"


def error_title(r: Result) -> str:
    """A short human title for a failed answer, e.g. 'Rate limited (after 3 attempts)'."""
    if r.status == "cancelled":
        return "Stopped"
    title = ERROR_TITLES.get(r.error_kind, "Failed" if r.status == "error" else "Cut short")
    if r.status == "incomplete" and r.text:
        title = f"Cut short: {title.lower()}" if r.error_kind in ERROR_TITLES else "Cut short"
    return f"{title} (after {r.attempts} attempts)" if r.attempts > 1 else title


def settled_blocks(text: str) -> tuple[list[str], str]:
    """Streaming Markdown split into blocks that can no longer change (ended by a blank line outside a code
    fence or math block) and the growing tail, so a page repaints only the tail while an answer streams."""
    blocks, start, position, opener = [], 0, 0, ""
    for line in text.splitlines(keepends=True):
        position += len(line)
        opener = _opener_after(line.strip(), opener)
        if not line.strip() and not opener and line.endswith("\n"):
            if text[start:position].strip():
                blocks.append(text[start:position].strip("\n"))
            start = position
    return blocks, text[start:]


def open_block_closer(text: str) -> str:
    """What closes the code fence or math block a streaming answer has left open at its end ('' if none),
    indented like its opening line, so a fence inside a list item is closed inside that item."""
    opener, indent = "", ""
    for line in text.splitlines():
        was_open, opener = opener, _opener_after(line.strip(), opener)
        if opener and not was_open:
            indent = line[: len(line) - len(line.lstrip())]
    return indent + opener if opener else ""


def _opener_after(stripped_line: str, opener: str) -> str:
    """The code fence or `$$` math block open after this line ('' for none), given the one open before it."""
    if opener:
        return "" if _closes(stripped_line, opener) else opener
    if stripped_line.startswith(("```", "~~~")):
        return stripped_line[: len(stripped_line) - len(stripped_line.lstrip(stripped_line[0]))]
    return "$$" if stripped_line == "$$" else ""


def _closes(stripped_line: str, opener: str) -> bool:
    """A closing fence: the opener's character only, at least as many; or `$$` for a math block."""
    if opener == "$$":
        return stripped_line == "$$"
    return len(stripped_line) >= len(opener) and not stripped_line.strip(opener[0])


def with_line_below(markdown: str, line: str) -> str:
    """One Markdown body: `markdown`, then `line` in small grey text under it, so both reach the browser as one
    element (one render). A code fence or math block left open is closed first, so it cannot take the line in."""
    if not line:
        return markdown
    closer = open_block_closer(markdown)
    body = markdown.rstrip("\n") + (f"\n{closer}" if closer else "")
    small = ":small[:gray[" + line.replace("[", "\\[").replace("]", "\\]") + "]]"
    return f"{body}\n\n{small}" if body.strip() else small


# A prompt longer than this is shown collapsed to its first lines (a 200 KB document made the page ~90,000 px tall).
LONG_PROMPT_LINES, LONG_PROMPT_CHARS = 8, 1_000
PREVIEW_LINES, PREVIEW_CHARS = 5, 500


def prompt_preview(prompt: str) -> str | None:
    """The first lines of a long prompt, ending in "…", to show collapsed; None when it is short enough to show."""
    head = prompt[: LONG_PROMPT_CHARS + 1]
    if len(head) <= LONG_PROMPT_CHARS and head.count("\n") < LONG_PROMPT_LINES:
        return None
    preview = "\n".join(head.split("\n", PREVIEW_LINES)[:PREVIEW_LINES])
    if len(preview) > PREVIEW_CHARS:  # one long paragraph: cut it at a space, not inside a word
        cut = preview[:PREVIEW_CHARS]
        preview = cut[: cut.rfind(" ")] if " " in cut[PREVIEW_CHARS // 2 :] else cut
    preview = preview.rstrip() + " …"
    closer = open_block_closer(preview)  # a code fence cut open would swallow what the pane shows under it
    return f"{preview}\n{closer}" if closer else preview


def prompt_size(prompt: str) -> str:
    """'2,001 lines · 222,905 characters'."""
    lines = prompt.count("\n") + 1
    return f"{lines:,} line{'' if lines == 1 else 's'} · {len(prompt):,} characters"


# URL schemes that run or carry content instead of going somewhere: a click must never open them. (Streamlit's
# Markdown turns javascript: and vbscript: links into "#", but keeps data: links, opening in a new tab.)
UNSAFE_SCHEMES = ("data:", "javascript:", "vbscript:")
# Where Markdown or HTML reads a URL: a link's or image's "](", a reference definition's "]:", an autolink "<",
# an HTML attribute that links or loads. What follows is the URL as written (up to a quote, for a quoted value).
_URL_START = re.compile(
    r"""(?P<markdown>\]\(\s*<?|\]:\s*<?)|(?P<autolink><)(?=[a-z])"""
    r"""|(?P<attribute>\b(?:href|src|srcset|action|formaction|poster|background|cite|data|xlink:href)\s*=\s*"""
    r"""(?P<quote>["']?))""",
    re.IGNORECASE,
)
_UNQUOTED_URL = re.compile(r"[^\s<>\"'`()\]]*")
_QUOTED_URL = {'"': re.compile(r'[^"]*'), "'": re.compile(r"[^']*")}
_ESCAPED_PUNCTUATION = re.compile(r"\\([!-/:-@\[-`{-~])")
_IGNORED_IN_URLS = re.compile(r"[\x00-\x20]")  # browsers drop tabs and newlines anywhere, spaces at the ends


def safe_links(markdown: str) -> str:
    """The Markdown with no link, image or autolink to a data:, javascript: or vbscript: URL: each one's URL
    becomes "#" (an autolink is shown as plain text), and so does such a URL in an HTML attribute outside code."""
    pieces, done, fenced = [], 0, None
    for start in _URL_START.finditer(markdown):
        if start.start() < done:  # inside a URL already made harmless
            continue
        url = _QUOTED_URL.get(start["quote"] or "", _UNQUOTED_URL).match(markdown, start.end())
        if not is_unsafe_url(url.group()):
            continue
        if start["attribute"]:  # raw HTML: inside a code fence it is an example to copy, and never a link
            fenced = _fenced_lines(markdown) if fenced is None else fenced
            if markdown.count("\n", 0, start.start()) in fenced:
                continue
        if start["autolink"]:
            pieces += [markdown[done : start.start()], "\\<"]
            done = start.end()
        else:
            pieces += [markdown[done : url.start()], "#"]
            done = url.end()
    return "".join(pieces) + markdown[done:] if pieces else markdown


def is_unsafe_url(url: str) -> bool:
    """True for a URL that opens as data:, javascript: or vbscript: once Markdown and HTML have read it: backslash
    escapes and character references decoded, case ignored, tabs, newlines and spaces dropped."""
    read = html.unescape(_ESCAPED_PUNCTUATION.sub(r"\1", url))
    return _IGNORED_IN_URLS.sub("", read).lower().startswith(UNSAFE_SCHEMES)


def _fenced_lines(markdown: str) -> set[int]:
    """The numbers of the lines inside a code fence (its opening and closing lines included)."""
    fenced, opener = set(), ""
    for number, line in enumerate(markdown.split("\n")):
        was_open, opener = opener, _opener_after(line.strip(), opener)
        if (opener or was_open) and (opener or was_open)[0] in "`~":
            fenced.add(number)
    return fenced


def result_json(r: Result) -> dict:
    """The record's fields for --json output and the API."""
    data = r.to_dict()
    return {name: data[name] for name in JSON_FIELDS}
