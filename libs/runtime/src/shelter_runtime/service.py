"""Process start-up shared by the services: logging, the broker connection, uvicorn."""

from __future__ import annotations

import asyncio
import logging

import uvicorn
from fastapi import FastAPI
from faststream.kafka import KafkaBroker

from shelter_runtime.settings import ServiceSettings

log = logging.getLogger(__name__)


async def start_broker(broker: KafkaBroker, timeout_seconds: float = 60.0) -> None:
    """Connect to Kafka, retrying while it starts (a stack starts all processes at once)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_seconds
    delay = 0.5
    while True:
        try:
            await broker.start()
            return
        except Exception:
            if loop.time() + delay > deadline:
                raise
            log.warning("Kafka not reachable yet; retrying")
            await broker.stop()
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)


def serve(app: FastAPI, settings: ServiceSettings) -> None:
    """Run the service's HTTP server until SIGINT/SIGTERM."""
    uvicorn.run(
        app,
        host=settings.http_host,
        port=settings.http_port,
        log_config=None,
        access_log=False,
        proxy_headers=True,
        server_header=False,
    )
