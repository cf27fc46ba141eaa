"""Webhook URLs reach public addresses only (SSRF), and their administration is audited.

S17.2 (PUSH) and S10.8 (audit trail): a URL aimed at loopback, the cluster's private networks,
link-local (cloud metadata), multicast or unspecified addresses is refused at registration
and again before each delivery, unless the allow-list permits it.
"""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime

import httpx
import pytest
from pydantic import SecretStr

from shelter_contracts.events import AuditRecorded
from shelter_integration.bootstrap import bootstrap
from shelter_integration.config import Settings
from shelter_integration.domain.model import Facts, Occupancy
from shelter_integration.domain.webhooks import (
    DeliveryStatus,
    RetryPolicy,
    Webhook,
    WebhookEvent,
)
from shelter_integration.entrypoints.webhooks import WebhookApi, get_webhook_api
from shelter_integration.service_layer.ports import Shelters
from shelter_integration.service_layer.url_guard import UnsafeUrlError, UrlGuard
from shelter_integration.service_layer.webhooks import WebhookDispatcher, WebhookStore
from shelter_runtime.settings import Environment
from shelter_testing.tokens import TestIssuer

T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
LOOPBACK = (ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128"))


class Dns:
    """A resolver with fixed answers (names that change their answer, too)."""

    def __init__(self) -> None:
        self.answers: dict[str, list[str]] = {
            "city.example": ["93.184.216.34"],
            "internal.example": ["10.0.0.5"],
            "mixed.example": ["93.184.216.34", "192.168.1.1"],
            "metadata.example": ["169.254.169.254"],
            "v6.example": ["2606:2800:220:1:248:1893:25c8:1946"],
            "mapped.example": ["::ffff:127.0.0.1"],
        }

    async def __call__(self, host: str, port: int) -> Sequence[str]:
        if host not in self.answers:
            raise OSError("no such host")
        return self.answers[host]


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hook",
        "https://localhost.localdomain.invalid/hook",  # does not resolve
        "https://[::1]/hook",
        "https://10.1.2.3/hook",
        "https://172.16.0.1/hook",
        "https://192.168.0.10/hook",
        "https://100.64.0.1/hook",  # carrier-grade NAT (shared)
        "https://169.254.169.254/latest/meta-data",  # cloud metadata (link-local)
        "https://[fe80::1]/hook",
        "https://[fd00::1]/hook",
        "https://224.0.0.1/hook",
        "https://0.0.0.0/hook",
        "https://[::]/hook",
        "https://[::ffff:10.0.0.1]/hook",
        "https://internal.example/hook",
        "https://mixed.example/hook",  # one private answer is enough to refuse
        "https://metadata.example/hook",
        "https://mapped.example/hook",
    ],
)
async def test_non_public_addresses_are_refused(url: str) -> None:
    with pytest.raises(UnsafeUrlError):
        await UrlGuard((), Dns()).check(url)


@pytest.mark.parametrize(
    "url",
    ["https://city.example/hook", "https://v6.example:8443/h", "https://93.184.216.34/hook"],
)
async def test_public_addresses_are_accepted(url: str) -> None:
    await UrlGuard((), Dns()).check(url)


async def test_the_allow_list_permits_only_its_networks() -> None:
    guard = UrlGuard(LOOPBACK, Dns())
    await guard.check("http://127.0.0.1:8080/hook")
    await guard.check("http://[::1]:8080/hook")
    await guard.check("http://mapped.example/hook")
    with pytest.raises(UnsafeUrlError):
        await guard.check("http://10.0.0.1/hook")


async def test_a_resolver_that_never_answers_refuses_the_url() -> None:
    async def stuck(host: str, port: int) -> Sequence[str]:
        await asyncio.Event().wait()
        return []

    with pytest.raises(UnsafeUrlError, match="does not resolve"):
        await UrlGuard((), stuck, timeout_seconds=0.05).check("https://city.example/hook")


async def test_the_real_resolver_refuses_localhost() -> None:
    with pytest.raises(UnsafeUrlError):
        await UrlGuard().check("https://localhost/hook")


