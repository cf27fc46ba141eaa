"""`python -m shelter_kiosk`: serve the kiosk page and API on the kiosk itself."""

from __future__ import annotations

import uvicorn
from opentelemetry import trace

from shelter_kiosk.adapters.telemetry import tracer_provider
from shelter_kiosk.bootstrap import bootstrap
from shelter_kiosk.config import Settings
from shelter_runtime.logs import configure_logging


def main() -> None:
    settings = Settings()
    configure_logging("kiosk")
    traces = tracer_provider(settings.otel_exporter_otlp_endpoint, settings.kiosk_id)
    trace.set_tracer_provider(traces)
    app = bootstrap(settings, traces=traces)
    uvicorn.run(app, host=settings.http_host, port=settings.http_port)


if __name__ == "__main__":
    main()
