"""One trace from the HTTP check-in to the roster and statistics consumers."""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Any

import httpx

from shelter_testing import eventually
from shelter_testing.stack import Stack

SPAN_KIND_SERVER, SPAN_KIND_PRODUCER, SPAN_KIND_CONSUMER = 2, 4, 5
#: The edges of a check-in: the request, its publish, and both consumers.
EDGES = (
    ("registration", SPAN_KIND_SERVER),
    ("registration", SPAN_KIND_PRODUCER),
    ("roster", SPAN_KIND_CONSUMER),
    ("stats", SPAN_KIND_CONSUMER),
)


async def _spans(path: Path, trace_id: str) -> list[dict[str, Any]]:
    """The spans of the trace, and those of the traces its spans link to (batches)."""
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as f:
        every = [json.loads(line) for line in f]
    own = [span for span in every if span["trace_id"] == trace_id]
    linked = {link["trace_id"] for span in own for link in span.get("links", [])} - {trace_id}
    return own + [span for span in every if span["trace_id"] in linked]


def _has(spans: list[dict[str, Any]], service: str, kind: int) -> bool:
    return any(s["service"] == service and s["kind"] == kind for s in spans)


def _writers(spans: list[dict[str, Any]]) -> set[str]:
    """The services with a database write in the trace or in a batch it links to.

    A consumer handles a record that arrives alone inside the record's own span; records that
    arrive together are handled in one batch span, linked from each record's consumer span
    (shelter_runtime.consumer.batch_spans): then the writes are one link away.
    """
    return {s["service"] for s in spans if s["name"].endswith(".update")}


async def test_trace_id_of_the_check_in_reaches_both_consumers(
    stack: Stack, gateway: httpx.AsyncClient, shelter_id: str, person: dict[str, Any]
) -> None:
    trace_id = secrets.token_hex(16)
    response = await gateway.post(
        f"/api/registration/shelters/{shelter_id}/check-ins",
        json={"personal": person, "consent": True},
        headers={"traceparent": f"00-{trace_id}-{secrets.token_hex(8)}-01"},
    )
    assert response.status_code == 201, response.text

    # Spans are exported in batches by four processes: wait until every edge is there, and
    # the consumers' database writes, in the same trace or in the batch it links to.
    spans = await eventually(
        lambda: _spans(stack.spans_file, trace_id),
        lambda found: (
            all(_has(found, service, kind) for service, kind in EDGES)
            and {"roster", "stats"} <= _writers(found)
        ),
    )
    # No personal data on any span of the trace.
    text = json.dumps(spans, ensure_ascii=False)
    for value in person.values():
        assert value not in text