async def test_a_host_that_turned_private_is_not_delivered_to(
    webhook_store: WebhookStore, shelters: Shelters
) -> None:
    dns = Dns()
    sent: list[str] = []

    def receive(request: httpx.Request) -> httpx.Response:
        sent.append(str(request.url))
        return httpx.Response(204)

    await webhook_store.add_webhook(
        Webhook("a" * 32, "https://city.example/hook", frozenset(WebhookEvent), "s" * 32, T0, "x")
    )
    facts = Facts(version=1, name="千代田小学校", capacity=10, is_open=True, opened_at=T0)
    await shelters.record_facts("13101-0001", facts)
    await shelters.record_occupancy("13101-0001", Occupancy(T0, present=3, households=2))
    async with httpx.AsyncClient(transport=httpx.MockTransport(receive)) as http:
        dispatcher = WebhookDispatcher(
            webhook_store,
            shelters,
            http,
            policy=RetryPolicy(1, 10, 5),
            now=lambda: T0,
            guard=UrlGuard((), dns),
        )
        dns.answers["city.example"] = ["10.0.0.7"]  # DNS changed after registration
        await dispatcher.shelter_changed("13101-0001")
        outcomes = await dispatcher.send_due()
        assert outcomes and sent == []
        assert all(o.status is DeliveryStatus.PENDING for o in outcomes)
        assert {o.last_error for o in outcomes} == {"refused: address not allowed"}
        dns.answers["city.example"] = ["93.184.216.34"]  # back to a public address
        for delivery in outcomes:
            await dispatcher.attempt(delivery, await webhook_store.webhook("a" * 32))
        assert len(sent) == len(outcomes)


class Sink:
    producer = "integration"

    def __init__(self) -> None:
        self.events: list[AuditRecorded] = []

    async def record(self, event: AuditRecorded) -> None:
        self.events.append(event)


@pytest.fixture
async def admin(
    webhook_store: WebhookStore, shelters: Shelters
) -> AsyncIterator[tuple[httpx.AsyncClient, Sink, WebhookStore]]:
    settings = Settings(
        environment=Environment.TEST,
        kafka_bootstrap_servers="127.0.0.1:1",
        mongodb_uri=SecretStr("mongodb://127.0.0.1:1/"),
    )
    app = bootstrap(settings)
    assert app.state.audit.producer == "integration"  # bootstrap installed the audit trail
    sink = Sink()
    app.state.audit = sink
    issuer = TestIssuer()
    issuer.install(app, "integration")
    async with httpx.AsyncClient() as http:
        dispatcher = WebhookDispatcher(
            webhook_store, shelters, http, policy=RetryPolicy(1, 10, 1), now=lambda: T0
        )
        api = WebhookApi(webhook_store, dispatcher, https_only=False, guard=UrlGuard((), Dns()))
        app.dependency_overrides[get_webhook_api] = lambda: api
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://integration") as c:
            c.headers.update(issuer.headers("administrator", sub="admin-01"))
            yield c, sink, webhook_store


async def test_registration_refuses_a_private_url_with_a_problem(
    admin: tuple[httpx.AsyncClient, Sink, WebhookStore],
) -> None:
    client, sink, store = admin
    answer = await client.post(
        "/webhooks",
        json={"url": "https://169.254.169.254/latest", "events": ["shelter.status"]},
    )
    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"
    problem = answer.json()
    assert problem["type"].endswith("webhook-address-not-allowed") and problem["title_ja"]
    assert await store.webhooks() == [] and sink.events == []


