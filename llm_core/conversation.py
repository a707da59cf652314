"""A Compare conversation without Streamlit: panes and their histories, the next turn, votes, blind mode, diff, export.

The Compare page lays this out; everything here can be tested without a browser.
"""

from __future__ import annotations

import difflib
import json
import random
import re
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from .catalog import Catalog, Model
from .compare import Comparison, Job
from .config import Config
from .display import format_cost, format_ms, metrics_line, result_json
from .engine import check_fits
from .errors import SwitchboardError
from .options import Options
from .providers import PROVIDERS
from .record import Message, Result, new_id
from .templates import Template
from .tokens import count_messages

if TYPE_CHECKING:  # the log store imports pandas; the conversation only calls it
    from .logstore import LogStore

LETTERS = "ABCDEFGH"
MIN_PANES, MAX_PANES = 2, 4
TIE, ALL_BAD = "tie", "both_bad"
DEMO_MODELS = ("echo", "echo-outline")

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


# --- models for the panes -------------------------------------------------------------------------------


def is_ready(model: Model, config: Config) -> bool:
    """True when this real (non-demo) model can be called: its key is set, or it was found on a local server."""
    if model.is_demo:
        return False
    if model.base_url:
        return True
    spec = PROVIDERS[model.provider]
    if spec.needs_key:
        return config.key_for(spec) is not None
    return model.id.startswith(f"{model.provider}:")  # keyless (Ollama): only models its server listed


def default_models(catalog: Catalog, config: Config, count: int = MIN_PANES) -> list[str]:
    """The models a new page opens on: the best ready ones, one provider each first; the echo demos when none is."""
    price = lambda m: (m.input_price or 0) + (m.output_price or 0)  # noqa: E731
    ready = sorted(
        (m for m in catalog.models.values() if is_ready(m, config)), key=lambda m: (-m.priority, price(m), m.id)
    )
    if not ready:
        return [m for m in DEMO_MODELS if m in catalog.models][:count] or catalog.ids()[:count]
    first_of_provider = [m for i, m in enumerate(ready) if m.provider not in {p.provider for p in ready[:i]}]
    chosen = (first_of_provider + [m for m in ready if m not in first_of_provider])[:count]
    while len(chosen) < count:  # fewer ready models than panes: fill with a demo model
        chosen.append(catalog.get(DEMO_MODELS[0]))
    return [m.id for m in chosen]


@dataclass(frozen=True)
class Choice:
    """One entry of a pane's model picker."""

    id: str
    label: str  # "OpenAI · GPT-4o mini"
    configured: bool
    hint: str  # what to set when not configured


def model_choices(catalog: Catalog, config: Config) -> list[Choice]:
    """Every model grouped by provider: ready ones first, then the offline demo, local servers, and the rest."""
    provider_rank = {name: i for i, name in enumerate(PROVIDERS)}

    def order(m: Model) -> tuple:
        if is_ready(m, config):
            group = 0
        elif m.is_demo:
            group = 1
        else:  # a keyless local server not seen yet, or a provider without its key
            group = 2 if config.status(m.provider).configured else 3
        return group, provider_rank.get(m.provider, 99), -m.priority, m.label

    choices = []
    for m in sorted(catalog.models.values(), key=order):
        status = config.status(m.provider)
        configured = status.configured or bool(m.base_url)
        named = status.label.split()[0] in m.label  # "Llama 3.3 70B (Groq)" already says who serves it
        label = m.label if named else f"{status.label} · {m.label}"
        choices.append(Choice(m.id, label, configured, "" if configured else status.hint))
    return choices


# --- the conversation -----------------------------------------------------------------------------------


@dataclass
class Exchange:
    """One prompt in one pane and the model's answer to it (a live Result while it streams)."""

    prompt: str  # as the user typed it
    sent: str  # as sent: after the template
    result: Result
    serial: int  # unique within the pane, for stable widget keys
    refused: bool = False  # never sent, e.g. too long for the model's context window
    rating: int | None = None  # 1–5 stars
    comment: str = ""


@dataclass
class Switch:
    """A marker in a pane's history: the model changed here."""

    from_label: str
    to_label: str


