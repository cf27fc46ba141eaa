"""PUSH (S17.2): signed deliveries, retries with backoff, dead letters, manual redelivery."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import httpx
import pytest

from shelter_integration.domain.model import Facts, Occupancy, ShelterState
from shelter_integration.domain.webhooks import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    DeliveryStatus,
    RetryPolicy,
    Webhook,
    WebhookEvent,
    verify,
)
from shelter_integration.service_layer.ports import Shelters
from shelter_integration.service_layer.webhooks import WebhookDispatcher, WebhookStore

SECRET = "s" * 32
T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


class Receiver:
    """A webhook receiver that verifies every signature and fails while told to."""

    def __init__(self) -> None:
        self.failures_left = 0
        self.received: list[dict[str, Any]] = []
        self.bad_signatures = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = request.content.decode()
        if not verify(
            SECRET, request.headers[TIMESTAMP_HEADER], body, request.headers[SIGNATURE_HEADER]
        ):
            self.bad_signatures += 1
            return httpx.Response(401)
        if self.failures_left:
            self.failures_left -= 1
            return httpx.Response(503)
        self.received.append(json.loads(body))
        return httpx.Response(204)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def receiver() -> Receiver:
    return Receiver()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def dispatcher(
    webhook_store: WebhookStore, shelters: Shelters, receiver: Receiver, clock: Clock
) -> AsyncIterator[WebhookDispatcher]:
    await webhook_store.add_webhook(
        Webhook("a" * 32, "https://city.example/hook", frozenset(WebhookEvent), SECRET, T0, "admin")
    )
    facts = Facts(version=1, name="千代田小学校", capacity=10, is_open=True, opened_at=T0)
    await shelters.record_facts("13101-0001", facts)
    await shelters.record_occupancy("13101-0001", Occupancy(T0, present=3, households=2))
    async with httpx.AsyncClient(transport=httpx.MockTransport(receiver)) as http:
        yield WebhookDispatcher(
            webhook_store,
            shelters,
            http,
            policy=RetryPolicy(base_seconds=1, max_seconds=60, max_attempts=3),
            now=clock,
        )


async def test_deliveries_are_signed_and_carry_no_personal_data(
    dispatcher: WebhookDispatcher, receiver: Receiver
) -> None:
    assert await dispatcher.shelter_changed("13101-0001") == 2  # status and occupancy
    await dispatcher.send_due()
    assert receiver.bad_signatures == 0
    events = {r["event"]: r for r in receiver.received}
    assert events["shelter.status"]["opening_status"] == "open"
    assert events["shelter.occupancy"]["counts"]["present"] == 3
    assert set(events["shelter.occupancy"]) == {
        "event",
        "sent_at",
        "shelter_id",
        "name",
        "opening_status",
        "status_label",
        "capacity",
        "deleted",
        "counts",
    }
    # Counts only when nothing but the counts changed.
    assert await dispatcher.shelter_changed("13101-0001") == 1


async def test_failures_are_retried_with_backoff_then_delivered(
    dispatcher: WebhookDispatcher, receiver: Receiver, clock: Clock, webhook_store: WebhookStore
) -> None:
    receiver.failures_left = 2
    await dispatcher.shelter_changed("13101-0001")
    (first,) = [d for d in await dispatcher.send_due() if d.event is WebhookEvent.SHELTER_STATUS]
    assert first.status is DeliveryStatus.PENDING and first.last_status_code == 503
    assert first.next_attempt_at == T0 + timedelta(seconds=1)
    assert await dispatcher.send_due() == []  # not due yet
    clock.now = T0 + timedelta(seconds=1)
    second = await dispatcher.send_due()  # both deliveries failed once (two failures)
    assert {(d.status, d.attempts) for d in second} == {(DeliveryStatus.DELIVERED, 2)}
    delivered = await webhook_store.deliveries(webhook_id="a" * 32, status=None, limit=10)
    assert {d.status for d in delivered} == {DeliveryStatus.DELIVERED}


async def test_dead_letters_and_manual_redelivery(
    dispatcher: WebhookDispatcher, receiver: Receiver, clock: Clock, webhook_store: WebhookStore
) -> None:
    receiver.failures_left = 6  # both deliveries fail all three tries
    await dispatcher.shelter_changed("13101-0001")
    for seconds in (0, 1, 3):
        clock.now = T0 + timedelta(seconds=seconds)
        await dispatcher.send_due()
    dead = await webhook_store.deliveries(webhook_id=None, status=DeliveryStatus.DEAD, limit=10)
    assert len(dead) == 2 and all(d.attempts == 3 for d in dead)
    clock.now = T0 + timedelta(hours=1)
    assert await dispatcher.send_due() == []  # dead letters are not retried by themselves
    again = await dispatcher.redeliver(dead[0].delivery_id)
    assert again is not None and again.status is DeliveryStatus.PENDING
    (done,) = await dispatcher.send_due()
    assert done.status is DeliveryStatus.DELIVERED and len(receiver.received) == 1


async def test_an_unreachable_endpoint_counts_as_a_failed_try(
    webhook_store: WebhookStore, shelters: Shelters
) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    await webhook_store.add_webhook(
        Webhook("b" * 32, "https://x.example/", frozenset(WebhookEvent), SECRET, T0, "admin")
    )
    await shelters.record_facts("13101-0002", Facts(version=1, name="x", capacity=1))
    async with httpx.AsyncClient(transport=httpx.MockTransport(refuse)) as http:
        dispatcher = WebhookDispatcher(webhook_store, shelters, http, policy=RetryPolicy())
        await dispatcher.shelter_changed("13101-0002")
        outcomes = await dispatcher.send_due()
    assert {(o.last_error, o.status) for o in outcomes} == {
        ("ConnectError", DeliveryStatus.PENDING)
    }


class SlowFirstRead:
    """Shelters whose first state read is held until released: the older of two racing calls."""

    def __init__(self, inner: Shelters) -> None:
        self.inner = inner
        self.release = asyncio.Event()
        self.first_read = asyncio.Event()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def states(self, shelter_ids: Sequence[str]) -> list[ShelterState]:
        found = await self.inner.states(shelter_ids)
        if not self.first_read.is_set():
            self.first_read.set()
            await self.release.wait()
        return found


async def test_a_status_read_before_a_newer_one_is_never_queued_after_it(
    webhook_store: WebhookStore, shelters: Shelters, receiver: Receiver
) -> None:
    """A facts change and a count change arrive on two topics at once (S17.2 PUSH order)."""
    await webhook_store.add_webhook(
        Webhook("c" * 32, "https://city.example/hook", frozenset(WebhookEvent), SECRET, T0, "admin")
    )
    await shelters.record_facts("13101-0003", Facts(version=1, name="x", capacity=5))
    slow = SlowFirstRead(shelters)
    ticks = iter(T0 + timedelta(seconds=n) for n in range(100))
    async with httpx.AsyncClient(transport=httpx.MockTransport(receiver)) as http:
        dispatcher = WebhookDispatcher(
            webhook_store, cast(Shelters, slow), http, policy=RetryPolicy(), now=lambda: next(ticks)
        )
        older = asyncio.create_task(dispatcher.shelter_changed("13101-0003"))  # reads "closed"
        await slow.first_read.wait()
        opened = Facts(version=2, name="x", capacity=5, is_open=True, opened_at=T0)
        await shelters.record_facts("13101-0003", opened)
        newer = asyncio.create_task(dispatcher.shelter_changed("13101-0003"))  # reads "open"
        await asyncio.sleep(0.01)
        slow.release.set()
        await asyncio.gather(older, newer)
    queued = await webhook_store.deliveries(webhook_id="c" * 32, status=None, limit=10)
    statuses = sorted(
        (d.created_at, json.loads(d.body)["opening_status"])
        for d in queued
        if d.event is WebhookEvent.SHELTER_STATUS
    )
    assert [status for _, status in statuses] == ["closed", "open"]


async def test_a_redelivery_during_a_try_is_not_undone_by_the_try(
    webhook_store: WebhookStore, shelters: Shelters, clock: Clock
) -> None:
    """The try in flight records its outcome first; the redelivery then stands."""
    answer = asyncio.Event()

    async def slow(request: httpx.Request) -> httpx.Response:
        await answer.wait()
        return httpx.Response(503)

    await webhook_store.add_webhook(
        Webhook(
            "c" * 32,
            "https://x.example/",
            frozenset({WebhookEvent.SHELTER_STATUS}),
            SECRET,
            T0,
            "admin",
        )
    )
    await shelters.record_facts("13101-0003", Facts(version=1, name="x", capacity=1))
    async with httpx.AsyncClient(transport=httpx.MockTransport(slow)) as http:
        dispatcher = WebhookDispatcher(
            webhook_store, shelters, http, policy=RetryPolicy(max_attempts=1), now=clock
        )
        await dispatcher.shelter_changed("13101-0003")
        trying = asyncio.create_task(dispatcher.send_due())
        await asyncio.sleep(0.01)  # the tries are waiting for their answers
        (pending,) = await webhook_store.deliveries(
            webhook_id="c" * 32, status=DeliveryStatus.PENDING, limit=10
        )
        redelivering = asyncio.create_task(dispatcher.redeliver(pending.delivery_id))
        await asyncio.sleep(0.01)
        answer.set()
        (tried,) = await trying
        again = await redelivering
    assert tried.status is DeliveryStatus.DEAD  # its only try failed
    assert again is not None and again.status is DeliveryStatus.PENDING
    stored = await webhook_store.delivery(pending.delivery_id)
    assert stored is not None and stored.status is DeliveryStatus.PENDING
