"""PUSH end to end (S17.2): a local receiver gets signed deliveries, retries, redelivery.

The local stack allows loopback webhook URLs (WEBHOOK_ALLOWED_NETWORKS in stack.sh) for
this receiver; other non-public addresses stay refused (SSRF). Administration is audited
(S10.8).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from shelter_integration.domain.webhooks import (
    DELIVERY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    verify,
)
from shelter_testing.polling import eventually

from .conftest import open_shelter

SECRET = "receiver-secret-0123456789abcdef"


class Receiver:
    """The city's endpoint: verifies each signature, fails on purpose while told to.

    `fail_first` refuses the first try of every delivery (by its delivery id): a retry is then
    seen for sure, however slow the machine, where a "failing for a while" window races the
    dispatcher's short test backoff (0.2 s, 3 tries).
    """

    def __init__(self) -> None:
        self.failing = False
        self.fail_first = False
        self.tried: set[str] = set()
        self.failed = 0
        self.bad_signatures = 0
        self.received: list[dict[str, Any]] = []

    async def hook(self, request: Request) -> Response:
        body = (await request.body()).decode()
        timestamp = request.headers.get(TIMESTAMP_HEADER, "")
        if not verify(SECRET, timestamp, body, request.headers.get(SIGNATURE_HEADER, "")):
            self.bad_signatures += 1
            return Response(status_code=401)
        delivery_id = request.headers.get(DELIVERY_HEADER, "")
        first_try = delivery_id not in self.tried
        self.tried.add(delivery_id)
        if self.failing or (self.fail_first and first_try):
            self.failed += 1
            return Response(status_code=503)
        self.received.append(json.loads(body))
        return Response(status_code=204)

    def of(self, shelter_id: str, event: str) -> list[dict[str, Any]]:
        return [r for r in self.received if r["shelter_id"] == shelter_id and r["event"] == event]


@pytest.fixture
async def receiver() -> AsyncIterator[tuple[Receiver, str]]:
    receiver = Receiver()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = Starlette(routes=[Route("/hook", receiver.hook, methods=["POST"])])
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    task = asyncio.create_task(server.serve())
    await eventually(lambda: _value(server.started), lambda started: started)
    yield receiver, f"http://127.0.0.1:{port}/hook"
    server.should_exit = True
    with contextlib.suppress(asyncio.CancelledError):
        await task


@pytest.fixture
async def webhook(
    admin: httpx.AsyncClient, receiver: tuple[Receiver, str]
) -> AsyncIterator[dict[str, Any]]:
    response = await admin.post(
        "/api/integration/webhooks",
        json={
            "url": receiver[1],
            "events": ["shelter.status", "shelter.occupancy"],
            "secret": SECRET,
        },
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    yield created
    await admin.delete(f"/api/integration/webhooks/{created['webhook_id']}")


async def _deliveries(admin: httpx.AsyncClient, webhook_id: str) -> list[dict[str, Any]]:
    response = await admin.get(f"/api/integration/webhooks/{webhook_id}/deliveries")
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()
    return found


async def test_signed_deliveries_with_retries(
    admin: httpx.AsyncClient, receiver: tuple[Receiver, str], webhook: dict[str, Any]
) -> None:
    hook, _ = receiver
    assert webhook["secret"] == SECRET
    hook.fail_first = True
    shelter_id = await open_shelter(admin)
    received = await eventually(
        lambda: _value(hook.of(shelter_id, "shelter.status")),
        lambda found: any(r["opening_status"] == "open" for r in found),
    )
    assert [r["status_label"] for r in received if r["opening_status"] == "open"] == ["開設中"]
    assert hook.bad_signatures == 0
    assert hook.failed >= 1
    # Recorded once the receiver answered: a delivered try after a failed one.
    await eventually(
        lambda: _deliveries(admin, webhook["webhook_id"]),
        lambda found: any(d["status"] == "delivered" and d["attempts"] >= 2 for d in found),
    )


async def test_dead_letters_and_manual_redelivery(
    admin: httpx.AsyncClient, receiver: tuple[Receiver, str], webhook: dict[str, Any]
) -> None:
    hook, _ = receiver
    hook.failing = True
    shelter_id = await open_shelter(admin)
    dead = await eventually(
        lambda: _dead(admin, webhook["webhook_id"]), lambda found: len(found) >= 1, within=30
    )
    assert dead[0]["attempts"] == 3 and dead[0]["last_status_code"] == 503
    hook.failing = False
    again = await admin.post(
        f"/api/integration/webhooks/deliveries/{dead[0]['delivery_id']}/redeliver"
    )
    assert again.status_code == 200, again.text
    await eventually(
        lambda: _value([r for r in hook.received if r["shelter_id"] == shelter_id]),
        lambda found: len(found) >= 1,
    )
    await eventually(
        lambda: _deliveries(admin, webhook["webhook_id"]),
        lambda found: any(
            d["delivery_id"] == dead[0]["delivery_id"] and d["status"] == "delivered" for d in found
        ),
    )


async def test_only_administrators_manage_webhooks(gateway: httpx.AsyncClient) -> None:
    response = await gateway.get("/api/integration/webhooks")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"


async def _value(value: Any) -> Any:
    return value


async def _dead(admin: httpx.AsyncClient, webhook_id: str) -> list[dict[str, Any]]:
    response = await admin.get("/api/integration/webhooks/dead-letters")
    assert response.status_code == 200, response.text
    return [d for d in response.json() if d["webhook_id"] == webhook_id]


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data",  # cloud metadata (link-local)
        "http://10.0.0.1/hook",
        "http://192.168.1.1/hook",
        "http://[fd00::1]/hook",
        "http://0.0.0.0/hook",
    ],
)
async def test_webhook_urls_inside_the_network_are_refused(
    admin: httpx.AsyncClient, url: str
) -> None:
    response = await admin.post(
        "/api/integration/webhooks", json={"url": url, "events": ["shelter.status"]}
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"].endswith("webhook-address-not-allowed")


async def test_webhook_administration_reaches_the_audit_trail(
    admin: httpx.AsyncClient, receiver: tuple[Receiver, str]
) -> None:
    since = (datetime.now(UTC) - timedelta(minutes=5)).isoformat()
    created = await admin.post(
        "/api/integration/webhooks",
        json={"url": receiver[1], "events": ["shelter.status"], "secret": SECRET},
    )
    assert created.status_code == 201, created.text
    webhook_id = created.json()["webhook_id"]
    removed = await admin.delete(f"/api/integration/webhooks/{webhook_id}")
    assert removed.status_code == 204

    async def trail() -> list[dict[str, Any]]:
        answer = await admin.get("/api/auth/audit", params={"from": since})
        assert answer.status_code == 200, answer.text
        return [
            r
            for r in answer.json()
            if r["service"] == "integration" and r["target_id"] == webhook_id
        ]

    records = await eventually(
        trail, lambda rs: {"webhook.registered", "webhook.removed"} <= {r["action"] for r in rs}
    )
    for record in records:
        assert (record["actor"], record["target_type"]) == ("admin", "webhook")
        assert record["ip"]
        assert SECRET not in json.dumps(record)