@dataclass
class Pane:
    """One column: its model and its own history."""

    id: str
    model: str
    label: str
    items: list[Exchange | Switch] = field(default_factory=list)
    serial: int = 0

    @property
    def exchanges(self) -> list[Exchange]:
        return [item for item in self.items if isinstance(item, Exchange)]

    @property
    def last(self) -> Exchange | None:
        return next((item for item in reversed(self.items) if isinstance(item, Exchange)), None)

    def switch_to(self, model: str, label: str) -> None:
        """Continue with another model; the history stays and the switch is marked in it."""
        if model == self.model:
            return
        if self.exchanges:
            self.items.append(Switch(self.label, label))
        self.model, self.label = model, label

    def messages(self, system: str = "") -> list[Message]:
        """What this pane has said so far, as the messages the next turn sends before its prompt."""
        messages: list[Message] = [{"role": "system", "content": system}] if system.strip() else []
        for exchange in self.exchanges:
            if exchange.result.text and not exchange.refused:  # unanswered prompts are left out
                messages.append({"role": "user", "content": exchange.sent})
                messages.append({"role": "assistant", "content": exchange.result.text})
        return messages

    def add(self, prompt: str, sent: str, result: Result, refused: bool = False) -> Exchange:
        self.serial += 1
        exchange = Exchange(prompt, sent, result, self.serial, refused)
        self.items.append(exchange)
        return exchange

    def drop_last(self) -> Exchange | None:
        """Take the last exchange out of the history (to send it again); markers after it stay."""
        last = self.last
        if last is not None:
            self.items.remove(last)
        return last


@dataclass(frozen=True)
class Participant:
    """A pane that answered the latest comparison, under the letter it is shown with."""

    letter: str
    pane: Pane
    exchange: Exchange


@dataclass(frozen=True)
class Vote:
    """A stored vote on one comparison."""

    comparison_id: str
    choice: str  # a letter, TIE or ALL_BAD
    winner: str  # the winning request_id, TIE or ALL_BAD
    label: str
    models: list[str]
    request_ids: list[str]


@dataclass(frozen=True)
class PromptEstimate:
    """What the next turn will cost a pane before the user's prompt is added."""

    tokens: int
    cost_usd: float | None
    context_window: int | None


