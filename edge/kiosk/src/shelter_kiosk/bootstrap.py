"""Wires the kiosk: card reader, encrypted queue, Kafka forwarder, local API and page."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import subprocess
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.sdk.trace import TracerProvider

from shelter_contracts.topics import CARD_READS
from shelter_kiosk.adapters.auth import KioskTokens, StaticTokens
from shelter_kiosk.adapters.forwarder import Forwarder, TokenSource
from shelter_kiosk.adapters.pcsc import PcscCardReader
from shelter_kiosk.adapters.queue import CardReadQueue, load_or_create_key
from shelter_kiosk.adapters.telemetry import TRACER_NAME
from shelter_kiosk.adapters.telemetry import tracer_provider as make_tracer_provider
from shelter_kiosk.config import AppSettings, AppSettingsFile, Settings, kafka_security
from shelter_kiosk.entrypoints.http import KioskState, router
from shelter_kiosk.service_layer.handlers import KioskDeps
from shelter_kiosk.service_layer.ports import CardReader
from shelter_kiosk.simulator import pcscd
from shelter_kiosk.simulator.vpcd import CardSimulator
from shelter_runtime.problems import install_problem_handlers
from shelter_runtime.settings import Environment
from shelter_runtime.telemetry import redact_query

STATIC = Path(__file__).parent / "static"
log = logging.getLogger(__name__)


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


def bootstrap(
    settings: Settings | None = None,
    *,
    reader: CardReader | None = None,
    tokens: TokenSource | None = None,
    traces: TracerProvider | None = None,
) -> FastAPI:
    """The kiosk app; the forwarder runs in its lifespan."""
    settings = settings or Settings()
    traces = traces or make_tracer_provider(settings.otel_exporter_otlp_endpoint, settings.kiosk_id)
    tracer = traces.get_tracer(TRACER_NAME)
    private_pcscd: subprocess.Popen[bytes] | None = None
    simulator: CardSimulator | None = None
    reader_prefix = settings.reader_prefix
    if settings.virtual_reader and reader is None:
        try:  # development and tests: a private pcscd with a vpcd reader, and its simulator
            virtual, private_pcscd = pcscd.start_pcscd(settings.data_dir / "pcscd")
            pcscd.use_in_this_process(virtual)
        except (pcscd.PcscdUnavailableError, OSError) as exc:
            log.warning("no virtual reader: %s", exc)
        else:
            reader_prefix = virtual.name
            simulator = CardSimulator(virtual.port)
    key = load_or_create_key(
        settings.key_file, create=settings.environment is not Environment.PRODUCTION
    )
    queue = CardReadQueue(settings.data_dir / "queue.sqlite3", key)
    pcsc = PcscCardReader(reader_prefix, settings.card_wait_seconds)
    card_reader = reader or pcsc
    http = httpx.AsyncClient(timeout=5.0)
    if tokens is None:
        device = settings.device_token_value()
        tokens = KioskTokens(settings.api_base_url, device, http) if device else StaticTokens("")
    forwarder = Forwarder(
        queue,
        tokens,
        bootstrap_servers=settings.kafka_bootstrap_servers,
        topic=CARD_READS.name(settings.kafka_topic_namespace),
        client_id=f"kiosk-{settings.kiosk_id}",
        retry_seconds=settings.forward_retry_seconds,
        security=kafka_security(settings),
        tracer=tracer,
    )
    app_settings = AppSettingsFile(
        settings.data_dir / "settings.json", AppSettings(api_base_url=settings.api_base_url)
    )

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        task = asyncio.create_task(forwarder.run())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            await http.aclose()
            queue.close()
            if simulator is not None:
                simulator.take_off()
            if private_pcscd is not None:
                pcscd.stop_pcscd(private_pcscd)
            traces.force_flush()

    app = FastAPI(title="Shelter check-in: kiosk", version="0.1.0", lifespan=lifespan)
    install_problem_handlers(app)
    FastAPIInstrumentor.instrument_app(
        app,
        tracer_provider=traces,
        excluded_urls="healthz,api/state,static",
        server_request_hook=redact_query,
    )
    app.include_router(router)

    @app.get("/", include_in_schema=False)
    async def index() -> FileResponse:
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-store"})

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.state.kiosk = KioskState(
        settings=settings,
        app_settings=app_settings,
        deps=KioskDeps(
            reader=card_reader,
            queue=queue,
            clock=SystemClock(),
            shelter_id=settings.shelter_id,
            kiosk_id=settings.kiosk_id,
            on_queued=forwarder.wake_threadsafe(),
            tracer=tracer,
        ),
        http=http,
        queue=queue,
        reader_ready=pcsc.reader_ready if reader is None else (lambda: True),
        forwarder=forwarder,
        simulator=simulator,
    )
    return app
