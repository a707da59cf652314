"""A broken user templates file is explained (file, template, mistake), and the API and the CLI keep working with
the shipped templates, as they do with a broken model catalog."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from llm_core.api.server import create_app
from llm_core.templates import usable_templates

ROOT = Path(__file__).parents[1]


@pytest.fixture
def broken_templates(isolated) -> Path:
    """./templates.toml with one template whose placeholder is not closed."""
    path = isolated / "templates.toml"
    path.write_text('[templates.haiku]\ntext = "Write a haiku about {prompt"\n')
    return path


def test_a_broken_templates_file_leaves_config_working_and_says_why(broken_templates):
    config = TestClient(create_app()).get("/config")
    assert config.status_code == 200, config.text
    body = config.json()
    assert {t["name"] for t in body["templates"]} >= {"plain", "summarize"}
    assert "haiku" not in {t["name"] for t in body["templates"]}
    problem = body["templates_problem"]
    assert str(broken_templates) in problem and "'haiku'" in problem and "literal braces" in problem
    assert "only the templates it ships with" in problem


def test_good_templates_report_no_problem_on_the_api(isolated):
    (isolated / "templates.toml").write_text('[templates.haiku]\ntext = "Write a haiku about {prompt}"\n')
    body = TestClient(create_app()).get("/config").json()
    assert body["templates_problem"] is None
    assert "haiku" in {t["name"] for t in body["templates"]}


def test_a_shipped_template_still_answers_while_the_users_file_is_broken(broken_templates):
    client = TestClient(create_app())
    reply = client.post("/generate?model=echo", json={"prompt": "The Nile is long.", "template": "summarize"})
    assert reply.status_code == 200, reply.text
    assert reply.json()["status"] == "ok" and "Summarise the following" in reply.json()["response"]


def test_asking_for_a_template_from_the_broken_file_says_what_to_fix(broken_templates):
    reply = TestClient(create_app()).post("/generate?model=echo", json={"prompt": "rain", "template": "haiku"})
    assert reply.status_code == 400
    detail = reply.json()["detail"]
    assert "unknown template 'haiku'" in detail and "known: plain" in detail
    assert str(broken_templates) in detail and "literal braces" in detail


def test_usable_templates_are_the_shipped_ones_and_the_problem_when_the_users_file_is_broken(broken_templates):
    usable = usable_templates()
    assert "plain" in usable.templates and "haiku" not in usable.templates
    assert str(broken_templates) in usable.problem
    usable.templates.clear()  # a caller's copy: the next caller still gets every shipped template
    assert "plain" in usable_templates().templates


def test_the_cli_warns_about_a_broken_templates_file_and_answers_with_a_shipped_template(broken_templates):
    done = subprocess.run(
        [sys.executable, "-m", "llm_core", "ask", "-m", "echo", "--template", "summarize", "The Nile is long."],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=broken_templates.parent,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert done.returncode == 0, done.stderr
    assert "Summarise the following" in done.stdout
    assert str(broken_templates) in done.stderr and "literal braces" in done.stderr
    assert "Traceback" not in done.stderr


def test_compare_and_settings_offer_the_shipped_templates_and_say_what_to_fix(broken_templates):
    from streamlit.testing.v1 import AppTest

    compare = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=30).run()
    assert not compare.exception
    offered = " ".join(compare.selectbox(key="template").options)
    assert "plain" in offered and "summarize" in offered
    assert [w.value for w in compare.warning if "'haiku'" in w.value] != []

    settings = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=30)
    settings.switch_page("pages/settings.py").run()
    assert not settings.exception
    assert len([w.value for w in settings.warning if "'haiku'" in w.value]) == 1
    assert "summarize" in " ".join(e.label for e in settings.expander)
