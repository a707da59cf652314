"""How answers are titled and measured on screen: human error titles and the line under a streaming answer."""

from llm_core.record import Result
from llm_core.session.display import error_title, live_metrics, settled_blocks, with_line_below


def test_error_titles_are_human():
    r = Result(model="m", requested_model="m", status="error", error_kind="rate_limit", attempts=3)
    assert error_title(r) == "Rate limited (after 3 attempts)"
    r = Result(model="m", requested_model="m", status="incomplete", error_kind="connection", text="Half")
    assert error_title(r) == "Cut short: connection problem"
    assert error_title(Result(model="m", requested_model="m", status="cancelled")) == "Stopped"
    assert error_title(Result(model="m", requested_model="m", status="error", error_kind="auth")).startswith("The API")


def test_live_metrics_show_the_wait_then_ttft_and_rate():
    r = Result(model="m", requested_model="m", status="streaming")
    assert live_metrics(r, 1.26) == "Waiting for the first token… 1.3 s"
    r.ttft_ms, r.tokens_per_s = 240.0, 61.4
    assert live_metrics(r, 2.0) == "TTFT 240 ms · 61 tok/s · 2.0 s · streaming…"


def test_a_line_below_streaming_markdown_is_never_taken_into_an_open_block():
    assert with_line_below("Some **bold** text", "TTFT 1 ms") == "Some **bold** text\n\n:small[:gray[TTFT 1 ms]]"
    assert with_line_below("```py\nx = 1", "L") == "```py\nx = 1\n```\n\n:small[:gray[L]]"
    assert with_line_below("````\n```\nstill code", "L").startswith("````\n```\nstill code\n````\n\n")
    assert with_line_below("~~~\ndone\n~~~\n", "L") == "~~~\ndone\n~~~\n\n:small[:gray[L]]"
    assert with_line_below("$$\nx^2", "L") == "$$\nx^2\n$$\n\n:small[:gray[L]]"
    in_a_list = "1. Run:\n   ```sh\n   make"
    assert with_line_below(in_a_list, "L") == in_a_list + "\n   ```\n\n:small[:gray[L]]"
    assert with_line_below("", "a [b]") == ":small[:gray[a \\[b\\]]]"
    assert with_line_below("```\nno line yet", "") == "```\nno line yet"


def test_only_blocks_a_streaming_answer_cannot_change_any_more_are_settled():
    assert settled_blocks("One.\n\nTwo is still") == (["One."], "Two is still")
    code = "```py\na = 1\n\nb = 2\n```\n\n"
    assert settled_blocks(code + "After") == ([code.strip("\n")], "After")  # a blank line inside code does not end it
    assert settled_blocks("$$\nx\n\ny") == ([], "$$\nx\n\ny")  # nor inside an open math block
    assert settled_blocks("````\n```\n\nstill code") == ([], "````\n```\n\nstill code")  # ``` does not close ````


def test_the_details_of_an_answer_say_what_it_was_made_with_and_hide_names_when_blind():
    from llm_core.record import Result
    from llm_core.session.details import made_with, own_parameters

    r = Result(model="gpt-4o-mini", requested_model="gpt-4o-mini", provider_model="gpt-4o-mini-2024-07-18")
    r.template, r.system, r.temperature, r.max_tokens, r.finish_reason = "summarize", "Be brief", 0.3, 64, "length"
    other = Result(model="echo", requested_model="echo")
    other.temperature, other.max_tokens = 0.3, 128

    own = own_parameters(r, [other])
    facts = dict(made_with(r, hidden=False, own=own))

    assert own == {"max_tokens"}
    assert facts["Template"] == "summarize" and facts["System prompt"] == "Be brief"
    assert facts["temperature"] == "0.3" and facts["max_tokens"] == "64 (this pane's own)"
    assert facts["top_p"] == "model default" and facts["Request id"] == r.request_id
    assert facts["Provider's model"] == "gpt-4o-mini-2024-07-18" and facts["Stopped"] == "cut off at max tokens"
    assert "Provider's model" not in dict(made_with(r, hidden=True))
