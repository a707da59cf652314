"""The Evaluate page through AppTest: run an example suite offline, see the grid, open a case, rate and vote."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = Path(__file__).parents[2] / "streamlit_app.py"


@pytest.fixture
def page(models) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=120)  # a whole run happens in one script run.run()
    at.switch_page("pages/evaluate.py").run()
    assert not at.exception
    return at


def grid_of(at: AppTest):
    return next(d.value for d in at.dataframe if "case" in d.value.columns)


def test_the_page_shows_the_estimate_and_the_judge_prompts_before_a_run(page):
    assert any("**8 answers** and **0 judge calls**" in m.value for m in page.markdown)
    assert any("rubric-v1" in m.value for m in page.markdown)
    assert not page.dataframe  # nothing has run yet


def test_running_an_example_suite_fills_the_grid_and_the_summary(page, store):
    page.button(key="eval_run").click().run()
    assert not page.exception
    grid = grid_of(page)
    assert list(grid["case"]) == ["france", "japan", "australia", "canada"]
    assert grid["echo"].str.startswith("✗ fail 0/1").all()  # the demo only mirrors the prompt: no capital in it
    summary = next(d.value for d in page.dataframe if "pass_rate" in d.value.columns)
    assert list(summary["model"]) == ["echo", "echo-outline"] and list(summary["cells"]) == [4, 4]
    assert len(store.read_evaluation("cells").frame) == 8


def test_a_case_opens_side_by_side_and_a_vote_is_logged_as_a_persons(page, store):
    page.button(key="eval_run").click().run()
    page.selectbox(key="eval_case").select("japan").run()
    assert any("Expected: Tokyo" in c.value for c in page.caption)
    assert any("icontains Tokyo" in m.value and "red-badge" in m.value for m in page.markdown)
    page.radio(key="eval_vote").set_value("tie").run()
    page.button(key="eval_vote_button").click().run()
    votes = store.read_votes().frame
    assert list(votes["rater"]) == ["human"] and votes["winner"].iloc[0] == "tie"
    assert votes["comparison_id"].iloc[0].endswith(":japan:1")


def test_filters_narrow_the_grid_by_tag_and_failing_check(page):
    page.button(key="eval_run").click().run()
    page.multiselect(key="eval_filter_tags").select("tricky").run()
    assert list(grid_of(page)["case"]) == ["australia", "canada"]
    page.multiselect(key="eval_filter_tags").unselect("tricky").run()
    page.selectbox(key="eval_filter_check").select("icontains Tokyo").run()
    assert list(grid_of(page)["case"]) == ["japan"]


def test_a_second_run_compares_with_the_first(page):
    page.button(key="eval_run").click().run()
    page.button(key="eval_run").click().run()
    assert any("0 better" in m.value and "0 worse" in m.value for m in page.markdown)


def test_judge_checks_say_they_need_a_judge_model(page):
    page.selectbox(key="eval_example").select_index(1).run()  # coding.jsonl has a judge check
    assert page.selectbox(key="eval_example").value.name == "coding.jsonl"
    assert any("without a judge model they are reported as not graded" in c.value for c in page.caption)
    page.button(key="eval_run").click().run()
    page.selectbox(key="eval_case").select("is-prime").run()
    assert any("not graded" in m.value and "needs a judge model" in m.value for m in page.markdown)


def test_an_unfinished_run_is_offered_and_resumed(page, store):
    from llm_core.catalog import catalog_with_local_models
    from llm_core.config import Config
    from llm_core.evaluate.runner import EvalRun
    from llm_core.evaluate.suite import load_suite

    catalog = catalog_with_local_models(Config())
    suite = load_suite(Path(__file__).parents[2] / "suites" / "capitals.toml")
    stopped = EvalRun(suite, [catalog.get("echo"), catalog.get("echo-outline")], catalog=catalog, store=store)
    stopped.stop("stopped")
    stopped.run()
    page.run()
    assert page.selectbox(key="eval_resume_id").value == stopped.run_id
    page.button(key="eval_resume").click().run()
    assert not page.exception
    assert any(f"Run `{stopped.run_id}` · finished" in c.value for c in page.caption), [c.value for c in page.caption]
    assert len(store.read_evaluation("cells").frame) == 8


def most_calls_at_once(monkeypatch) -> list[int]:
    """Watch every model call from now on; the list holds how many were in flight as each began."""
    import threading

    from llm_core import engine

    seen, live, lock, original = [], [0], threading.Lock(), engine.Turn.complete

    def counting(self):
        with lock:
            live[0] += 1
            seen.append(live[0])
        try:
            return original(self)
        finally:
            with lock:
                live[0] -= 1

    monkeypatch.setattr(engine.Turn, "complete", counting)
    return seen


def test_calls_at_once_are_set_per_provider_and_the_run_keeps_them(page, monkeypatch):
    def limits():
        return {n.key: n.label for n in page.number_input if n.key.startswith("eval_calls_")}

    assert limits() == {"eval_calls_echo": "Echo (offline demo)"}  # both demo models: one provider, one limit
    page.selectbox(key="eval_judge").select("loop-judge").run()
    assert limits() == {"eval_calls_echo": "Echo (offline demo)", "eval_calls_openai": "OpenAI"}  # the judge's too
    page.selectbox(key="eval_judge").select("(no judge)").run()
    page.number_input(key="eval_calls_echo").set_value(1).run()
    seen = most_calls_at_once(monkeypatch)
    page.button(key="eval_run").click().run()
    assert not page.exception
    assert len(seen) == 8 and max(seen) == 1  # eight answers, one at a time (the default is 4)


def test_a_best_of_three_vote_is_set_against_the_judges_pairs_in_the_summary(page, store):
    next(m for m in page.multiselect if m.label == "Models").select("echo-slow").run()
    page.button(key="eval_run").click().run()
    page.selectbox(key="eval_case").select("japan").run()
    assert page.radio(key="eval_vote").label == "Which answer is best?"
    cells = store.read_evaluation("cells").frame.query("case_id == 'japan'")
    answer = dict(zip(cells["model"], cells["request_id"], strict=True))
    assert page.radio(key="eval_vote").format_func(answer["echo-outline"]) == "echo-outline is best"
    page.radio(key="eval_vote").set_value(answer["echo-outline"]).run()
    page.button(key="eval_vote_button").click().run()
    run_id = cells["run_id"].iloc[0]
    judged = [("echo-outline", "echo", "echo-outline"), ("echo-outline", "echo-slow", "echo-slow"),
              ("echo", "echo-slow", "tie")]  # fmt: skip
    for a, b, winner in judged:  # the judge's verdicts on the three pairs, as a pairwise run logs them
        store.append_vote(f"{run_id}:japan:1:{a}:{b}", answer.get(winner, winner), [a, b], [answer[a], answer[b]],
                          rater="loop-judge")  # fmt: skip
    page.run()
    said = [c.value for c in page.caption if "People and the judge" in c.value]
    # outline best of three implies two pairs (it beat each other answer); the judge agreed on one of them
    assert said and "loop-judge agree on 50% of the 2 pairs both voted on" in said[0], said


def test_with_three_answers_the_diff_is_between_any_two_picked(page):
    next(m for m in page.multiselect if m.label == "Models").select("echo-slow").run()
    page.button(key="eval_run").click().run()
    page.selectbox(key="eval_case").select("japan").run()
    assert any(m.value == "**Differences** from echo to echo-outline" for m in page.markdown)
    page.selectbox(key="eval_diff_left").select("echo-outline").run()
    page.selectbox(key="eval_diff_right").select("echo-slow").run()
    assert any(m.value == "**Differences** from echo-outline to echo-slow" for m in page.markdown)


def test_a_run_that_ends_while_the_page_is_drawn_leaves_run_enabled(page, monkeypatch):
    from pages._evaluate import state

    looked, original = [], state.LiveRun.running

    def ends_just_after_the_first_look(live):
        if not looked:  # the page sees the run going, and it ends before the page reaches the progress bar
            looked.append(True)
            live.thread.join()
            return True
        return original.fget(live)

    monkeypatch.setattr(state.LiveRun, "running", property(ends_just_after_the_first_look))
    page.button(key="eval_run").click().run()
    assert looked and not page.exception
    assert not page.button(key="eval_run").disabled and page.button(key="eval_stop").disabled
