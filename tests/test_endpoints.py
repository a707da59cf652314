"""A custom OpenAI-compatible endpoint becomes catalog models for the session, or a message saying what to fix."""

import re

import pytest

from llm_core import CatalogError
from llm_core.endpoints import custom_models


def test_each_model_name_becomes_a_model_on_that_endpoint():
    models = custom_models("my-vllm", "http://gpu:8000/v1/", " sk-local-1 ", "qwen, llama\nqwen", input_price=0.1)
    assert [m.id for m in models] == ["my-vllm/qwen", "my-vllm/llama"]
    assert {m.base_url for m in models} == {"http://gpu:8000/v1"} and models[0].api_key == "sk-local-1"
    assert models[0].provider == "openai" and models[0].input_price == 0.1


@pytest.mark.parametrize(
    "name, url, names, expected",
    [
        ("", "http://gpu:8000/v1", "qwen", "short name"),
        ("box", "gpu:8000", "qwen", "must be http(s)"),
        ("box", "http://gpu:8000/v1", " , ", "at least one model"),
    ],
)
def test_mistakes_say_what_to_fix(name, url, names, expected):
    with pytest.raises(CatalogError, match=re.escape(expected)):
        custom_models(name, url, None, names)


def test_an_out_of_range_price_names_the_field():
    with pytest.raises(CatalogError, match="input_price"):
        custom_models("box", "http://gpu:8000/v1", None, "qwen", input_price=-1)
