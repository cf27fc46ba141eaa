"""Names in query strings (roster filters, public search) never reach a span."""

from __future__ import annotations

from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from shelter_roster.config import Settings
from shelter_runtime.settings import Environment
from shelter_runtime.telemetry import REDACTED, configure_telemetry, instrument_app

from ..conftest import FakeRoster


async def test_server_spans_keep_the_path_but_not_the_query() -> None:
    roster = FakeRoster()
    exporter = InMemorySpanExporter()
    # The same telemetry wiring as the roster's bootstrap (shelter_runtime.wiring).
    telemetry = configure_telemetry(
        Settings(environment=Environment.TEST), SimpleSpanProcessor(exporter)
    )
    instrument_app(roster.app, telemetry)

    async with roster.client() as api:
        found = await api.get(
            "/public/search", params={"family_name": "山田", "given_name": "花子"}
        )
        listed = await api.get("/entries", params={"name": "たかはし", "limit": 7})
        refused = await api.get("/public/search")  # a refusal is traced too

    # The routes still see the query.
    assert (found.status_code, listed.json()["limit"], refused.status_code) == (200, 7, 422)

    spans = exporter.get_finished_spans()
    server = [s for s in spans if s.attributes and "http.url" in s.attributes]
    assert len(server) == 3
    assert {s.attributes["http.url"] for s in server if s.attributes} == {
        f"http://svc/public/search?{REDACTED}",
        f"http://svc/entries?{REDACTED}",
        "http://svc/public/search",  # the refused search had no query at all
    }
    recorded = repr([(s.name, dict(s.attributes or {})) for s in spans])
    for secret in ("山田", "花子", "たかはし", "family_name=", "%E5%B1%B1"):
        assert secret not in recorded
    telemetry.shutdown()