@dataclass
class Conversation:
    """Every pane of one Compare page, the votes cast, and blind mode."""

    panes: list[Pane] = field(default_factory=list)
    votes: dict[str, Vote] = field(default_factory=dict)
    blind: bool = False
    seed: int = 0
    revealed: bool = False
    last_comparison_id: str = ""
    live: Pacer | None = None
    next_pane: int = 1

    @classmethod
    def opening(cls, catalog: Catalog, config: Config) -> Conversation:
        """A fresh page with the default models."""
        conversation = cls()
        for model_id in default_models(catalog, config):
            conversation.add_pane(model_id, catalog.get(model_id).label)
        return conversation

    # --- panes ---

    def add_pane(self, model: str, label: str) -> Pane | None:
        """A new empty pane (None when there are already MAX_PANES)."""
        if len(self.panes) >= MAX_PANES:
            return None
        pane = Pane(f"p{self.next_pane}", model, label)
        self.next_pane += 1
        self.panes.append(pane)
        return pane

    def remove_pane(self, pane_id: str) -> None:
        """Close a pane, keeping at least MIN_PANES."""
        if len(self.panes) > MIN_PANES:
            self.panes = [p for p in self.panes if p.id != pane_id]

    def pane(self, pane_id: str) -> Pane:
        return next(p for p in self.panes if p.id == pane_id)

    def shown(self) -> list[Pane]:
        """Panes in the order they are shown: as added, or shuffled by the seed in blind mode."""
        if not self.blind:
            return list(self.panes)
        return blind_order(self.panes, self.seed)

    def letters(self) -> dict[str, str]:
        """Pane id → the letter it is shown under."""
        return {pane.id: LETTERS[i] for i, pane in enumerate(self.shown())}

    @property
    def hidden(self) -> bool:
        """True while blind mode hides the model names."""
        return self.blind and not self.revealed

    def title(self, pane: Pane) -> str:
        """'Model A' while names are hidden, else 'A · label'."""
        letter = self.letters()[pane.id]
        return f"Model {letter}" if self.hidden else f"{letter} · {pane.label}"

    def set_blind(self, on: bool, seed: int | None = None) -> None:
        """Turn blind mode on (names hidden, panes reshuffled) or off."""
        self.blind, self.revealed = on, False
        self.seed = random.randrange(1 << 30) if seed is None else seed

    def clear(self) -> None:
        """Empty every pane's history; a blind round starts over, hidden and reshuffled."""
        self.settle()
        for pane in self.panes:
            pane.items.clear()
        self.last_comparison_id = ""
        if self.blind:
            self.set_blind(True)

    # --- turns ---

    def start_turn(
        self,
        prompt: str,
        *,
        catalog: Catalog,
        template: Template | None = None,
        system: str = "",
        options: Mapping[str, Options] | None = None,
        **turn_options,
    ) -> Comparison | None:
        """Add the prompt to every pane; the Comparison to run (None for a blank prompt or when no pane can take it)."""
        if not prompt.strip():
            return None
        sent = template.render(prompt) if template else prompt
        drafts = [(pane, prompt, sent) for pane in self.panes]
        template_name = template.name if template else ""
        return self._launch(drafts, new_id(), catalog, system, options or {}, template_name, turn_options)

    def regenerate(
        self, *, catalog: Catalog, system: str = "", options: Mapping[str, Options] | None = None, **turn_options
    ) -> Comparison | None:
        """Send the latest turn again to the panes that answered it, replacing their answers."""
        self.settle()
        latest = [(p, p.last) for p in self.panes if p.last and p.last.result.comparison_id == self.last_comparison_id]
        if not latest:
            return None
        template = next((last.result.template for _, last in latest if last.result.template), "")
        for pane, _ in latest:
            pane.drop_last()
        drafts = [(pane, last.prompt, last.sent) for pane, last in latest]
        return self._launch(drafts, new_id(), catalog, system, options or {}, template, turn_options)

    def retry(
        self,
        pane_id: str,
        *,
        catalog: Catalog,
        system: str = "",
        options: Mapping[str, Options] | None = None,
        **turn_options,
    ) -> Comparison | None:
        """Send one pane's last prompt again (after an error), within the same comparison."""
        self.settle()
        pane = self.pane(pane_id)
        last = pane.drop_last()
        if last is None:
            return None
        drafts = [(pane, last.prompt, last.sent)]
        comparison_id = last.result.comparison_id or new_id()
        return self._launch(drafts, comparison_id, catalog, system, options or {}, last.result.template, turn_options)

    def _launch(
        self,
        drafts: list[tuple[Pane, str, str]],
        comparison_id: str,
        catalog: Catalog,
        system: str,
        options: Mapping[str, Options],
        template: str,
        turn_options: dict,
    ) -> Comparison | None:
        """Refuse the panes the prompt does not fit; the rest become one Comparison, kept in `live` until run."""
        self.settle()
        jobs, taken = [], []
        for pane, prompt, sent in drafts:
            messages = pane.messages(system) + [{"role": "user", "content": sent}]
            try:
                check_fits(catalog.get(pane.model), messages)
            except SwitchboardError as e:  # too long, or a model that no longer exists: refused for this pane only
                refusal = Result(model=pane.model, requested_model=pane.model, comparison_id=comparison_id)
                refusal.label, refusal.prompt, refusal.system, refusal.template = pane.label, sent, system, template
                refusal.status, refusal.error, refusal.error_kind = "error", str(e), type(e).__name__
                pane.add(prompt, sent, refusal, refused=True)
                continue
            jobs.append(Job(pane.model, messages, options.get(pane.id), template))
            taken.append((pane, prompt, sent))
        self.last_comparison_id = comparison_id
        if not jobs:
            return None
        comparison = Comparison(jobs, comparison_id=comparison_id, catalog=catalog, **turn_options)
        for (pane, prompt, sent), result in zip(taken, comparison.results, strict=True):
            pane.add(prompt, sent, result)
        self.live = Pacer(comparison)
        return comparison

    # --- votes and ratings ---

    def participants(self) -> list[Participant]:
        """The panes that were sent the latest comparison, in shown order."""
        letters = self.letters()
        return [
            Participant(letters[pane.id], pane, pane.last)
            for pane in self.shown()
            if pane.last is not None
            and pane.last.result.comparison_id == self.last_comparison_id
            and not pane.last.refused
        ]

    def can_vote(self) -> bool:
        """True when two or more panes have finished the latest comparison and it has no vote yet."""
        people = self.participants()
        return (
            len(people) >= 2
            and all(p.exchange.result.done for p in people)
            and self.last_comparison_id not in self.votes
            and self.live is None
        )

    def cast_vote(self, choice: str, store: LogStore) -> Vote:
        """Store a vote on the latest comparison (a letter, TIE or ALL_BAD); blind mode reveals the names."""
        people = self.participants()
        labels = dict(vote_choices([p.letter for p in people]))
        if choice not in labels:
            raise ValueError(f"unknown vote {choice!r}; choices: {', '.join(labels)}")
        request_ids = [p.exchange.result.request_id for p in people]
        winner = winner_for(choice, [p.letter for p in people], request_ids)
        models = [p.exchange.result.model for p in people]
        store.append_vote(self.last_comparison_id, winner, models=models, request_ids=request_ids)
        vote = Vote(self.last_comparison_id, choice, winner, labels[choice], models, request_ids)
        self.votes[self.last_comparison_id] = vote
        self.revealed = True
        return vote

    def rate(self, pane_id: str, serial: int, stars: int, store: LogStore, comment: str | None = None) -> Exchange:
        """Store a 1–5 star rating (and an optional comment) for one answer."""
        if not 1 <= stars <= 5:
            raise ValueError(f"a rating is 1 to 5 stars, not {stars}")
        exchange = next(e for e in self.pane(pane_id).exchanges if e.serial == serial)
        comment = exchange.comment if comment is None else comment.strip()
        store.append_rating(exchange.result.request_id, stars, comment)
        exchange.rating, exchange.comment = stars, comment
        return exchange

    # --- in flight ---

    def settle(self, timeout_s: float = 2.0) -> None:
        """Stop a turn that is still streaming (the page was interrupted) and let each answer file itself."""
        if self.live is None:
            return
        self.live.cancel()
        if self.live.started_at is None:  # never started: nothing was sent, so nothing is logged
            for result in self.live.comparison.results:
                result.status, result.error = "cancelled", "stopped before it was sent"
        self.live.wait(timeout_s)
        self.live = None

    # --- export ---

    def to_dict(self, system: str = "") -> dict:
        """The whole conversation as JSON-ready data (names hidden while blind mode hides them)."""
        panes = []
        for pane in self.shown():
            items = []
            for item in pane.items:
                if isinstance(item, Switch):
                    if not self.hidden:
                        items.append({"type": "switch", "from": item.from_label, "to": item.to_label})
                    continue
                record = result_json(item.result)
                if self.hidden:
                    for name in ("model", "requested_model", "provider", "provider_model", "label", "cost_usd"):
                        record[name] = None
                items.append(
                    {
                        "type": "turn",
                        "prompt": item.prompt,
                        "sent": item.sent,
                        "answer": item.result.text,
                        "rating": item.rating,
                        "comment": item.comment,
                        "refused": item.refused,
                        "result": record,
                    }
                )
            panes.append(
                {"pane": self.letters()[pane.id], "model": None if self.hidden else pane.model, "items": items}
            )
        votes = [
            {"comparison_id": v.comparison_id, "vote": v.label, "winner": v.winner, "request_ids": v.request_ids}
            for v in self.votes.values()
        ]
        return {
            "exported_at": datetime.now(UTC).isoformat(),
            "system": system,
            "blind": self.blind,
            "panes": panes,
            "votes": votes,
        }

    def to_json(self, system: str = "") -> str:
        """The conversation as pretty JSON."""
        return json.dumps(self.to_dict(system), indent=2, ensure_ascii=False)

    def to_markdown(self, system: str = "") -> str:
        """The conversation as a readable Markdown document, pane by pane."""
        lines = ["# Switchboard comparison", ""]
        if system.strip():
            lines += [f"**System prompt:** {system.strip()}", ""]
        for pane in self.shown():
            lines += [f"## {self.title(pane)}", ""]
            for item in pane.items:
                if isinstance(item, Switch):
                    if not self.hidden:
                        lines += [f"*Switched from {item.from_label} to {item.to_label}.*", ""]
                    continue
                lines += [f"**You:** {item.prompt}", ""]
                answer = item.result.text or f"*{error_title(item.result)}: {item.result.error}*"
                lines += ["**Answer:**", "", answer, ""]
                facts = [answer_metrics(item.result, hidden=self.hidden)]
                if item.rating:
                    facts.append(f"rated {'★' * item.rating}{'☆' * (5 - item.rating)}")
                if item.comment:
                    facts.append(f"“{item.comment}”")
                lines += [f"_{' · '.join(facts)}_", ""]
        for vote in self.votes.values():
            lines += [f"**Vote:** {vote.label}", ""]
        return "\n".join(lines).rstrip() + "\n"


