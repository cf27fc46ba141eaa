"""OpenTelemetry wiring: one tracer and meter provider per process, OTLP export when configured."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from fastapi import FastAPI
from opentelemetry import metrics, trace
from opentelemetry.context import Context
from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
from opentelemetry.instrumentation.pymongo import PymongoInstrumentor
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import Event, ReadableSpan, Span, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult
from opentelemetry.trace import Status

from shelter_runtime.settings import ServiceSettings

#: Span attributes that may carry a query string; search terms there are people's names.
_URL_ATTRIBUTES = ("http.url", "http.target", "url.full")
_QUERY_ATTRIBUTES = ("url.query",)
REDACTED = "REDACTED"


class QueryRedactingProcessor(SpanProcessor):
    """Removes query strings from span attributes while the span can still be changed.

    The HTTP instrumentations record the full URL at span start; the public evacuee search
    (S16.1) puts names in the query, which must never reach a trace backend.
    """

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        redact_query(span)


def redact_query(span: trace.Span, _scope: object = None) -> None:
    """Replace the query part of URL attributes; also the ASGI server-request hook.

    The ASGI instrumentation sets its attributes again after the span started, so server
    spans are redacted by the hook, every other span by the processor.
    """
    attributes = getattr(span, "attributes", None) or {}
    for key in _URL_ATTRIBUTES:
        value = attributes.get(key)
        if isinstance(value, str) and "?" in value:
            span.set_attribute(key, value.split("?", 1)[0] + "?" + REDACTED)
    for key in _QUERY_ATTRIBUTES:
        if attributes.get(key):
            span.set_attribute(key, REDACTED)


def scrub_span(span: ReadableSpan) -> ReadableSpan:
    """The span without exception messages, stack traces or status descriptions.

    Error texts quote what failed: a duplicate-key error from the database quotes the key (a
    folded name), a validation error the value it refused. Only the exception's type is kept,
    which is what an operator needs to find the log line by trace id.
    """
    events = [
        Event(
            event.name,
            {k: v for k, v in (event.attributes or {}).items() if k == "exception.type"},
            event.timestamp,
        )
        if event.name == "exception"
        else event
        for event in span.events
    ]
    return ReadableSpan(
        name=span.name,
        context=span.context,
        parent=span.parent,
        resource=span.resource,
        attributes=span.attributes,
        events=events,
        links=span.links,
        kind=span.kind,
        status=Status(span.status.status_code),
        start_time=span.start_time,
        end_time=span.end_time,
        instrumentation_scope=span.instrumentation_scope,
    )


class ScrubbingExporter(SpanExporter):
    """Exports spans through `scrub_span`: no error text ever leaves the process."""

    def __init__(self, inner: SpanExporter) -> None:
        self._inner = inner

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        return self._inner.export([scrub_span(span) for span in spans])

    def shutdown(self) -> None:
        self._inner.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self._inner.force_flush(timeout_millis)


@dataclass(frozen=True, slots=True)
class Telemetry:
    tracer_provider: TracerProvider
    meter_provider: MeterProvider

    def shutdown(self) -> None:
        self.tracer_provider.shutdown()
        self.meter_provider.shutdown()


def configure_telemetry(settings: ServiceSettings, *extra_processors: SpanProcessor) -> Telemetry:
    """Providers for this service; exporters only when OTEL_EXPORTER_OTLP_ENDPOINT is set.

    Library instrumentation (PyMongo, httpx) is process-wide; statements and bodies are never
    recorded, so no personal data reaches a span.
    """
    resource = Resource.create({SERVICE_NAME: settings.service_name})
    tracer_provider = TracerProvider(resource=resource)
    # First, so that every later processor and exporter only sees redacted URLs.
    tracer_provider.add_span_processor(QueryRedactingProcessor())
    readers = []
    endpoint = settings.otel_exporter_otlp_endpoint
    if endpoint:
        base = endpoint.rstrip("/")
        tracer_provider.add_span_processor(
            BatchSpanProcessor(ScrubbingExporter(OTLPSpanExporter(endpoint=f"{base}/v1/traces")))
        )
        readers.append(
            PeriodicExportingMetricReader(OTLPMetricExporter(endpoint=f"{base}/v1/metrics"))
        )
    for processor in extra_processors:
        tracer_provider.add_span_processor(processor)
    meter_provider = MeterProvider(resource=resource, metric_readers=readers)

    pymongo = PymongoInstrumentor()
    if not pymongo.is_instrumented_by_opentelemetry:
        pymongo.instrument(tracer_provider=tracer_provider, capture_statement=False)
    httpx = HTTPXClientInstrumentor()
    if not httpx.is_instrumented_by_opentelemetry:
        httpx.instrument(tracer_provider=tracer_provider)
    return Telemetry(tracer_provider=tracer_provider, meter_provider=meter_provider)


def instrument_app(app: FastAPI, telemetry: Telemetry) -> None:
    """Server spans for every request except the probes."""
    FastAPIInstrumentor.instrument_app(
        app,
        tracer_provider=telemetry.tracer_provider,
        meter_provider=telemetry.meter_provider,
        excluded_urls="healthz,readyz",
        server_request_hook=redact_query,
    )


def set_global(telemetry: Telemetry) -> None:
    """Make the providers global, for code that asks the API for a tracer (a service process)."""
    trace.set_tracer_provider(telemetry.tracer_provider)
    metrics.set_meter_provider(telemetry.meter_provider)
