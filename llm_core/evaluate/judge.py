"""A judge model: grades one answer by a rubric (1-10), or compares two answers, MT-Bench style, in both orders.

The prompts are versioned (the version is logged with every verdict) and a suite may override them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from ..catalog import Model
from .assertions import SuiteError

Verdict = Literal["A", "B", "tie"]
Outcome = Literal["a", "b", "tie", "inconsistent", "error"]


@dataclass(frozen=True)
class JudgePrompt:
    """One versioned judge prompt; `text` has {placeholders} filled per call."""

    version: str
    text: str


RUBRIC_PROMPT = JudgePrompt(
    "rubric-v1",
    "Please act as an impartial judge and grade the quality of an AI assistant's answer to the user question"
    " below, by this rubric:\n\n{rubric}\n\n"
    "A reference answer, when one is given, shows what a correct answer contains.\n\n"
    "[Question]\n{prompt}\n\n[Reference answer]\n{expected}\n\n[The assistant's answer]\n{answer}\n\n"
    "Explain your grade in at most three sentences. Then, on the last line, write the grade from 1 (worst) to"
    ' 10 (best) in exactly this form: "Score: N".',
)
PAIRWISE_PROMPT = JudgePrompt(
    "pairwise-v1",
    "Please act as an impartial judge and evaluate the quality of the answers given by two AI assistants to the"
    " user question below. Choose the assistant that follows the user's instructions and answers the question"
    " better, considering helpfulness, relevance, accuracy, depth and level of detail. Do not let the order in"
    " which the answers are shown, their length or the assistants' names influence you. Be as objective as"
    " possible.\n\n[Question]\n{prompt}\n\n[The start of assistant A's answer]\n{answer_a}\n"
    "[The end of assistant A's answer]\n\n[The start of assistant B's answer]\n{answer_b}\n"
    "[The end of assistant B's answer]\n\n"
    'After a short explanation, give your final verdict in exactly this form: "[[A]]" if assistant A is better,'
    ' "[[B]]" if assistant B is better, and "[[C]]" for a tie.',
)
PROMPTS = {"rubric": RUBRIC_PROMPT, "pairwise": PAIRWISE_PROMPT}
PLACEHOLDERS = {"rubric": ("rubric", "prompt", "expected", "answer"), "pairwise": ("prompt", "answer_a", "answer_b")}
NEEDS_JUDGE = (
    "needs a judge model: pass --judge MODEL (or set `judge` in the suite, or pick one on the Evaluate page);"
    " it must be a configured model, since the offline demo cannot grade"
)

_SCORE = re.compile(r"score\s*[:=]\s*\**\s*(\d+(?:\.\d+)?)", re.IGNORECASE)
_VERDICT = re.compile(r"\[\[\s*([ABC])\s*\]\]")


def judge_problem(judge: Model | None) -> str:
    """Why this judge cannot grade ('' when it can): none was picked, or it is the offline demo."""
    if judge is None:
        return NEEDS_JUDGE
    if judge.is_demo:
        return f"{judge.id} is an offline demo and cannot grade; this check {NEEDS_JUDGE}"
    return ""


def rubric_messages(prompt: JudgePrompt, *, rubric: str, question: str, expected: str, answer: str) -> list:
    """The judge's conversation for grading one answer by a rubric."""
    text = prompt.text.format(rubric=rubric, prompt=question, expected=expected or "(none given)", answer=answer)
    return [{"role": "user", "content": text}]


def pairwise_messages(prompt: JudgePrompt, *, question: str, answer_a: str, answer_b: str) -> list:
    """The judge's conversation for comparing two answers, A shown first."""
    return [{"role": "user", "content": prompt.text.format(prompt=question, answer_a=answer_a, answer_b=answer_b)}]


def parse_score(text: str) -> float | None:
    """The judge's 1-10 grade (the last `Score: N` in its reply), or None when it gave none in range."""
    found = _SCORE.findall(text)
    if not found:
        return None
    score = float(found[-1])
    return score if 1 <= score <= 10 else None


def parse_verdict(text: str) -> Verdict | None:
    """The judge's pairwise verdict (its last [[A]], [[B]] or [[C]]), or None when it gave none."""
    found = _VERDICT.findall(text)
    if not found:
        return None
    return {"A": "A", "B": "B", "C": "tie"}[found[-1]]  # type: ignore[return-value]


def combine(first: Verdict | None, second: Verdict | None) -> Outcome:
    """One outcome from both orders: `first` saw model a as A, `second` saw model b as A.

    Agreeing verdicts count; disagreeing ones are 'inconsistent' (a tie on the board), as MT-Bench does.
    """
    if first is None or second is None:
        return "error"
    second_for_a = {"A": "B", "B": "A", "tie": "tie"}[second]  # the same verdict, named from a's side
    if first != second_for_a:
        return "inconsistent"
    return {"A": "a", "B": "b", "tie": "tie"}[first]  # type: ignore[return-value]


def custom_prompts(overrides: dict[str, str], source: str) -> dict[str, JudgePrompt]:
    """The judge prompts with a suite's overrides, each checked to use exactly the known placeholders."""
    prompts = dict(PROMPTS)
    for kind, text in overrides.items():
        if kind not in PROMPTS:
            raise SuiteError(f"{source}: judge_prompts: unknown prompt {kind!r}; known: {', '.join(PROMPTS)}")
        if not isinstance(text, str):
            raise SuiteError(f"{source}: judge_prompts.{kind} is text")
        try:
            text.format(**{name: "" for name in PLACEHOLDERS[kind]})
        except (KeyError, IndexError, ValueError) as e:
            raise SuiteError(
                f"{source}: judge_prompts.{kind}: {e!r} is not a placeholder it can fill; use"
                f" {', '.join('{' + p + '}' for p in PLACEHOLDERS[kind])} (double other braces)"
            ) from e
        prompts[kind] = JudgePrompt(f"{kind}-custom", text)
    return prompts
