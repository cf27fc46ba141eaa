"""Wires the integration service.

Only the probes so far: the service is part of the stack from day one.
"""

from __future__ import annotations

from fastapi import FastAPI
from opentelemetry.sdk.trace import SpanProcessor

from shelter_integration.config import Settings
from shelter_runtime.wiring import build_app, connect


def bootstrap(settings: Settings | None = None, *span_processors: SpanProcessor) -> FastAPI:
    """The integration app."""
    parts = connect(settings or Settings(), *span_processors)
    return build_app(
        parts,
        title="Shelter check-in: integration",
        routers=[],
    )
