"""Webhook endpoints and their deliveries in MongoDB (FerretDB locally).

`webhooks`: one document per endpoint (few). `webhook_deliveries`: one per delivery, by id;
the due and dead-letter queries scan it (FerretDB uses no index for them), so delivered
documents are what an operator prunes first (see deploy/PRODUCTION.md). The endpoint's secret
must be kept to sign: it is stored as given and never returned or logged.
"""

from __future__ import annotations

from datetime import datetime

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from shelter_integration.domain.webhooks import Delivery, DeliveryStatus, Webhook, WebhookEvent
from shelter_runtime.mongo import Document


def _webhook(doc: Document) -> Webhook:
    return Webhook(
        webhook_id=doc["_id"],
        url=doc["url"],
        events=frozenset(WebhookEvent(e) for e in doc["events"]),
        secret=doc["secret"],
        created_at=doc["created_at"],
        created_by=doc["created_by"],
    )


def _delivery(doc: Document) -> Delivery:
    return Delivery(
        delivery_id=doc["_id"],
        webhook_id=doc["webhook_id"],
        event=WebhookEvent(doc["event"]),
        body=doc["body"],
        created_at=doc["created_at"],
        status=DeliveryStatus(doc["status"]),
        attempts=int(doc["attempts"]),
        next_attempt_at=doc.get("next_attempt_at"),
        last_status_code=doc.get("last_status_code"),
        last_error=doc.get("last_error"),
        delivered_at=doc.get("delivered_at"),
    )


class MongoWebhookStore:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.endpoints: AsyncCollection[Document] = db["webhooks"]
        self.log: AsyncCollection[Document] = db["webhook_deliveries"]

    async def add_webhook(self, webhook: Webhook) -> None:
        await self.endpoints.insert_one(
            {
                "_id": webhook.webhook_id,
                "url": webhook.url,
                "events": sorted(e.value for e in webhook.events),
                "secret": webhook.secret,
                "created_at": webhook.created_at,
                "created_by": webhook.created_by,
            }
        )

    async def webhooks(self) -> list[Webhook]:
        return [_webhook(doc) async for doc in self.endpoints.find({}).sort("_id", 1)]

    async def webhook(self, webhook_id: str) -> Webhook | None:
        doc = await self.endpoints.find_one({"_id": webhook_id})
        return _webhook(doc) if doc else None

    async def delete_webhook(self, webhook_id: str) -> bool:
        return (await self.endpoints.delete_one({"_id": webhook_id})).deleted_count > 0

    async def save_delivery(self, delivery: Delivery) -> None:
        await self.log.replace_one(
            {"_id": delivery.delivery_id},
            {
                "webhook_id": delivery.webhook_id,
                "event": delivery.event.value,
                "body": delivery.body,
                "created_at": delivery.created_at,
                "status": delivery.status.value,
                "attempts": delivery.attempts,
                "next_attempt_at": delivery.next_attempt_at,
                "last_status_code": delivery.last_status_code,
                "last_error": delivery.last_error,
                "delivered_at": delivery.delivered_at,
            },
            upsert=True,
        )

    async def delivery(self, delivery_id: str) -> Delivery | None:
        doc = await self.log.find_one({"_id": delivery_id})
        return _delivery(doc) if doc else None

    async def due(self, now: datetime, limit: int) -> list[Delivery]:
        query = {"status": DeliveryStatus.PENDING.value, "next_attempt_at": {"$lte": now}}
        return [_delivery(doc) async for doc in self.log.find(query).limit(limit)]

    async def deliveries(
        self, *, webhook_id: str | None, status: DeliveryStatus | None, limit: int
    ) -> list[Delivery]:
        query: Document = {}
        if webhook_id is not None:
            query["webhook_id"] = webhook_id
        if status is not None:
            query["status"] = status.value
        cursor = self.log.find(query).sort("created_at", -1).limit(limit)
        return [_delivery(doc) async for doc in cursor]