# --- pure helpers -----------------------------------------------------------------------------------------


def blind_order(panes: list, seed: int) -> list:
    """The panes shuffled by the seed: the same seed always gives the same order."""
    shuffled = list(panes)
    random.Random(seed).shuffle(shuffled)
    return shuffled


def vote_choices(letters: list[str]) -> list[tuple[str, str]]:
    """(choice, button label) pairs: 'A is better'… for two panes, 'A is best'… for more, then tie and bad."""
    better = "better" if len(letters) == 2 else "best"
    bad = "Both bad" if len(letters) == 2 else "All bad"
    return [(letter, f"{letter} is {better}") for letter in letters] + [(TIE, "Tie"), (ALL_BAD, bad)]


def winner_for(choice: str, letters: list[str], request_ids: list[str]) -> str:
    """The vote's winner as the log stores it: the winning request_id, TIE or ALL_BAD."""
    if choice in (TIE, ALL_BAD):
        return choice
    return request_ids[letters.index(choice)]


_WORD = re.compile(r"\S+\s*")


def word_diff(old: str, new: str) -> list[tuple[str, str]]:
    """Word-level differences turning old into new: runs of ('equal' | 'delete' | 'insert', text)."""
    a, b = _WORD.findall(old.strip()), _WORD.findall(new.strip())
    matcher = difflib.SequenceMatcher(None, [w.strip() for w in a], [w.strip() for w in b], autojunk=False)
    runs: list[tuple[str, str]] = []

    def emit(op: str, words: list[str]) -> None:
        if not words:
            return
        if runs and runs[-1][0] == op:
            runs[-1] = (op, runs[-1][1] + "".join(words))
        else:
            runs.append((op, "".join(words)))

    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            emit("equal", b[j1:j2])
        else:
            emit("delete", a[i1:i2])
            emit("insert", b[j1:j2])
    return runs


