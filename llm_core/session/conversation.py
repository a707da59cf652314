"""A Compare conversation without Streamlit: its panes, the next turn, votes and ratings, blind mode.

The Compare page lays this out; everything here can be tested without a browser. A pane and its history
live in `pane`, the opening models in `picker`, repaint pacing in `pacing`, export in `export`.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..catalog import Catalog, Model
from ..compare import Comparison, Job
from ..config import Config
from ..engine import check_fits
from ..errors import SwitchboardError
from ..options import Options
from ..record import new_id
from ..templates import Template
from . import inflight
from .pacing import Pacer
from .pane import MAX_PANES, MIN_PANES, Exchange, Pane, Switch
from .picker import default_models
from .votes import Participant, Vote, answered, judged, new_vote, shown_choice, verdict

if TYPE_CHECKING:  # the log store imports pandas; the conversation only calls it
    from ..store.csv_store import LogStore

LETTERS = "ABCDEFGH"
PaneOptions = Mapping[str, Options]  # pane id -> the options its model is called with


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
    id: str = field(default_factory=new_id)  # logged as each answer's session_id; the page's URL carries it
    read_only: bool = False  # reopened from History: shown, not continued until the user asks
    sent_panes: list[str] = field(default_factory=list)  # the panes the latest comparison was logged from, closed too

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

    def keep_only(self, pane_id: str) -> None:
        """Close every pane but one (continue with a vote's winner); the votes and the log keep the others."""
        self.settle()
        self.panes = [p for p in self.panes if p.id == pane_id]
        self.blind, self.revealed = False, True

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

    def turn_rows(self) -> dict[str, list[list[Exchange | Switch]]]:
        """Pane id → its history cut into the conversation's turns, oldest first, as many rows in every pane (plus
        one for what follows the last turn), so turn N can be drawn level across panes. A pane that took no part in
        a turn (added later) has an empty row there; a model switch goes with the turn after it."""
        keyed = {pane.id: [(_turn_key(pane, e), e) for e in pane.exchanges] for pane in self.panes}
        turns = _merged_order([[key for key, _ in exchanges] for exchanges in keyed.values()])
        index = {key: i for i, key in enumerate(turns)}
        rows = {}
        for pane in self.panes:
            rows[pane.id], switches = [[] for _ in range(len(turns) + 1)], []
            for item in pane.items:
                if isinstance(item, Switch):
                    switches.append(item)
                    continue
                rows[pane.id][index[_turn_key(pane, item)]] += [*switches, item]
                switches = []
            rows[pane.id][-1] = switches
        return rows

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
        if on:
            inflight.remember_seed(self.id, self.seed)

    def clear(self) -> None:
        """Empty every pane's history; a blind round starts over, hidden and reshuffled."""
        self.settle()
        for pane in self.panes:
            pane.items.clear()
        self.last_comparison_id, self.sent_panes = "", []
        if self.blind:
            self.set_blind(True)

    def fresh(self) -> Conversation:
        """A new, empty conversation on the same panes and models (Clear); this one is left as it is."""
        c = Conversation(blind=self.blind, next_pane=self.next_pane)
        c.panes = [Pane(p.id, p.model, p.label) for p in self.panes]
        if self.blind:
            c.set_blind(True)
        return c

    # --- turns ---

    def start_turn(
        self,
        prompt: str,
        *,
        catalog: Catalog,
        template: Template | None = None,
        system: str = "",
        options: PaneOptions | None = None,
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
        self, *, catalog: Catalog, system: str = "", options: PaneOptions | None = None, **turn_options
    ) -> Comparison | None:
        """Send the latest turn again to the panes that answered it, replacing their answers (a new comparison that
        names the one it replaces, so the log keeps both and a reload shows the new answers in place of the old)."""
        self.settle()
        replaced = self.last_comparison_id
        latest = [(p, p.last) for p in self.panes if p.last and p.last.result.comparison_id == replaced]
        if not latest:
            return None
        template = next((last.result.template for _, last in latest if last.result.template), "")
        for pane, _ in latest:
            pane.drop_last()
        drafts = [(pane, last.prompt, last.sent) for pane, last in latest]
        return self._launch(drafts, new_id(), catalog, system, options or {}, template, turn_options, replaced)

    def retry(
        self, pane_id: str, *, catalog: Catalog, system: str = "", options: PaneOptions | None = None, **turn_options
    ) -> Comparison | None:
        """Send one pane's last prompt again (after an error), within the same comparison."""
        self.settle()
        pane = self.pane(pane_id)
        last = pane.drop_last()
        if last is None:
            return None
        drafts, comparison_id = [(pane, last.prompt, last.sent)], last.result.comparison_id or new_id()
        turn = (last.result.template, turn_options, last.result.replaces)  # a retried regeneration still replaces
        return self._launch(drafts, comparison_id, catalog, system, options or {}, *turn)

    def _launch(
        self,
        drafts: list[tuple[Pane, str, str]],
        comparison_id: str,
        catalog: Catalog,
        system: str,
        options: PaneOptions,
        template: str,
        turn_options: dict,
        replaces: str = "",
    ) -> Comparison | None:
        """Refuse the panes whose model has no key or that the prompt does not fit; the rest become one Comparison,
        kept in `live` until run."""
        self.settle()
        config = turn_options.get("config") or Config()
        jobs, taken = [], []
        for pane, prompt, sent in drafts:
            messages = pane.messages(system) + [{"role": "user", "content": sent}]
            try:
                model = catalog.get(pane.model)
                check_configured(model, config)
                check_fits(model, messages)
            except SwitchboardError as e:  # no key, too long, or no such model: refused (never sent) for this pane only
                pane.refuse(prompt, sent, e, comparison_id=comparison_id, system=system, template=template)
                continue
            jobs.append(Job(pane.model, messages, options.get(pane.id), template))
            taken.append((pane, prompt, sent))
        logged = [pane.id for pane, _, _ in taken]
        same_turn = comparison_id == self.last_comparison_id  # a retry: the turn's other panes stay in it
        self.sent_panes = list(dict.fromkeys([*self.sent_panes, *logged])) if same_turn else logged
        self.last_comparison_id = comparison_id
        if not jobs:
            return None
        comparison = Comparison(jobs, comparison_id=comparison_id, catalog=catalog, deltas=False, **turn_options)
        for (pane, prompt, sent), result in zip(taken, comparison.results, strict=True):
            result.pane_id = pane.id  # logged with the answer, so History rebuilds the panes
            result.replaces = replaces
            pane.add(prompt, sent, result)
        self.live = Pacer(comparison)
        inflight.register(self.id, self.live)
        return comparison

    # --- votes and ratings ---

    def participants(self) -> list[Participant]:
        """The panes that were sent the latest comparison, in shown order."""
        return answered(self.shown(), self.letters(), self.last_comparison_id)

    def contenders(self) -> list[Participant]:
        """The answers a vote on the latest comparison judges, in shown order: once cast, the ones it judged;
        before, every pane that answered it ok (a failed, stopped or cut-short pane cannot win or lose)."""
        vote = self.votes.get(self.last_comparison_id)
        if vote is not None:
            return self.judged(vote)
        return [p for p in self.participants() if p.exchange.result.ok]

    def judged(self, vote: Vote) -> list[Participant]:
        """The answers `vote` judged, in shown order, under the letters they are shown with now."""
        return judged(self.shown(), self.letters(), vote)

    def can_vote(self) -> bool:
        """True when every pane has finished the latest comparison, two or more answered ok, it has no vote, and the
        conversation is not shown read-only (someone else's, or reopened, until continued)."""
        return (
            not self.read_only
            and len(self.contenders()) >= 2
            and all(p.exchange.result.done for p in self.participants())
            and self.last_comparison_id not in self.votes
            and self.live is None
        )

    def cast_vote(self, choice: str, store: LogStore) -> Vote:
        """Store a vote on the latest comparison (a letter, TIE or ALL_BAD); blind mode reveals the names.
        One vote per comparison: a second click (a double click, before the buttons lock) keeps the first."""
        self.check_writable("vote")
        vote = new_vote(self.contenders(), choice, self.last_comparison_id)
        if vote.comparison_id in self.votes:
            return self.votes[vote.comparison_id]
        store.append_vote(vote.comparison_id, vote.winner, models=vote.models, request_ids=vote.request_ids)
        self.votes[vote.comparison_id] = vote
        self.revealed = True
        return vote

    def vote_choice(self, vote: Vote) -> str:
        """The button `vote` ticks now: its winner's letter in today's order, TIE or ALL_BAD."""
        return shown_choice(vote, self.judged(vote))

    def verdict(self, vote: Vote) -> str:
        """`vote` in words under today's letters, naming the models unless blind mode hides them."""
        return verdict(vote, self.judged(vote), self.hidden)

    def rate(self, pane_id: str, serial: int, stars: int, store: LogStore, comment: str | None = None) -> Exchange:
        """Store a 1–5 star rating (and an optional comment) for one answer."""
        if not 1 <= stars <= 5:
            raise ValueError(f"a rating is 1 to 5 stars, not {stars}")
        self.check_writable("rate")
        exchange = next(e for e in self.pane(pane_id).exchanges if e.serial == serial)
        comment = exchange.comment if comment is None else comment.strip()
        store.append_rating(exchange.result.request_id, stars, comment)
        exchange.rating, exchange.comment = stars, comment
        return exchange

    def check_writable(self, action: str) -> None:
        """SwitchboardError while the conversation is shown read-only: nothing is added to it until continued."""
        if self.read_only:
            raise SwitchboardError(
                f"this conversation is shown read-only: press Continue this conversation to {action}"
            )

    # --- in flight ---

    def settle(self, timeout_s: float = 2.0) -> None:
        """Stop a turn that is still streaming (the page was interrupted) and let each answer file itself."""
        if self.live is not None:
            self.live.stop(timeout_s)
            self.live = None


def _turn_key(pane: Pane, exchange: Exchange) -> str:
    """The turn an exchange belongs to: its comparison (shared by every pane sent the same prompt)."""
    return exchange.result.comparison_id or f"{pane.id}#{exchange.serial}"


def _merged_order(sequences: list[list[str]]) -> list[str]:
    """Every key of the sequences once, each sequence's own order kept (a later pane's turns after those it joined)."""
    order: list[str] = []
    for sequence in sequences:
        position = 0
        for key in sequence:
            if key in order:
                position = order.index(key) + 1
            else:
                order.insert(position, key)
                position += 1
    return order


def check_configured(model: Model, config: Config) -> None:
    """NeedsKeyError, naming the variable to set, when the model's provider needs a key that is not set."""
    if not model.base_url:  # a catalog entry with its own endpoint brings its own key, or needs none
        config.endpoint(model.provider)


def blind_order(panes: list, seed: int) -> list:
    """The panes shuffled by the seed: the same seed always gives the same order."""
    shuffled = list(panes)
    random.Random(seed).shuffle(shuffled)
    return shuffled
