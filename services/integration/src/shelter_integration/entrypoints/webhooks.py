"""PUSH administration (S17.2): webhook endpoints, their deliveries, dead letters, redelivery."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response, status
from pydantic import AnyHttpUrl, BaseModel, Field

from shelter_integration.domain.webhooks import (
    Delivery,
    DeliveryStatus,
    Webhook,
    WebhookEvent,
)
from shelter_integration.service_layer.url_guard import UnsafeUrlError, UrlGuard
from shelter_integration.service_layer.webhooks import WebhookDispatcher, WebhookStore
from shelter_runtime.audit import record_audit
from shelter_runtime.http import JsonBody
from shelter_runtime.problems import ProblemError
from shelter_runtime.security import Principal, Role, require


@dataclass(frozen=True, slots=True)
class WebhookApi:
    store: WebhookStore
    dispatcher: WebhookDispatcher
    https_only: bool
    guard: UrlGuard


def get_webhook_api(request: Request) -> WebhookApi:
    api: WebhookApi = request.app.state.webhook_api
    return api


Admin = Annotated[Principal, Depends(require(Role.ADMINISTRATOR))]
Api = Annotated[WebhookApi, Depends(get_webhook_api)]
IdPath = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]
router = APIRouter(prefix="/webhooks", tags=["push"])


class WebhookCreate(BaseModel):
    url: AnyHttpUrl = Field(description="Where deliveries are POSTed (https in production)")
    events: list[WebhookEvent] = Field(min_length=1, max_length=len(WebhookEvent))
    secret: str | None = Field(
        default=None,
        min_length=24,
        max_length=200,
        description="HMAC-SHA256 key; generated (and shown once) when left out",
    )


class WebhookPublic(BaseModel):
    webhook_id: str
    url: str
    events: list[WebhookEvent]
    created_at: datetime

    @classmethod
    def of(cls, webhook: Webhook) -> WebhookPublic:
        return cls(
            webhook_id=webhook.webhook_id,
            url=webhook.url,
            events=sorted(webhook.events),
            created_at=webhook.created_at,
        )


class WebhookCreated(WebhookPublic):
    secret: str = Field(description="Shown once: verify X-Shelter-Signature with it")


class DeliveryPublic(BaseModel):
    delivery_id: str
    webhook_id: str
    event: WebhookEvent
    status: DeliveryStatus
    attempts: int
    created_at: datetime
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    delivered_at: datetime | None

    @classmethod
    def of(cls, delivery: Delivery) -> DeliveryPublic:
        return cls(
            delivery_id=delivery.delivery_id,
            webhook_id=delivery.webhook_id,
            event=delivery.event,
            status=delivery.status,
            attempts=delivery.attempts,
            created_at=delivery.created_at,
            next_attempt_at=delivery.next_attempt_at,
            last_status_code=delivery.last_status_code,
            last_error=delivery.last_error,
            delivered_at=delivery.delivered_at,
        )


def _not_found(what: str) -> ProblemError:
    return ProblemError(404, f"{what}-not-found", f"No such {what}", "見つかりません")


@router.post(
    "", status_code=status.HTTP_201_CREATED, dependencies=[JsonBody], response_model=WebhookCreated
)
async def register_webhook(
    request: Request, body: WebhookCreate, who: Admin, api: Api
) -> WebhookCreated:
    """Register an endpoint for shelter status and occupancy deliveries (signed)."""
    # The URL's host must resolve to public addresses only (no loopback, private, link-local,
    # multicast or unspecified address) unless WEBHOOK_ALLOWED_NETWORKS permits it (SSRF).
    if api.https_only and body.url.scheme != "https":
        raise ProblemError(
            422, "webhook-https-required", "Webhook URLs must use https", "https のURLが必要です"
        )
    try:
        await api.guard.check(str(body.url))
    except UnsafeUrlError as exc:
        raise ProblemError(
            422,
            "webhook-address-not-allowed",
            "Webhook URLs must reach a public address",
            "公開されたアドレスのURLが必要です",
            detail=f"The URL's host was refused: {exc.reason}",
        ) from exc
    webhook = Webhook(
        webhook_id=uuid.uuid4().hex,
        url=str(body.url),
        events=frozenset(body.events),
        secret=body.secret or secrets.token_urlsafe(32),
        created_at=datetime.now(UTC),
        created_by=who.sub,
    )
    await api.store.add_webhook(webhook)
    # Ids and the event names only: never the URL's secret or the URL (it may hold a token).
    await record_audit(
        request,
        who,
        "webhook.registered",
        target_type="webhook",
        target_id=webhook.webhook_id,
        details={"events": ",".join(sorted(e.value for e in webhook.events))},
    )
    return WebhookCreated(**WebhookPublic.of(webhook).model_dump(), secret=webhook.secret)


@router.get("")
async def list_webhooks(_: Admin, api: Api) -> list[WebhookPublic]:
    """The registered endpoints (secrets are never shown again)."""
    return [WebhookPublic.of(w) for w in await api.store.webhooks()]


@router.delete("/{webhook_id}", status_code=204, responses={404: {"description": "Not found"}})
async def remove_webhook(request: Request, webhook_id: IdPath, who: Admin, api: Api) -> Response:
    """Remove an endpoint; its pending deliveries are dropped on their next try."""
    if not await api.store.delete_webhook(webhook_id):
        raise _not_found("webhook")
    await record_audit(request, who, "webhook.removed", target_type="webhook", target_id=webhook_id)
    return Response(status_code=204)


@router.get("/{webhook_id}/deliveries")
async def webhook_deliveries(
    webhook_id: IdPath,
    _: Admin,
    api: Api,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[DeliveryPublic]:
    """The endpoint's deliveries, newest first, with their status and last outcome."""
    found = await api.store.deliveries(webhook_id=webhook_id, status=None, limit=limit)
    return [DeliveryPublic.of(d) for d in found]


@router.get("/dead-letters")
async def dead_letters(
    _: Admin, api: Api, limit: Annotated[int, Query(ge=1, le=500)] = 100
) -> list[DeliveryPublic]:
    """Deliveries that failed every try (the dead-letter view), newest first."""
    found = await api.store.deliveries(webhook_id=None, status=DeliveryStatus.DEAD, limit=limit)
    return [DeliveryPublic.of(d) for d in found]


@router.post(
    "/deliveries/{delivery_id}/redeliver",
    responses={404: {"description": "Not found"}},
)
async def redeliver(request: Request, delivery_id: IdPath, who: Admin, api: Api) -> DeliveryPublic:
    """Deliver again now (by hand, e.g. from the dead-letter view)."""
    delivery = await api.dispatcher.redeliver(delivery_id)
    if delivery is None:
        raise _not_found("delivery")
    await record_audit(
        request,
        who,
        "webhook.redelivered",
        target_type="webhook_delivery",
        target_id=delivery_id,
        details={"webhook_id": delivery.webhook_id, "event": delivery.event.value},
    )
    return DeliveryPublic.of(delivery)
