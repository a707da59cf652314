"""Groq provider (work in progress: being written)."""

from __future__ import annotations

from .base import Provider


class GroqProvider(Provider):
    name = "groq"

    def stream(self, model, messages, options):
        raise NotImplementedError

    def list_models(self):
        raise NotImplementedError