def error_title(r: Result) -> str:
    """A short human title for a failed answer, e.g. 'Rate limited (after 3 attempts)'."""
    if r.status == "cancelled":
        return "Stopped"
    title = ERROR_TITLES.get(r.error_kind, "Failed" if r.status == "error" else "Cut short")
    if r.status == "incomplete" and r.text:
        title = f"Cut short: {title.lower()}" if r.error_kind in ERROR_TITLES else "Cut short"
    return f"{title} (after {r.attempts} attempts)" if r.attempts > 1 else title


def answer_metrics(r: Result, hidden: bool = False) -> str:
    """The metrics line under an answer; without cost or model names while blind mode hides them."""
    if not hidden:
        return metrics_line(r)
    estimated = " (est.)" if r.estimated_tokens else ""
    tokens = "–" if r.prompt_tokens is None else f"{r.prompt_tokens:,} → {r.completion_tokens or 0:,} tok{estimated}"
    rate = "–" if r.tokens_per_s is None else f"{r.tokens_per_s:.0f} tok/s"
    return " · ".join([f"TTFT {format_ms(r.ttft_ms)}", format_ms(r.latency_ms), tokens, rate])


def live_metrics(r: Result, elapsed_s: float) -> str:
    """The line under an answer while it streams: time to first token and tokens/s so far, or the wait."""
    if r.ttft_ms is None:
        return f"Waiting for the first token… {elapsed_s:.1f} s"
    rate = "–" if r.tokens_per_s is None else f"{r.tokens_per_s:.0f} tok/s"
    return f"TTFT {format_ms(r.ttft_ms)} · {rate} · {elapsed_s:.1f} s · streaming…"


