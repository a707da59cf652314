"""Past Compare conversations rebuilt from the log store: panes, answers, ratings, votes and the sidebar's settings.

Every turn is logged with its conversation (the `session_id` column), its comparison and its pane (`pane_id`), so a
conversation's URL opens it again after a reload or a restart. Rows logged before `pane_id` existed are put in one
pane per model. Only the store's read queries are used, so any backend serves it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING

from ..catalog import Catalog
from ..options import Options
from ..record import Result
from ..templates import Template
from . import inflight
from .conversation import Conversation
from .pane import Pane
from .share import Setup
from .votes import Vote

if TYPE_CHECKING:  # the log store imports pandas; history only calls it
    from ..store.conversations import ConversationQueries, ConversationSummary

RESULT_FIELDS = {f.name for f in fields(Result)} - {"fallback_errors", "log_warning", "text"}
PARAMETERS = ("temperature", "max_tokens", "top_p")


@dataclass
class Reopened:
    """A conversation rebuilt from the log, and the settings its last turn was sent with."""

    conversation: Conversation
    setup: Setup
    pane_setups: dict[str, Options]  # pane id -> the options its last answer was made with
    closed: dict[str, Pane] = field(default_factory=dict)  # panes with answers that took no part in the last turn


@dataclass(frozen=True)
class Sent:
    """How a turn is sent: each pane's model and parameters, the template and the system prompt it is sent with.
    The page compares the next turn's with the last one's to know whether the sidebar holds unsent changes."""

    panes: tuple[tuple[str, str, Options], ...]  # (pane id, model, parameters) in the order shown unblinded
    template: str
    system: str


def past_conversations(store: ConversationQueries, search: str = "") -> list[ConversationSummary]:
    """The History list: past conversations, newest first, filtered by `search` when given."""
    return store.list_conversations(search)


def reopen(
    store: ConversationQueries,
    conversation_id: str,
    catalog: Catalog,
    templates: dict[str, Template],
    *,
    settle: bool = True,
) -> Reopened | None:
    """The conversation logged under `conversation_id`, rebuilt (None when the log has none). With `settle` (the
    page was reloaded mid-turn by its own browser), a turn of it still streaming here is stopped first, so what had
    arrived is in the log; without (someone else looking at it), it streams on and the rebuild has what is logged."""
    if settle:
        inflight.settle(conversation_id)
    rows = store.conversation_rows(conversation_id)
    if not rows:
        return None
    c = Conversation(id=conversation_id)
    panes: dict[str, Pane] = {}
    latest: dict[tuple[str, str], Result] = {}  # (pane, comparison) -> the answer shown there, in turn order
    for row in rows:
        result = result_from_row(row)
        pane_key = row.get("pane_id") or f"model:{result.model}"
        _place(latest, (pane_key, result.comparison_id), result)
    for (pane_key, _), result in latest.items():
        pane = panes.get(pane_key) or _new_pane(c, panes, pane_key, result, catalog)
        pane.switch_to(result.model, _label(catalog, result))
        row_typed = typed_prompt(result.prompt, templates.get(result.template))
        exchange = pane.add(row_typed, result.prompt, result)
        exchange.rating, exchange.comment = result_rating(rows, result.request_id)
    c.votes = {v.comparison_id: v for v in (_vote(row) for row in store.conversation_votes(conversation_id)) if v}
    c.last_comparison_id = rows[-1]["comparison_id"]
    c.sent_panes = list(dict.fromkeys(panes[key].id for key, cmp in latest if cmp == c.last_comparison_id))
    # A pane closed before the last turn (continue with the winner, or its x) stays closed, as the page showed it;
    # rows logged before pane ids existed cannot tell, so their panes all stay.
    closed = {p.id: p for k, p in panes.items() if p.id not in c.sent_panes and not k.startswith("model:")}
    c.panes = [p for p in c.panes if p.id not in closed]
    c.revealed = True
    return Reopened(c, *_setup(c, latest, templates), closed)


def last_sent(c: Conversation) -> Sent | None:
    """How the conversation's latest turn was sent (None before its first): what a reload restores from the log."""
    if not c.sent_panes:
        return None
    answers = {
        p.id: e.result
        for p in c.panes
        for e in p.exchanges
        if e.result.comparison_id == c.last_comparison_id and not e.refused
    }
    panes = tuple(
        (pane_id, _model_of(answers.get(pane_id)), _options_of(answers.get(pane_id))) for pane_id in c.sent_panes
    )
    results = list(answers.values())
    template = next((r.template for r in results if r.template), "")
    return Sent(panes, template, next((r.system for r in results if r.system), ""))


def _model_of(result: Result | None) -> str:
    return result.model if result else ""  # a pane closed since: no model is the same as its


def _options_of(result: Result | None) -> Options:
    return Options(**{name: getattr(result, name) for name in PARAMETERS}) if result else Options()


