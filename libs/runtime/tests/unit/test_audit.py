"""The audit helper entrypoints call (S10.8): who, what, from where; never what was typed."""

from __future__ import annotations

import asyncio
import ipaddress
import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, cast

import httpx
import pytest
from fastapi import FastAPI, Request

from shelter_contracts.events import AuditOutcome, AuditRecorded
from shelter_runtime.audit import COLLECTION, EVACUEE, AuditTrail, record_audit
from shelter_runtime.security import Principal, PrincipalKind, Role
from shelter_runtime.settings import LOOPBACK, IPNetwork, ServiceSettings

AT = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
STAFF = Principal("staff-01", PrincipalKind.STAFF, Role.SHELTER_STAFF, frozenset({"s-1"}))
KIOSK = Principal("kiosk:0f1e2d3c4b5a6978", PrincipalKind.KIOSK, None, frozenset({"s-1"}))


class Sink:
    producer = "roster"

    def __init__(self, trusted: Sequence[IPNetwork] = LOOPBACK) -> None:
        self.events: list[AuditRecorded] = []
        self.trusted_proxies = trusted

    async def record(self, event: AuditRecorded) -> None:
        self.events.append(event)


def _app(who: Principal | None, sink: Sink | None) -> FastAPI:
    app = FastAPI()
    if sink is not None:
        app.state.audit = sink

    @app.post("/shelters/{shelter_id}/export")
    async def export(shelter_id: str, request: Request) -> dict[str, str]:
        event = await record_audit(
            request,
            who,
            "roster.exported",
            target_type="roster",
            shelter_id=shelter_id,
            details={"rows": 12, "format": "csv"},
        )
        return {"event_id": str(event.event_id) if event else "none"}

    return app


async def _call(app: FastAPI, peer: str, **headers: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=app, client=(peer, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://svc") as client:
        return await client.post("/shelters/s-1/export", headers=headers)


async def test_a_record_names_the_principal_the_action_and_the_client_address() -> None:
    sink = Sink()
    answer = await _call(_app(STAFF, sink), "127.0.0.1", **{"X-Forwarded-For": "203.0.113.9"})
    [event] = sink.events
    assert answer.json()["event_id"] == str(event.event_id)
    assert (event.producer, event.action, event.outcome) == (
        "roster",
        "roster.exported",
        AuditOutcome.SUCCESS,
    )
    assert (event.actor, event.actor_kind, event.ip) == ("staff-01", "staff", "203.0.113.9")
    assert (event.shelter_id, event.key) == ("s-1", "s-1")
    assert event.details == {"format": "csv", "rows": "12"}


CLUSTER = (ipaddress.ip_network("10.42.0.0/16"),)


@pytest.mark.parametrize(
    ("peer", "forwarded", "trusted", "seen"),
    [
        ("127.0.0.1", "198.51.100.1, 203.0.113.9", LOOPBACK, "203.0.113.9"),  # gateway's hop
        ("93.184.216.34", "10.0.0.1", LOOPBACK, "93.184.216.34"),  # a direct caller
        ("10.1.2.3", "", LOOPBACK, "10.1.2.3"),
        # A pod or LAN host is private but not a trusted gateway: its header is not believed.
        ("10.1.2.3", "203.0.113.9", LOOPBACK, "10.1.2.3"),
        ("192.168.1.20", "203.0.113.9", CLUSTER, "192.168.1.20"),
        # Two trusted gateways in a row: the last hop that is not one of them.
        ("10.42.0.7", "198.51.100.1, 203.0.113.9, 10.42.3.3", CLUSTER, "203.0.113.9"),
        ("::ffff:127.0.0.1", "203.0.113.9", LOOPBACK, "203.0.113.9"),
        # Every hop a trusted proxy: the leftmost one is the best we know.
        ("127.0.0.1", "127.0.0.2", LOOPBACK, "127.0.0.2"),
        ("testclient", "203.0.113.9", LOOPBACK, "testclient"),  # not an address: not trusted
    ],
)
async def test_the_address_is_the_last_hop_not_a_trusted_proxy_and_cannot_be_forged(
    peer: str, forwarded: str, trusted: Sequence[IPNetwork], seen: str
) -> None:
    sink = Sink(trusted)
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    await _call(_app(KIOSK, sink), peer, **headers)
    assert sink.events[0].ip == seen and sink.events[0].actor == "kiosk:0f1e2d3c4b5a6978"


async def test_the_smartphone_user_is_recorded_as_the_evacuee_without_a_name() -> None:
    sink = Sink()
    await _call(_app(None, sink), "127.0.0.1")
    assert (sink.events[0].actor, sink.events[0].actor_kind) == (EVACUEE, EVACUEE)


async def test_a_service_without_an_installed_trail_fails_loudly() -> None:
    app = _app(STAFF, None)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=True)
    async with httpx.AsyncClient(transport=transport, base_url="http://svc") as client:
        with pytest.raises(RuntimeError, match="install_audit"):
            await client.post("/shelters/s-1/export")


def test_a_record_refuses_words_that_could_carry_free_text() -> None:
    with pytest.raises(ValueError, match="action"):
        AuditRecorded(occurred_at=AT, producer="x", action="山田 花子")
    with pytest.raises(ValueError, match="details"):
        AuditRecorded(
            occurred_at=AT,
            producer="x",
            action="a.b",
            details={"Family Name": "x"},
        )


def test_trusted_proxies_default_to_loopback_and_are_read_as_cidrs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert ServiceSettings(service_name="x").trusted_proxies == LOOPBACK
    monkeypatch.setenv("TRUSTED_PROXIES", '["10.42.0.0/16", "fd00::/8"]')
    assert [str(n) for n in ServiceSettings(service_name="x").trusted_proxies] == [
        "10.42.0.0/16",
        "fd00::/8",
    ]


class BrokenSink(Sink):
    async def record(self, event: AuditRecorded) -> None:
        raise ConnectionError("database down: {'name': '山田 花子'}")


async def test_a_record_the_database_refuses_does_not_fail_the_committed_change(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.ERROR, logger="shelter_runtime.audit")
    answer = await _call(_app(STAFF, BrokenSink()), "127.0.0.1")
    assert answer.status_code == 200 and answer.json() == {"event_id": "none"}
    [entry] = caplog.records
    assert entry.error == "ConnectionError"  # type: ignore[attr-defined]
    assert len(entry.event_id) == 36  # type: ignore[attr-defined]
    assert "山田" not in caplog.text


async def test_details_the_contract_refuses_do_not_fail_the_committed_change(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = FastAPI()
    sink = Sink()
    app.state.audit = sink

    @app.post("/x")
    async def change(request: Request) -> dict[str, bool]:
        event = await record_audit(request, STAFF, "a.b", details={"山田 花子": "x"})
        return {"recorded": event is not None}

    caplog.set_level(logging.ERROR, logger="shelter_runtime.audit")
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 1))
    async with httpx.AsyncClient(transport=transport, base_url="http://svc") as client:
        answer = await client.post("/x")
    assert answer.status_code == 200 and answer.json() == {"recorded": False}
    assert sink.events == [] and caplog.records[0].fields == ["details"]  # type: ignore[attr-defined]
    assert "山田" not in caplog.text