def settled_blocks(text: str) -> tuple[list[str], str]:
    """Streaming Markdown split into blocks that can no longer change (ended by a blank line outside a code
    fence) and the growing tail, so a page repaints only the tail while an answer streams."""
    blocks, start, position, in_fence = [], 0, 0, False
    for line in text.splitlines(keepends=True):
        position += len(line)
        stripped = line.strip()
        if stripped.startswith(("```", "~~~")):
            in_fence = not in_fence
        elif not stripped and not in_fence and line.endswith("\n"):
            if text[start:position].strip():
                blocks.append(text[start:position].strip("\n"))
            start = position
    return blocks, text[start:]


def prompt_estimate(model: Model, messages: list[Message]) -> PromptEstimate:
    """Tokens and cost of sending these messages to this model (before the user's new prompt)."""
    tokens, _ = count_messages(messages)
    return PromptEstimate(tokens, model.cost(tokens, 0), model.context_window)


def estimate_line(estimate: PromptEstimate, hidden: bool = False) -> str:
    """'≈ 120 of 128,000 tokens · $0.000018 + your prompt'; no price or window while blind mode hides the model."""
    if hidden:
        return f"≈ {estimate.tokens:,} tokens + your prompt"
    window = f" of {estimate.context_window:,}" if estimate.context_window else ""
    return f"≈ {estimate.tokens:,}{window} tokens · {format_cost(estimate.cost_usd)} + your prompt"


# --- pacing repaints ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tick:
    """One beat: the slots finished so far (each has filed its answer), and whether all have."""

    finished: frozenset[int]
    done: bool


class Pacer:
    """Reads a Comparison on a background thread and hands the page a steady beat of repaints.

    The page repaints what changed at most every `every_s` (not per token) and at once when a pane finishes
    (the live Results hold the text so far); it gets a beat even while nothing arrives, so a Stop click is
    noticed promptly.
    """

    def __init__(self, comparison: Comparison, every_s: float = 0.1):
        self.comparison = comparison
        self.every_s = every_s
        self.started_at: float | None = None
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._finished: set[int] = set()
        self._closed = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> Pacer:
        """Start every model (once)."""
        if self._thread is None:
            self.started_at = time.monotonic()
            self._thread = threading.Thread(target=self._drain, daemon=True, name="compare-pacer")
            self._thread.start()
        return self

    def _drain(self) -> None:
        try:
            for event in self.comparison:
                if event.done:
                    with self._lock:
                        self._finished.add(event.slot)
                    self._wake.set()  # a finished pane is painted at once
        finally:
            self._closed.set()
            self._wake.set()

    def ticks(self) -> Iterator[Tick]:
        """Beats until every model has finished; the last one has done=True."""
        self.start()
        while True:
            self._wake.wait(self.every_s)
            done = self._closed.is_set()  # read first: once closed, every finished slot is recorded
            with self._lock:
                self._wake.clear()
                finished = frozenset(self._finished)
            yield Tick(finished, done)
            if done:
                return

    @property
    def finished(self) -> bool:
        return self._closed.is_set()

    def cancel(self) -> None:
        """Stop every stream."""
        self.comparison.cancel()

    def wait(self, timeout_s: float) -> bool:
        """Wait until every model has finished and filed its answer; False on timeout."""
        if self._thread is None:  # never started: nothing runs, nothing to file
            return True
        return self._closed.wait(timeout_s)
