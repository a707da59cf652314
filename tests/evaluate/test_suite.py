"""Suite files in every format read into the same cases; every mistake is named before anything is sent."""

from __future__ import annotations

from pathlib import Path

import pytest

from llm_core.evaluate.suite import SuiteError, load_suite

SUITES = Path(__file__).parents[2] / "suites"

TOML = """
name = "capitals"
models = ["echo"]
repeats = 2
options = { temperature = 0 }
[[cases]]
id = "france"
prompt = "What is the capital of France?"
expected = "Paris"
tags = ["europe"]
assert = [{ type = "icontains", value = "paris" }, { type = "max-latency-ms", value = 5000 }]
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_toml_suite_reads_its_cases_defaults_and_assertions(tmp_path):
    suite = load_suite(write(tmp_path, "s.toml", TOML))
    case = suite.cases[0]
    assert (suite.name, suite.models, suite.repeats, suite.options.temperature) == ("capitals", ("echo",), 2, 0)
    assert (case.id, case.expected, case.tags) == ("france", "Paris", ("europe",))
    assert [a.type for a in case.assertions] == ["icontains", "max-latency-ms"]
    assert case.messages() == [{"role": "user", "content": "What is the capital of France?"}]


def test_yaml_and_jsonl_use_the_same_keys(tmp_path):
    yaml_suite = load_suite(
        write(
            tmp_path,
            "s.yaml",
            "name: y\nsystem: Be brief.\ncases:\n  - id: a\n    prompt: Hi\n"
            "    assert: [{type: contains, value: Hi}]\n",
        )  # fmt: skip
    )
    jsonl_suite = load_suite(
        write(
            tmp_path,
            "s.jsonl",
            '{"suite": {"name": "j", "system": "Be brief."}}\n'
            '{"id": "a", "prompt": "Hi", "assert": [{"type": "contains", "value": "Hi"}]}\n',
        )  # fmt: skip
    )
    for suite in (yaml_suite, jsonl_suite):
        assert suite.cases[0].messages()[0] == {"role": "system", "content": "Be brief."}
        assert suite.cases[0].assertions[0].value == "Hi"


def test_a_csv_suite_checks_each_answer_contains_its_expected_value(tmp_path):
    suite = load_suite(write(tmp_path, "s.csv", "id,prompt,expected\nfr,Capital of France?,Paris\nhi,Say hi,\n"))
    (assertion,) = suite.cases[0].assertions
    assert (assertion.type, assertion.value) == ("icontains", "Paris")
    assert suite.cases[1].assertions == ()  # no expected value: no check that every answer would pass


def test_vars_fill_the_suite_prompt_template(tmp_path):
    text = 'prompt = "Capital of {{ country }}?"\n[[cases]]\nvars = { country = "Peru" }\nexpected = "Lima"\n'
    text += 'assert = [{ type = "icontains", value = "{{expected}}" }]\n'
    case = load_suite(write(tmp_path, "s.toml", text)).cases[0]
    assert case.prompt == "Capital of Peru?" and case.assertions[0].value == "Lima"


@pytest.mark.parametrize(
    ("case", "named"),
    [
        ('assert = [{ type = "containz", value = "x" }]', "unknown assertion type 'containz'"),
        ('assert = [{ type = "regex", value = "(unclosed" }]', "the regex '(unclosed' is invalid"),
        ('assert = [{ type = "json-schema", value = { type = "nonsense" } }]', "invalid JSON Schema"),
        ('assert = [{ type = "max-latency-ms", value = "fast" }]', "needs a `value` that is a number"),
        ('assert = [{ type = "judge", value = "good?", threshold = 11 }]', "threshold` is a score from 1 to 10"),
        ('colour = "red"', "unknown field colour"),
        ('prompt = "Tell {{ who }}"', "uses {{who}} but the case's vars have no who"),
    ],
)
def test_a_mistake_names_the_file_case_and_field(tmp_path, case, named):
    path = write(
        tmp_path,
        "broken.toml",
        f'[[cases]]\nid = "c1"\nprompt = "p"\n{case}\n'.replace('prompt = "p"\nprompt', "prompt"),
    )
    with pytest.raises(SuiteError) as caught:
        load_suite(path)
    assert str(path) in str(caught.value) and "case c1" in str(caught.value) and named in str(caught.value)


def test_a_suite_without_cases_or_with_a_duplicate_id_is_refused(tmp_path):
    with pytest.raises(SuiteError, match="no cases"):
        load_suite(write(tmp_path, "empty.toml", 'name = "x"\n'))
    with pytest.raises(SuiteError, match="case a: the id is used twice"):
        load_suite(
            write(tmp_path, "dup.toml", '[[cases]]\nid = "a"\nprompt = "p"\n[[cases]]\nid = "a"\nprompt = "q"\n')
        )


def test_a_file_that_is_not_a_suite_is_refused_with_its_format(tmp_path):
    with pytest.raises(SuiteError, match="not valid TOML"):
        load_suite(write(tmp_path, "bad.toml", "cases = [\n"))
    with pytest.raises(SuiteError, match="is a .toml, .yaml, .csv or .jsonl file"):
        load_suite(write(tmp_path, "suite.txt", "hello"))


def test_a_custom_judge_prompt_must_use_known_placeholders(tmp_path):
    text = '[judge_prompts]\nrubric = "Grade {answer} by {rubrik}"\n[[cases]]\nprompt = "p"\n'
    with pytest.raises(SuiteError, match="judge_prompts.rubric"):
        load_suite(write(tmp_path, "s.toml", text))


@pytest.mark.parametrize("name", ["capitals.toml", "json_output.yaml", "coding.jsonl"])
def test_the_example_suites_read(name):
    suite = load_suite(SUITES / name)
    assert len(suite.cases) >= 3 and suite.models


def test_the_readme_suite_example_loads_as_written(tmp_path):
    import re

    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Evaluation runs") :]
    example = re.search(r"```toml\n(.*?)```", section, re.DOTALL).group(1)
    suite = load_suite(write(tmp_path, "readme.toml", example))
    assert [c.id for c in suite.cases] == ["france", "peru"]
    assert suite.case("peru").prompt.endswith("Peru? Answer in one word.")
