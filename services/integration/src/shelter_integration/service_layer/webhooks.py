"""Webhook deliveries (S17.2 PUSH): queued per change, signed, retried, recorded, redelivered."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

import httpx

from shelter_integration.domain.model import ShelterState
from shelter_integration.domain.webhooks import (
    DELIVERY_HEADER,
    EVENT_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    Delivery,
    DeliveryStatus,
    RetryPolicy,
    Webhook,
    WebhookEvent,
    signature,
)
from shelter_integration.service_layer.ports import Shelters
from shelter_integration.service_layer.url_guard import PinnedUrl, UnsafeUrlError, UrlGuard
from shelter_runtime.locks import KeyedLocks

log = logging.getLogger(__name__)


class WebhookStore(Protocol):
    async def add_webhook(self, webhook: Webhook) -> None: ...
    async def webhooks(self) -> list[Webhook]: ...
    async def webhook(self, webhook_id: str) -> Webhook | None: ...
    async def delete_webhook(self, webhook_id: str) -> bool: ...
    async def save_delivery(self, delivery: Delivery) -> None: ...
    async def delivery(self, delivery_id: str) -> Delivery | None: ...
    async def due(self, now: datetime, limit: int) -> list[Delivery]: ...
    async def deliveries(
        self, *, webhook_id: str | None, status: DeliveryStatus | None, limit: int
    ) -> list[Delivery]: ...


def shelter_payload(state: ShelterState, event: WebhookEvent, at: datetime) -> dict[str, Any]:
    """What a receiver gets: the shelter's status and counts, never a person's data."""
    facts, counts = state.facts, state.counts
    payload: dict[str, Any] = {
        "event": event.value,
        "sent_at": at.isoformat(),
        "shelter_id": state.shelter_id,
        "name": facts.name if facts else None,
        "opening_status": state.opening_status.value,
        "status_label": state.status_label,
        "capacity": state.capacity,
        "deleted": state.deleted,
    }
    if event is WebhookEvent.SHELTER_OCCUPANCY:
        payload["counts"] = (
            None
            if counts is None
            else {
                "present": counts.present,
                "households": counts.households,
                "female": counts.female,
                "male": counts.male,
                "age_bands": dict(counts.age_bands),
                "occupancy_rate": counts.occupancy_rate,
                "crowding_level": counts.crowding_level.value if counts.crowding_level else None,
                "counted_at": counts.counted_at.isoformat(),
            }
        )
    return payload


class WebhookDispatcher:
    """Queues a delivery per subscribed endpoint when a shelter changes, and sends them."""

    def __init__(
        self,
        store: WebhookStore,
        shelters: Shelters,
        http: httpx.AsyncClient,
        *,
        policy: RetryPolicy,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        batch: int = 50,
        guard: UrlGuard | None = None,
    ) -> None:
        """`guard`: where deliveries may go (see `url_guard`); None only in unit tests."""
        self._store = store
        self._guard = guard
        self._shelters = shelters
        self._http = http
        self.policy = policy
        self._now = now
        self._batch = batch
        self._wake = asyncio.Event()
        self._last_status: dict[str, str] = {}
        self._queueing = KeyedLocks()  # by shelter id
        self._sending = KeyedLocks()  # by delivery id

    async def shelter_changed(self, shelter_id: str) -> int:
        """Queue deliveries of the shelter's state; returns how many were queued.

        A shelter's calls run one at a time: a facts change and a count change arrive on two
        topics at once, and without this the call that read the older state could queue its
        status after the newer one (a receiver would see the shelter close again).
        """
        async with self._queueing.hold(shelter_id):
            return await self._queue(shelter_id)

    async def _queue(self, shelter_id: str) -> int:
        webhooks = await self._store.webhooks()
        if not webhooks:
            return 0
        (state,) = await self._shelters.states([shelter_id])
        if state.facts is None:
            return 0
        status = f"{state.opening_status}:{state.status_label}:{state.deleted}"
        events = {WebhookEvent.SHELTER_OCCUPANCY}
        if self._last_status.get(shelter_id) != status:
            self._last_status[shelter_id] = status
            events.add(WebhookEvent.SHELTER_STATUS)
        now = self._now()
        queued = 0
        for webhook in webhooks:
            for event in sorted(events & webhook.events):
                body = json.dumps(shelter_payload(state, event, now), ensure_ascii=False)
                await self._store.save_delivery(
                    Delivery(
                        delivery_id=uuid.uuid4().hex,
                        webhook_id=webhook.webhook_id,
                        event=event,
                        body=body,
                        created_at=now,
                        next_attempt_at=now,
                    )
                )
                queued += 1
        if queued:
            self._wake.set()
        return queued

    async def redeliver(self, delivery_id: str) -> Delivery | None:
        """Back in the queue by hand; a try in flight finishes first, so its outcome is
        not written over the redelivery (the delivery would stay dead)."""
        async with self._sending.hold(delivery_id):
            delivery = await self._store.delivery(delivery_id)
            if delivery is None:
                return None
            again = delivery.redelivered(self._now())
            await self._store.save_delivery(again)
        self._wake.set()
        return again

    async def attempt(self, delivery: Delivery, webhook: Webhook | None) -> Delivery:
        """One try: POST the signed body; the outcome is recorded on the delivery."""
        async with self._sending.hold(delivery.delivery_id):
            return await self._attempt(delivery, webhook)

    async def _attempt(self, delivery: Delivery, webhook: Webhook | None) -> Delivery:
        now = self._now()
        if webhook is None:  # the endpoint was removed meanwhile
            done = delivery.failed(None, "webhook removed", now, RetryPolicy(max_attempts=0))
            await self._store.save_delivery(done)
            return done
        timestamp = str(int(now.timestamp()))
        headers = {
            "Content-Type": "application/json",
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: signature(webhook.secret, timestamp, delivery.body),
            EVENT_HEADER: delivery.event.value,
            DELIVERY_HEADER: delivery.delivery_id,
        }
        try:
            # Checked again before each try (the host's DNS may change), and sent to the very
            # address checked (no second resolution: DNS rebinding, see url_guard).
            target = PinnedUrl(webhook.url)
            if self._guard is not None:
                target = await self._guard.pin(webhook.url)
            response = await self._http.post(
                target.url,
                content=delivery.body.encode(),
                headers={**headers, **target.headers},
                extensions=dict(target.extensions),
            )
        except UnsafeUrlError as exc:
            outcome = delivery.failed(None, f"refused: {exc.reason}", now, self.policy)
        except httpx.HTTPError as exc:
            outcome = delivery.failed(None, type(exc).__name__, now, self.policy)
        else:
            if response.is_success:
                outcome = delivery.succeeded(response.status_code, now)
            else:
                outcome = delivery.failed(
                    response.status_code, f"HTTP {response.status_code}", now, self.policy
                )
        await self._store.save_delivery(outcome)
        if outcome.status is DeliveryStatus.DEAD:
            log.warning(
                "webhook delivery gave up; in the dead-letter view",
                extra={"delivery_id": outcome.delivery_id, "webhook_id": outcome.webhook_id},
            )
        return outcome

    async def send_due(self) -> Sequence[Delivery]:
        due = await self._store.due(self._now(), self._batch)
        webhooks = {w.webhook_id: w for w in await self._store.webhooks()}
        return await asyncio.gather(*(self.attempt(d, webhooks.get(d.webhook_id)) for d in due))

    async def run(self, poll_seconds: float = 1.0) -> None:
        """Send what is due; wake on new deliveries, otherwise look again every poll."""
        while True:
            self._wake.clear()
            try:
                await self.send_due()
            except Exception:
                log.exception("sending webhook deliveries failed; retrying")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), poll_seconds)