def restore_panes(reopened: Reopened, wanted: list[tuple[str, str]], catalog: Catalog) -> None:
    """Show the panes `wanted` ((pane id, model) in order; model "" to keep the pane's) as the page last showed
    them before its changes were sent: a pane closed, added or switched to another model since the last turn."""
    c = reopened.conversation
    known = {p.id: p for p in c.panes} | reopened.closed
    panes = []
    for pane_id, model in wanted:
        pane = known.get(pane_id)
        if pane is None and model in catalog.models:
            pane = Pane(pane_id, model, catalog.get(model).label)
        if pane is None:
            continue
        if model in catalog.models:
            pane.switch_to(model, catalog.get(model).label)
        panes.append(pane)
    if panes:  # one pane is a conversation continued with a vote's winner
        c.panes = panes
    numbers = [int(p.id[1:]) for p in c.panes if p.id[1:].isdigit()]
    c.next_pane = max([c.next_pane, *(n + 1 for n in numbers)])


def _place(latest: dict[tuple[str, str], Result], key: tuple[str, str], result: Result) -> None:
    """Put an answer in its pane's turn, as the page showed it: a retry in place of the try before it, a
    regenerated answer in place of the one it replaced (which stays in the log), anything else after the rest."""
    replaced = (key[0], result.replaces)
    if result.replaces and replaced in latest and key not in latest:
        kept = list(latest.items())
        latest.clear()
        latest.update((key, result) if k == replaced else (k, v) for k, v in kept)
    else:
        latest[key] = result


def _new_pane(c: Conversation, panes: dict[str, Pane], key: str, result: Result, catalog: Catalog) -> Pane:
    """A pane for the first answer logged under `key`, keeping the logged pane id when there is one."""
    pane_id = key if not key.startswith("model:") else f"p{c.next_pane}"
    pane = Pane(pane_id, result.model, _label(catalog, result))
    c.panes.append(pane)
    number = pane_id[1:]
    c.next_pane = max(c.next_pane, int(number) + 1 if number.isdigit() else c.next_pane + 1)
    panes[key] = pane
    return pane


def _label(catalog: Catalog, result: Result) -> str:
    model = catalog.models.get(result.model)
    return model.label if model else (result.label or result.model)


def result_from_row(row: dict) -> Result:
    """A logged requests.csv row as the Result it was logged from (what the log keeps of it)."""
    values = {name: _plain(row.get(name)) for name in RESULT_FIELDS if row.get(name) is not None}
    for name in ("request_id", "comparison_id", "session_id", "model", "requested_model"):
        values[name] = str(values.get(name, "") or "")
    result = Result(**values)
    result.text = str(row.get("response") or "")
    return result


def _plain(value: object) -> object:
    """A pandas cell as a plain Python value (Timestamp -> datetime, numpy numbers -> int or float)."""
    if hasattr(value, "to_pydatetime"):
        return value.to_pydatetime()
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def result_rating(rows: list[dict], request_id: str) -> tuple[int | None, str]:
    """The latest stars and comment logged for an answer."""
    row = next(r for r in reversed(rows) if r["request_id"] == request_id)
    stars = row.get("stars")
    return (int(stars) if stars is not None else None), str(row.get("rating_comment") or "")


def typed_prompt(sent: str, template: Template | None) -> str:
    """The prompt as the user typed it, taken back out of the template it was sent in (as sent when the template
    has changed since, or is gone)."""
    if template is None:
        return sent
    marker = "\x00"
    before, _, after = template.render(marker).partition(marker)
    if sent.startswith(before) and sent.endswith(after) and len(sent) >= len(before) + len(after):
        return sent[len(before) : len(sent) - len(after)]
    return sent


def _vote(row: dict) -> Vote | None:
    models, request_ids = row.get("models"), row.get("request_ids")
    if not isinstance(models, list) or not isinstance(request_ids, list):
        return None
    return Vote(str(row["comparison_id"]), str(row["winner"]), [str(m) for m in models], [str(r) for r in request_ids])


def _setup(
    c: Conversation, latest: dict[tuple[str, str], Result], templates: dict[str, Template]
) -> tuple[Setup, dict[str, Options]]:
    """The sidebar as the last turn was sent: its template and system prompt, the options every pane shared, and
    each pane's own where they differed."""
    last_turn = [r for (_, comparison), r in latest.items() if comparison == c.last_comparison_id]
    template_name = next((r.template for r in last_turn if r.template), "")
    system = next((r.system for r in last_turn if r.system), "")
    template = templates.get(template_name)
    if template and system == template.system:  # the template's own system prompt: the box stays empty
        system = ""
    by_pane = {}
    for pane in c.panes:
        if pane.last and pane.last.result.comparison_id == c.last_comparison_id:
            by_pane[pane.id] = Options(**{name: getattr(pane.last.result, name) for name in PARAMETERS})
    shared_values = {name: {getattr(o, name) for o in by_pane.values()} for name in PARAMETERS}
    shared = Options(**{name: next(iter(v)) for name, v in shared_values.items() if len(v) == 1})
    differing = {pane_id: o for pane_id, o in by_pane.items() if o != shared}
    setup = Setup(models=[p.model for p in c.panes], template=template_name, system=system, options=shared)
    return setup, differing