async def test_register_remove_and_redeliver_are_audited_without_secrets(
    admin: tuple[httpx.AsyncClient, Sink, WebhookStore],
    shelters: Shelters,
    webhook_store: WebhookStore,
) -> None:
    client, sink, store = admin
    assert store is webhook_store
    async with httpx.AsyncClient() as http:  # queues only; never sends
        dispatcher = WebhookDispatcher(
            store, shelters, http, policy=RetryPolicy(1, 10, 1), now=lambda: T0
        )
    secret = "k" * 40
    created = await client.post(
        "/webhooks",
        json={
            "url": "https://city.example/hook?token=abc",
            "events": ["shelter.status", "shelter.occupancy"],
            "secret": secret,
        },
    )
    assert created.status_code == 201
    webhook_id = created.json()["webhook_id"]
    registered = sink.events[-1]
    assert (registered.action, registered.actor, registered.target_id) == (
        "webhook.registered",
        "admin-01",
        webhook_id,
    )
    assert registered.details == {"events": "shelter.occupancy,shelter.status"}
    assert secret not in registered.model_dump_json() and "token" not in str(registered.details)

    assert (await client.post(f"/webhooks/deliveries/{'0' * 32}/redeliver")).status_code == 404
    assert len(sink.events) == 1  # nothing happened: nothing audited
    facts = Facts(version=1, name="千代田小学校", capacity=10, is_open=True, opened_at=T0)
    await shelters.record_facts("13101-0001", facts)
    await shelters.record_occupancy("13101-0001", Occupancy(T0, present=3, households=2))
    assert await dispatcher.shelter_changed("13101-0001") >= 1
    [delivery] = await store.deliveries(webhook_id=webhook_id, status=None, limit=1)
    again = await client.post(f"/webhooks/deliveries/{delivery.delivery_id}/redeliver")
    assert again.status_code == 200
    redelivered = sink.events[-1]
    assert (redelivered.action, redelivered.target_id) == (
        "webhook.redelivered",
        delivery.delivery_id,
    )
    assert redelivered.details["webhook_id"] == webhook_id

    assert (await client.delete(f"/webhooks/{webhook_id}")).status_code == 204
    removed = sink.events[-1]
    assert (removed.action, removed.target_type, removed.target_id) == (
        "webhook.removed",
        "webhook",
        webhook_id,
    )
    assert (await client.delete(f"/webhooks/{webhook_id}")).status_code == 404
    assert [e.action for e in sink.events] == [
        "webhook.registered",
        "webhook.redelivered",
        "webhook.removed",
    ]


class CountingDns(Dns):
    """Answers a public address to the first question about a name, a private one after:
    a name rebound between the check and the connection."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: list[str] = []

    async def __call__(self, host: str, port: int) -> Sequence[str]:
        self.asked.append(host)
        if len(self.asked) > 1:
            return ["127.0.0.1"]
        return await super().__call__(host, port)


@pytest.mark.parametrize(
    ("url", "sent_to", "host", "sni"),
    [
        ("https://city.example/hook", "https://93.184.216.34/hook", "city.example", "city.example"),
        (
            "http://v6.example:8080/hook?a=1",
            "http://[2606:2800:220:1:248:1893:25c8:1946]:8080/hook?a=1",
            "v6.example:8080",
            None,
        ),
        ("https://93.184.216.34/hook", "https://93.184.216.34/hook", "93.184.216.34", None),
    ],
)
async def test_a_delivery_goes_to_the_address_that_was_checked(
    webhook_store: WebhookStore,
    shelters: Shelters,
    url: str,
    sent_to: str,
    host: str,
    sni: str | None,
) -> None:
    """DNS rebinding: the name is resolved once per try, and the connection uses that answer."""
    dns = CountingDns()
    sent: list[httpx.Request] = []

    def receive(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(204)

    await webhook_store.add_webhook(
        Webhook("b" * 32, url, frozenset({WebhookEvent.SHELTER_STATUS}), "s" * 32, T0, "x")
    )
    await shelters.record_facts("13101-0002", Facts(version=1, name="x", capacity=1))
    async with httpx.AsyncClient(transport=httpx.MockTransport(receive)) as http:
        dispatcher = WebhookDispatcher(
            webhook_store,
            shelters,
            http,
            policy=RetryPolicy(1, 10, 5),
            now=lambda: T0,
            guard=UrlGuard((), dns),
        )
        await dispatcher.shelter_changed("13101-0002")
        (outcome,) = await dispatcher.send_due()
    assert outcome.status is DeliveryStatus.DELIVERED
    (request,) = sent
    assert str(request.url) == sent_to
    assert request.headers["host"] == host
    assert request.extensions.get("sni_hostname") == sni
    assert len(dns.asked) <= 1  # the rebound second answer was never asked for
