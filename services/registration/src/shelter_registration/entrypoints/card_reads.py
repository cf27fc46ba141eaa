"""The Kafka subscriber of the kiosks' card reads (shelter.card-reads.v1)."""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable, Mapping

import httpx
import jwt

from shelter_contracts.kiosk import CardRead
from shelter_contracts.topics import CARD_READS
from shelter_registration.service_layer import handlers
from shelter_registration.service_layer.card_reads import (
    CardReadClaims,
    VerifyToken,
    apply_card_read,
)
from shelter_runtime.consumer import subscribe
from shelter_runtime.security import (
    DEFAULT_ISSUER,
    RemoteRevocations,
    Verifier,
    keys_from_jwks,
)
from shelter_runtime.wiring import ServiceParts

#: The verifier does not compare the token's expiry with the clock: a read may wait on Kafka
#: through any registration backlog, so apply_card_read compares it with the read's own time.
#: Revocation is still checked against the list of now.
NO_EXPIRY_AGAINST_NOW = math.inf


class KeysUnavailableError(Exception):
    """The auth service's JWKS could not be fetched when a read needed it: retry the read."""


class CardReadKeys:
    """The auth service's JWKS for card reads: an unknown key id is final only once fetched.

    Unlike the HTTP routes' `RemoteKeys`, a fetch that fails raises, so an auth outage makes
    the consumer redeliver the read instead of refusing it as signed by an unknown key.
    """

    def __init__(
        self,
        url: str,
        *,
        max_age_seconds: float = 600.0,
        min_refetch_seconds: float = 10.0,
        timeout_seconds: float = 3.0,
    ) -> None:
        self.url = url
        self._max_age = max_age_seconds
        self._min_refetch = min_refetch_seconds
        self._timeout = timeout_seconds
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at = float("-inf")
        self._lock = asyncio.Lock()

    async def keys(self, *, refresh: bool = False) -> Mapping[str, jwt.PyJWK]:
        async with self._lock:
            age = time.monotonic() - self._fetched_at
            if age >= self._max_age or (refresh and age >= self._min_refetch):
                try:
                    async with httpx.AsyncClient(timeout=self._timeout) as http:
                        response = await http.get(self.url)
                        response.raise_for_status()
                        self._keys = keys_from_jwks(response.json())
                    self._fetched_at = time.monotonic()
                except (httpx.HTTPError, ValueError, AttributeError) as exc:
                    if refresh or not self._keys:
                        raise KeysUnavailableError(self.url) from exc
            return self._keys


def card_read_verifier(auth_url: str, audience: str) -> VerifyToken:
    base = auth_url.rstrip("/")
    verifier = Verifier(
        keys=CardReadKeys(f"{base}/.well-known/jwks.json"),
        revocations=RemoteRevocations(f"{base}/revocations"),
        audience=audience,
        issuer=DEFAULT_ISSUER,
        leeway_seconds=NO_EXPIRY_AGAINST_NOW,
    )
    return verifier.verify


def subscribe_card_reads(
    parts: ServiceParts,
    deps: Callable[[], handlers.Dependencies],
    claims: CardReadClaims,
    verify: VerifyToken,
) -> None:
    """Apply every card read of the topic; the handler is idempotent by event id."""

    async def on_card_read(read: CardRead) -> None:
        await apply_card_read(read, deps(), claims, verify)

    subscribe(parts, CARD_READS, on_card_read)
