"""PUSH (S17.2): webhook endpoints that administrators register, and signed deliveries.

A delivery is signed with HMAC-SHA256 over `timestamp + "." + body` with the endpoint's
secret; the receiver recomputes it and refuses stale timestamps (replays). A delivery is
retried with exponential backoff and ends `dead` (the dead-letter view) after its last try;
an administrator can deliver it again by hand. Bodies hold shelter-level facts only.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

SIGNATURE_HEADER = "X-Shelter-Signature"
TIMESTAMP_HEADER = "X-Shelter-Timestamp"
EVENT_HEADER = "X-Shelter-Event"
DELIVERY_HEADER = "X-Shelter-Delivery"


class WebhookEvent(StrEnum):
    """What an endpoint can subscribe to."""

    SHELTER_STATUS = "shelter.status"  # opened, closed, full, training mode (開設状況)
    SHELTER_OCCUPANCY = "shelter.occupancy"  # counts changed (避難者数・混雑度)


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    DEAD = "dead"


@dataclass(frozen=True, slots=True)
class Webhook:
    webhook_id: str
    url: str
    events: frozenset[WebhookEvent]
    secret: str
    created_at: datetime
    created_by: str


@dataclass(frozen=True, slots=True)
class Delivery:
    delivery_id: str
    webhook_id: str
    event: WebhookEvent
    body: str
    created_at: datetime
    status: DeliveryStatus = DeliveryStatus.PENDING
    attempts: int = 0
    next_attempt_at: datetime | None = None
    last_status_code: int | None = None
    last_error: str | None = None
    delivered_at: datetime | None = None

    def succeeded(self, status_code: int, at: datetime) -> Delivery:
        return replace(
            self,
            status=DeliveryStatus.DELIVERED,
            attempts=self.attempts + 1,
            last_status_code=status_code,
            last_error=None,
            next_attempt_at=None,
            delivered_at=at,
        )

    def failed(
        self, status_code: int | None, error: str, at: datetime, policy: RetryPolicy
    ) -> Delivery:
        attempts = self.attempts + 1
        dead = attempts >= policy.max_attempts
        return replace(
            self,
            status=DeliveryStatus.DEAD if dead else DeliveryStatus.PENDING,
            attempts=attempts,
            last_status_code=status_code,
            last_error=error,
            next_attempt_at=None if dead else at + policy.delay(attempts),
        )

    def redelivered(self, at: datetime) -> Delivery:
        """Back in the queue by hand (from the dead-letter view), due now."""
        return replace(self, status=DeliveryStatus.PENDING, next_attempt_at=at)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    base_seconds: float = 2.0
    max_seconds: float = 300.0
    max_attempts: int = 8

    def delay(self, attempts: int) -> timedelta:
        """Wait after the `attempts`-th failed try: base, 2 x base, 4 x base ... capped."""
        return timedelta(seconds=min(self.base_seconds * 2 ** (attempts - 1), self.max_seconds))


def signature(secret: str, timestamp: str, body: str) -> str:
    """`v1=` and the hex HMAC-SHA256 of `timestamp.body` under the endpoint's secret."""
    mac = hmac.new(secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256)
    return "v1=" + mac.hexdigest()


def verify(secret: str, timestamp: str, body: str, signed: str) -> bool:
    """What a receiver does (constant-time); it should also refuse old timestamps."""
    return hmac.compare_digest(signature(secret, timestamp, body), signed)
