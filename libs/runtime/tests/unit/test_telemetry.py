"""A request is one server span of the service, and no span carries the request body."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import APIRouter
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
from opentelemetry.instrumentation.instrumentor import BaseInstrumentor  # type: ignore[attr-defined]
from opentelemetry.instrumentation.pymongo import PymongoInstrumentor
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from shelter_runtime.http import JsonBody, create_app
from shelter_runtime.settings import ServiceSettings
from shelter_runtime.telemetry import (
    ScrubbingExporter,
    Telemetry,
    configure_telemetry,
    instrument_app,
)

SECRET = {"family_name": "山田", "given_name": "花子", "address": "東京都千代田区千代田1-1"}


@pytest.fixture
def exporter() -> InMemorySpanExporter:
    return InMemorySpanExporter()


@pytest.fixture
def telemetry(exporter: InMemorySpanExporter) -> Iterator[Telemetry]:
    """Telemetry of a service; the process-wide library instrumentation is undone afterwards
    when this test made it, so later tests do not report to this test's provider."""
    instrumentors: list[BaseInstrumentor] = [PymongoInstrumentor(), HTTPXClientInstrumentor()]
    already = [i.is_instrumented_by_opentelemetry for i in instrumentors]
    telemetry = configure_telemetry(
        ServiceSettings(service_name="registration"), SimpleSpanProcessor(exporter)
    )
    yield telemetry
    telemetry.shutdown()
    for instrumentor, was_instrumented in zip(instrumentors, already, strict=True):
        if not was_instrumented:
            instrumentor.uninstrument()


def _attribute_values(span: ReadableSpan) -> list[str]:
    values: list[Any] = list((span.attributes or {}).values())
    for event in span.events:
        values += list((event.attributes or {}).values())
    values += [span.name, span.status.description or ""]
    return [json.dumps(value, ensure_ascii=False) for value in values]


async def test_a_request_is_recorded_without_its_body(
    telemetry: Telemetry, exporter: InMemorySpanExporter
) -> None:
    router = APIRouter()

    @router.post("/shelters/{shelter_id}/check-ins", dependencies=[JsonBody])
    async def check_in(shelter_id: str, body: dict[str, str]) -> dict[str, str]:
        return {"shelter_id": shelter_id}

    app = create_app(title="registration", version="0.0.1", routers=[router], checks={})
    instrument_app(app, telemetry)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        accepted = await client.post("/shelters/13101-0001/check-ins", json=SECRET)
        refused = await client.post("/shelters/13101-0001/check-ins", json=[SECRET])
        probe = await client.get("/healthz")
    assert (accepted.status_code, refused.status_code, probe.status_code) == (200, 422, 200)

    spans = exporter.get_finished_spans()
    servers = [span for span in spans if span.kind is SpanKind.SERVER]
    assert [span.attributes and span.attributes.get("http.status_code") for span in servers] == [
        200,
        422,
    ], "one server span per request, none for the probe"
    for span in servers:
        assert span.attributes is not None
        assert span.attributes["http.route"] == "/shelters/{shelter_id}/check-ins"
        assert span.attributes["http.method"] == "POST"
        assert span.resource.attributes["service.name"] == "registration"
    assert servers[0].context.trace_id != servers[1].context.trace_id

    for span in spans:
        for value in _attribute_values(span):
            for secret in SECRET.values():
                assert secret not in value, (span.name, value)


def test_exported_spans_keep_the_error_type_but_never_its_message() -> None:
    exported = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(ScrubbingExporter(exported)))
    message = "E11000 duplicate key: { _id: 'やまだはなこ|1980-02-17' }"

    def insert() -> None:
        with provider.get_tracer("t").start_as_current_span("insert") as span:
            span.add_event("kept", {"n": 1})
            raise ValueError(message)

    with pytest.raises(ValueError, match="duplicate"):
        insert()

    [span] = exported.get_finished_spans()
    assert span.status.status_code is StatusCode.ERROR
    assert span.status.description is None
    exception = next(e for e in span.events if e.name == "exception")
    assert dict(exception.attributes or {}) == {"exception.type": "ValueError"}
    assert [e.name for e in span.events] == ["kept", "exception"]
    assert "やまだ" not in json.dumps(span.to_json())
