"""The sending side of the audit trail (S10.8): who did what, when and from where.

An entrypoint that changes something, exports data or changes a setting calls, after the
handler succeeded and before it answers:

    await record_audit(request, who, "shelter.opened", target_type="shelter",
                       target_id=shelter_id, shelter_id=shelter_id)

`record_audit` builds an `AuditRecorded` event (ids, counts and field names only: never a
name, address, birth date, phone, password or token) and hands it to the service's
`AuditTrail`, which bootstrap installs with `install_audit(app, parts)`. The auth service
consumes the audit topic and stores each event id once, so its log download shows them.

Why a small outbox collection of its own (`audit_outbox`) rather than the aggregate's
embedded outbox: most audited actions change no aggregate that has an outbox (exports,
settings, roster corrections, imports touching many shelters), and FerretDB has no
multi-document transactions to bind a record to several documents. The record is stored in
the service's database before the answer is sent, with the event id as `_id`, in the same
outbox format `OutboxRelay` reads; the relay publishes it in the background at once or, if
Kafka is down, on a later round: the answer never waits for Kafka. The relay scans
`audit_outbox` each round (it holds only what an outage left behind, so it stays small);
it needs no `outbox_pending` pointers.
So an answered action is never missing from the trail; a process dying between the change
and the record (milliseconds) is the one window, and then the change is kept, not refused.
The change is committed before the record is made, so a record that cannot be kept (the
database refused it) is logged by event id and the handler's answer is sent anyway.
Replays are harmless: the consumer inserts by event id and ignores duplicates.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Protocol

from fastapi import FastAPI, Request
from faststream.kafka import KafkaBroker
from opentelemetry import propagate
from pydantic import ValidationError
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from shelter_contracts.events import AuditOutcome, AuditRecorded
from shelter_contracts.topics import AUDIT
from shelter_runtime.mongo import Document
from shelter_runtime.outbox import OUTBOX_FIELD, OutboxRelay
from shelter_runtime.security import Principal
from shelter_runtime.settings import LOOPBACK, IPNetwork
from shelter_runtime.wiring import ServiceParts

__all__ = ["EVACUEE", "AuditOutcome", "AuditSink", "AuditTrail", "install_audit", "record_audit"]

log = logging.getLogger(__name__)

SOURCE = "audit"
COLLECTION = "audit_outbox"
#: The actor of the anonymous smartphone channel (S16.2): no account, no name.
EVACUEE = "evacuee"


class AuditSink(Protocol):
    """Where `record_audit` sends records: the `AuditTrail`, or a list in unit tests.

    A sink may also have `trusted_proxies` (the gateways whose X-Forwarded-For hops are
    believed, from `ServiceSettings.trusted_proxies`); without it only loopback is trusted.
    """

    producer: str

    async def record(self, event: AuditRecorded) -> None: ...


class AuditTrail:
    """Stores audit records in the service's `audit_outbox` and relays them to Kafka."""

    def __init__(
        self,
        db: AsyncDatabase[Document],
        broker: KafkaBroker,
        *,
        producer: str,
        topic_namespace: str,
        interval_seconds: float = 2.0,
        deliver_timeout_seconds: float = 5.0,
        trusted_proxies: Sequence[IPNetwork] = LOOPBACK,
    ) -> None:
        self.collection: AsyncCollection[Document] = db[COLLECTION]
        self.producer = producer
        self.trusted_proxies = tuple(trusted_proxies)
        self._topic = AUDIT.name(topic_namespace)
        # keep_pointers=False: nothing writes `outbox_pending` pointers for this collection, so
        # the relay must scan it every round (it is small) or an undelivered record would wait
        # for the next restart.
        self._relay = OutboxRelay(
            broker,
            {SOURCE: self.collection},
            interval_seconds,
            deliver_timeout_seconds,
            keep_pointers=False,
        )
        self._interval = interval_seconds
        self._deliveries: set[asyncio.Task[None]] = set()

    async def record(self, event: AuditRecorded) -> None:
        """Keep the record (durable), then publish it in the background; the relay retries."""
        carrier: dict[str, str] = {}
        propagate.inject(carrier)
        entry = {
            "event_id": str(event.event_id),
            "topic": self._topic,
            "key": event.key,
            "payload": event.model_dump(mode="json"),
            "trace": carrier,
        }
        doc_id = str(event.event_id)
        await self.collection.insert_one(
            {"_id": doc_id, "at": event.occurred_at, OUTBOX_FIELD: [entry]}
        )
        task = asyncio.create_task(self._deliver(doc_id))
        self._deliveries.add(task)
        task.add_done_callback(self._deliveries.discard)

    async def _deliver(self, doc_id: str) -> None:
        try:
            if await self._relay.deliver(SOURCE, doc_id):
                await self.collection.delete_one(
                    {"_id": doc_id, f"{OUTBOX_FIELD}.0": {"$exists": False}}
                )
        except Exception as exc:  # the message is not logged: only ids and the error type
            log.warning(
                "audit record not delivered yet; the relay will retry",
                extra={"event_id": doc_id, "error": type(exc).__name__},
            )

    async def drain(self) -> None:
        """Wait for the background deliveries started so far (tests, shutdown)."""
        if self._deliveries:
            await asyncio.gather(*self._deliveries, return_exceptions=True)

    async def relay_pending(self) -> int:
        """Publish what an outage left behind and drop the delivered documents."""
        published = await self._relay.deliver_all()
        await self.collection.delete_many({f"{OUTBOX_FIELD}.0": {"$exists": False}})
        return published

    async def run(self) -> None:
        """Relay forever (a lifespan task); errors are logged and retried next round."""
        try:
            while True:
                try:
                    count = await self.relay_pending()
                    if count:
                        log.info("audit records relayed", extra={"count": count})
                except Exception:
                    log.exception("audit relay round failed")
                await asyncio.sleep(self._interval)
        finally:
            for task in list(self._deliveries):  # kept in the outbox: relayed after restart
                task.cancel()


