"""Delivers the queued card reads to Kafka, oldest first, one acknowledged write at a time.

The producer is idempotent with acks=all; a read is deleted from the queue only after Kafka
acknowledged it. On any failure the producer is dropped and rebuilt after a pause, so a broker
that went away and came back is found again. A read delivered twice (a crash between the
acknowledgement and the delete) has the same event id; registration applies it once.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable
from typing import Any, Protocol

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError
from opentelemetry import propagate, trace
from opentelemetry.trace import SpanKind, Status, StatusCode

from shelter_contracts.kiosk import CardRead
from shelter_kiosk.adapters.auth import AuthRefusedError, AuthUnavailableError
from shelter_kiosk.adapters.queue import CardReadQueue
from shelter_kiosk.service_layer.handlers import TRACE_FIELD

log = logging.getLogger(__name__)


class TokenSource(Protocol):
    async def access_token(self) -> str: ...


class Forwarder:
    def __init__(
        self,
        queue: CardReadQueue,
        tokens: TokenSource,
        *,
        bootstrap_servers: str,
        topic: str,
        client_id: str = "kiosk",
        retry_seconds: float = 1.0,
        request_timeout_ms: int = 5000,
        security: dict[str, Any] | None = None,
        tracer: trace.Tracer | None = None,
    ) -> None:
        self._tracer = tracer or trace.NoOpTracer()
        self._queue = queue
        self._tokens = tokens
        self._servers = bootstrap_servers
        self.topic = topic
        self._client_id = client_id
        self._retry = retry_seconds
        self._timeout_ms = request_timeout_ms
        self._security = security or {}
        self._wake = asyncio.Event()
        self._producer: Any = None
        self.delivered = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self.connected = False

    def wake(self) -> None:
        """A read was queued: deliver now rather than at the next poll."""
        self._wake.set()

    def wake_threadsafe(self) -> Callable[[], None]:
        """`wake` for the reader's worker thread (bind it while the loop runs)."""

        def wake() -> None:
            loop = self._loop
            if loop is not None and not loop.is_closed():
                loop.call_soon_threadsafe(self._wake.set)

        return wake

    async def _producer_ready(self) -> Any:
        if self._producer is None:
            producer = AIOKafkaProducer(
                bootstrap_servers=self._servers,
                client_id=self._client_id,
                acks="all",
                enable_idempotence=True,
                request_timeout_ms=self._timeout_ms,
                linger_ms=0,
                **self._security,
            )
            try:
                await producer.start()
            except BaseException:
                with contextlib.suppress(Exception):
                    await producer.stop()
                raise
            self._producer = producer
        return self._producer

    async def _drop_producer(self) -> None:
        producer, self._producer = self._producer, None
        self.connected = False
        if producer is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(producer.stop(), timeout=self._timeout_ms / 1000)

    async def deliver_pending(self) -> int:
        """Deliver what is queued now; how many were delivered. Raises on failure."""
        count = 0
        while batch := await asyncio.to_thread(self._queue.oldest, 100):
            producer = await self._producer_ready()
            token = await self._tokens.access_token()
            for seq, plain in batch:
                stored = json.loads(plain)
                parent = propagate.extract(stored.pop(TRACE_FIELD, None) or {})
                event = CardRead.model_validate({**stored, "access_token": token})
                await self._send(producer, event, parent)
                self.connected = True
                await asyncio.to_thread(self._queue.delete, seq)
                count += 1
                self.delivered += 1
        return count

    async def _send(self, producer: Any, event: CardRead, parent: Any) -> None:
        """One acknowledged write; its span continues the read's trace, and so does Kafka."""
        with self._tracer.start_as_current_span(
            f"{self.topic} publish",
            context=parent,
            kind=SpanKind.PRODUCER,
            attributes={
                "messaging.system": "kafka",
                "messaging.destination.name": self.topic,
                "messaging.message.id": str(event.event_id),
                "kiosk.id": event.kiosk_id,
                "shelter.id": event.shelter_id,
            },
        ) as span:
            carrier: dict[str, str] = {}
            propagate.inject(carrier)
            try:
                await producer.send_and_wait(
                    self.topic,
                    event.model_dump_json().encode(),
                    key=event.shelter_id.encode(),
                    headers=[(k, v.encode("latin-1")) for k, v in carrier.items()],
                )
            except Exception as exc:
                span.set_status(Status(StatusCode.ERROR, type(exc).__name__))
                raise

    async def run(self) -> None:
        """Deliver forever; pause and retry while Kafka or auth is unreachable."""
        self._loop = asyncio.get_running_loop()
        try:
            while True:
                self._wake.clear()
                try:
                    await self.deliver_pending()
                except (KafkaError, OSError, AuthUnavailableError, TimeoutError):
                    log.warning("card reads kept in the queue: Kafka or auth not reachable")
                    await self._drop_producer()
                    await asyncio.sleep(self._retry)
                    continue
                except AuthRefusedError:
                    log.error("the kiosk's device token was refused; card reads kept queued")
                    await asyncio.sleep(self._retry * 10)
                    continue
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=self._retry)
        finally:
            await self._drop_producer()
