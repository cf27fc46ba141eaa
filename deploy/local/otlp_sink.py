"""A local OTLP/HTTP trace receiver that appends spans as JSON lines to a file.

The local stack has no tracing backend; this keeps every span of a `make run` or `make test`
session readable with grep or jq, and lets the e2e tests follow one trace across services.
Spans carry no personal data (see libs/runtime/src/shelter_runtime/telemetry.py).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import uvicorn
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


def spans_as_json(body: bytes) -> list[dict[str, object]]:
    request = ExportTraceServiceRequest()
    request.ParseFromString(body)
    rows: list[dict[str, object]] = []
    for resource_spans in request.resource_spans:
        service = next(
            (
                a.value.string_value
                for a in resource_spans.resource.attributes
                if a.key == "service.name"
            ),
            "",
        )
        for scope_spans in resource_spans.scope_spans:
            for span in scope_spans.spans:
                rows.append(
                    {
                        "service": service,
                        "name": span.name,
                        "kind": span.kind,
                        "trace_id": span.trace_id.hex(),
                        "span_id": span.span_id.hex(),
                        "parent_span_id": span.parent_span_id.hex(),
                        "links": [
                            {"trace_id": link.trace_id.hex(), "span_id": link.span_id.hex()}
                            for link in span.links
                        ],
                        "start_ns": span.start_time_unix_nano,
                        "end_ns": span.end_time_unix_nano,
                        "attributes": {
                            a.key: str(
                                getattr(a.value, a.value.WhichOneof("value") or "string_value")
                            )
                            for a in span.attributes
                        },
                    }
                )
    return rows


def build_app(out: Path) -> Starlette:
    out.parent.mkdir(parents=True, exist_ok=True)

    async def traces(request: Request) -> Response:
        rows = spans_as_json(await request.body())
        with out.open("a", encoding="utf-8") as f:
            for row in rows:
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
        return Response(
            ExportTraceServiceResponse().SerializeToString(),
            media_type="application/x-protobuf",
        )

    async def metrics(request: Request) -> Response:
        await request.body()
        return Response(b"", media_type="application/x-protobuf")

    return Starlette(
        routes=[
            Route("/v1/traces", traces, methods=["POST"]),
            Route("/v1/metrics", metrics, methods=["POST"]),
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=4318)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    uvicorn.run(build_app(args.out), host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