class MemoryCollection:
    full_name = "db.audit_outbox"  # what the relay's write lock is named by

    def __init__(self) -> None:
        self.docs: dict[str, dict[str, Any]] = {}

    async def insert_one(self, doc: dict[str, Any]) -> None:
        self.docs[doc["_id"]] = doc

    async def find_one(self, query: dict[str, Any], *_: Any) -> dict[str, Any] | None:
        return self.docs.get(query["_id"])

    async def update_one(self, query: dict[str, Any], update: dict[str, Any]) -> None:
        doc = self.docs[query["_id"]]
        doc["outbox"] = [e for e in doc["outbox"] if e not in update["$pullAll"]["outbox"]]

    async def delete_one(self, query: dict[str, Any]) -> None:
        if not self.docs[query["_id"]]["outbox"]:
            del self.docs[query["_id"]]


class HangingBroker:
    """Kafka unreachable: a publish waits (until the delivery's timeout)."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.published: list[str] = []

    async def publish(self, message: dict[str, Any], **_: Any) -> None:
        await self.release.wait()
        self.published.append(message["event_id"])


async def test_the_answer_does_not_wait_for_kafka() -> None:
    collection = MemoryCollection()
    broker = HangingBroker()
    trail = AuditTrail(
        cast(Any, {COLLECTION: collection}),
        cast(Any, broker),
        producer="roster",
        topic_namespace="ns",
        deliver_timeout_seconds=60,
    )
    event = AuditRecorded(occurred_at=AT, producer="roster", action="a.b")
    await asyncio.wait_for(trail.record(event), timeout=30)  # returns with Kafka hanging
    assert list(collection.docs) == [str(event.event_id)]  # kept before the answer
    assert broker.published == []
    broker.release.set()  # Kafka is back: the background delivery finishes and cleans up
    await trail.drain()
    assert broker.published == [str(event.event_id)] and collection.docs == {}
