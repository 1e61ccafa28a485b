"""LLM backends. Use :func:`create_backend` to build the one the settings name."""

from __future__ import annotations

from safegen.backends.interface import ChatMessage, Completion, GenerationParams, LLMBackend
from safegen.config import Settings
from safegen.registry import BACKENDS

__all__ = ["ChatMessage", "Completion", "GenerationParams", "LLMBackend", "create_backend"]


def create_backend(settings: Settings) -> LLMBackend:
    """Instantiate the backend named by ``settings.backend``; every backend class takes the settings."""
    backend_cls = BACKENDS.get(settings.backend)
    backend: LLMBackend = backend_cls.from_settings(settings)
    return backend
