"""Query strings (search terms are names, S16.1) never reach a span."""

from __future__ import annotations

import httpx
from fastapi import APIRouter
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from shelter_runtime.http import create_app
from shelter_runtime.settings import Environment, ServiceSettings
from shelter_runtime.telemetry import REDACTED, configure_telemetry, instrument_app


async def test_query_strings_are_redacted_on_server_spans() -> None:
    exporter = InMemorySpanExporter()
    telemetry = configure_telemetry(
        ServiceSettings(service_name="redaction-test", environment=Environment.TEST),
        SimpleSpanProcessor(exporter),
    )
    router = APIRouter()

    @router.get("/public/search")
    async def search(family_name: str) -> dict[str, int]:
        return {"hits": len(family_name)}

    app = create_app(title="t", version="0", routers=[router], checks={})
    instrument_app(app, telemetry)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://svc") as client:
        response = await client.get("/public/search", params={"family_name": "山田"})
    assert response.json() == {"hits": 2}

    spans = exporter.get_finished_spans()
    server = [s for s in spans if s.kind.name == "SERVER"]
    assert server, "the request was traced"
    for span in spans:
        for value in (span.attributes or {}).values():
            assert "山田" not in str(value)
            assert "family_name" not in str(value)
    (url,) = [s.attributes["http.url"] for s in server if s.attributes]
    assert url == f"http://svc/public/search?{REDACTED}"
    telemetry.shutdown()