def install_audit(app: FastAPI, parts: ServiceParts, interval_seconds: float = 2.0) -> AuditTrail:
    """Bootstrap: the service's audit trail on `app.state.audit`, its relay, its topic."""
    settings = parts.settings
    trail = AuditTrail(
        parts.db,
        parts.broker,
        producer=settings.service_name,
        topic_namespace=settings.kafka_topic_namespace,
        interval_seconds=interval_seconds,
        trusted_proxies=settings.trusted_proxies,
    )
    app.state.audit = trail
    if AUDIT not in parts.topics:
        parts.topics.append(AUDIT)
    parts.background.append(trail.run)
    return trail


def client_ip(request: Request, trusted_proxies: Sequence[IPNetwork] = LOOPBACK) -> str | None:
    """The client's address: the last hop not in `trusted_proxies` (the gateways).

    The peer is the first hop; when it is a trusted proxy the X-Forwarded-For hops are read
    from the right (each proxy appends the address it saw) and the first one that is not a
    trusted proxy is the client. Anything left of it is whatever the client wrote: ignored.
    A peer that is not a trusted proxy is the client, whatever it wrote in the header.
    """
    peer = request.client.host if request.client else None
    if peer is None:
        return None
    hops = [h.strip() for h in request.headers.get("x-forwarded-for", "").split(",") if h.strip()]
    address = peer
    for hop in reversed(hops):
        if not _trusted(address, trusted_proxies):
            break
        address = hop
    return address[:64]


def _trusted(host: str, trusted_proxies: Sequence[IPNetwork]) -> bool:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False  # not an address: never a proxy we trust
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(address.version == net.version and address in net for net in trusted_proxies)


def audit_event(
    request: Request,
    who: Principal | None,
    action: str,
    *,
    producer: str,
    outcome: AuditOutcome = AuditOutcome.SUCCESS,
    target_type: str | None = None,
    target_id: str | None = None,
    shelter_id: str | None = None,
    details: Mapping[str, object] | None = None,
    at: datetime | None = None,
    trusted_proxies: Sequence[IPNetwork] = LOOPBACK,
) -> AuditRecorded:
    """The `AuditRecorded` of a request; `who` None is the anonymous smartphone user."""
    return AuditRecorded(
        occurred_at=at or datetime.now(UTC),
        producer=producer,
        action=action,
        outcome=outcome,
        actor=who.sub if who is not None else EVACUEE,
        actor_kind=who.kind.value if who is not None else EVACUEE,
        ip=client_ip(request, trusted_proxies),
        target_type=target_type,
        target_id=target_id,
        shelter_id=shelter_id,
        details={k: str(v)[:200] for k, v in sorted((details or {}).items())},
    )


async def record_audit(
    request: Request,
    who: Principal | None,
    action: str,
    *,
    outcome: AuditOutcome = AuditOutcome.SUCCESS,
    target_type: str | None = None,
    target_id: str | None = None,
    shelter_id: str | None = None,
    details: Mapping[str, object] | None = None,
) -> AuditRecorded | None:
    """Record what `who` just did through this request (see the module docstring).

    Called after the change was committed, so it never fails the request: a record that
    cannot be built (a details key that is not a field name) or kept (the database refused
    it) is logged, without its content, and None is returned; the caller answers as usual.
    """
    trail: AuditSink | None = getattr(request.app.state, "audit", None)
    if trail is None:
        raise RuntimeError("install_audit(app, parts) was not called in bootstrap")
    try:
        event = audit_event(
            request,
            who,
            action,
            producer=trail.producer,
            outcome=outcome,
            target_type=target_type,
            target_id=target_id,
            shelter_id=shelter_id,
            details=details,
            trusted_proxies=getattr(trail, "trusted_proxies", LOOPBACK),
        )
    except ValidationError as error:  # its text quotes the input: only the field names
        fields = sorted({str(e["loc"][0]) for e in error.errors() if e["loc"]})
        log.error(
            "audit record refused by its contract; not recorded",
            extra={"producer": trail.producer, "fields": fields},
        )
        return None
    try:
        await trail.record(event)
    except Exception as exc:
        log.error(
            "audit record not stored; the change stands",
            extra={"event_id": str(event.event_id), "error": type(exc).__name__},
        )
        return None
    return event
