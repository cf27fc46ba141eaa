"""The kiosk's traces: card read, queue write and forward, exported over OTLP when configured.

The kiosk is not a service (no database, no ServiceSettings), so it builds its tracer provider
here with the services' query redaction first in line. Span attributes carry only the card
kind, the purpose, ids and sizes: never a name, address, birth date, PIN or token.
"""

from __future__ import annotations

from opentelemetry import propagate, trace
from opentelemetry.context import Context
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

from shelter_runtime.telemetry import QueryRedactingProcessor

TRACER_NAME = "shelter_kiosk"


def tracer_provider(endpoint: str | None, kiosk_id: str) -> TracerProvider:
    """A provider for this kiosk; spans go to `endpoint` (an OTLP/HTTP collector) if given."""
    provider = TracerProvider(
        resource=Resource.create({SERVICE_NAME: "kiosk", "service.instance.id": kiosk_id})
    )
    provider.add_span_processor(QueryRedactingProcessor())
    if endpoint:
        exporter = OTLPSpanExporter(endpoint=f"{endpoint.rstrip('/')}/v1/traces")
        provider.add_span_processor(BatchSpanProcessor(exporter))
    return provider


def current_carrier() -> dict[str, str]:
    """The current trace context as W3C headers (kept with a queued read)."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier


def context_of(carrier: dict[str, str]) -> Context:
    return propagate.extract(carrier)


def kafka_headers() -> list[tuple[str, bytes]]:
    """The current trace context as Kafka record headers (what FastStream consumers read)."""
    return [(key, value.encode("latin-1")) for key, value in current_carrier().items()]


def no_tracer() -> trace.Tracer:
    return trace.NoOpTracer()
