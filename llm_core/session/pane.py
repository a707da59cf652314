"""One Compare pane: its model and its own history of exchanges and model switches."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..record import Message, Result

MIN_PANES, MAX_PANES = 2, 4


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

    def refuse(
        self, prompt: str, sent: str, error: Exception, *, comparison_id: str, system: str, template: str
    ) -> None:
        """Record a prompt this pane's model cannot take: it is never sent, so the answer is the error."""
        refusal = Result(model=self.model, requested_model=self.model, comparison_id=comparison_id)
        refusal.label, refusal.prompt, refusal.system, refusal.template = self.label, sent, system, template
        refusal.status, refusal.error, refusal.error_kind = "error", str(error), type(error).__name__
        self.add(prompt, sent, refusal, refused=True)

    def drop_last(self) -> Exchange | None:
        """Take the last exchange out of the history (to send it again); markers after it stay."""
        last = self.last
        if last is not None:
            self.items.remove(last)
        return last
