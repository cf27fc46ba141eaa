"""The NGSI-LD broker over HTTP (Orion-LD): batch upsert and delete, as the spec says.

@context (ETSI GS CIM 009 6.3.5): either `Content-Type: application/ld+json` with `@context`
in every entity of the array, or `application/json` with one `Link` header; never both.
`NGSILD-Tenant` is sent only when a tenant is configured (a single-tenant broker refuses it).
"""

from __future__ import annotations

import asyncio
from typing import Any, Literal

import httpx

from shelter_integration.domain.entities import CORE_CONTEXT, Entity, extension_context

CONTEXT_REL = "http://www.w3.org/ns/json-ld#context"
UPSERT_PATH = "/ngsi-ld/v1/entityOperations/upsert"
ENTITIES_PATH = "/ngsi-ld/v1/entities"


class BrokerUnavailableError(Exception):
    """The broker cannot be reached or failed (5xx, timeout): retry later, all of it."""


class BatchRejectedError(Exception):
    """The broker refused the whole request (4xx): retrying the same request cannot help."""

    def __init__(self, status: int, error_type: str) -> None:
        super().__init__(f"{status} {error_type}")
        self.status = status
        self.error_type = error_type


def _error_type(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return "unknown"
    return str(body.get("type", "unknown")) if isinstance(body, dict) else "unknown"


class NgsiLdBroker:
    def __init__(
        self,
        base_url: str,
        *,
        tenant: str | None = None,
        context_mode: Literal["inline", "link"] = "inline",
        context_url: str = "",
        timeout_seconds: float = 5.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._tenant = tenant
        self._timeout = timeout_seconds
        self._mode = context_mode
        self._context_url = context_url
        self._http = httpx.AsyncClient(
            base_url=base_url.rstrip("/"), timeout=timeout_seconds, transport=transport
        )

    async def close(self) -> None:
        await self._http.aclose()

    def _headers(self, content_type: str | None) -> dict[str, str]:
        headers = {"Accept": "application/json"}
        if content_type == "application/json" and self._mode == "link":
            headers["Link"] = (
                f'<{self._context_url}>; rel="{CONTEXT_REL}"; type="application/ld+json"'
            )
        if content_type is not None:
            headers["Content-Type"] = content_type
        if self._tenant:
            headers["NGSILD-Tenant"] = self._tenant
        return headers

    def _body(self, entities: list[Entity]) -> tuple[list[dict[str, Any]], str]:
        if self._mode == "link":
            return list(entities), "application/json"
        # Inline: the project's terms travel with the entity, the broker fetches nothing of ours.
        context = [*extension_context()["@context"], CORE_CONTEXT]
        return [{**entity, "@context": context} for entity in entities], "application/ld+json"

    async def _send(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        try:
            # The whole exchange is bounded: a broker that accepts but never answers is down.
            async with asyncio.timeout(self._timeout):
                response = await self._http.request(method, url, **kwargs)
        except (httpx.HTTPError, TimeoutError) as exc:  # refused, timed out, broken
            raise BrokerUnavailableError(type(exc).__name__) from exc
        if response.status_code >= 500:
            raise BrokerUnavailableError(f"{response.status_code} {_error_type(response)}")
        return response

    async def upsert(self, entities: list[Entity]) -> dict[str, str]:
        """Create or replace (`options=replace`, the default); returns the ids refused (207)."""
        body, content_type = self._body(entities)
        response = await self._send(
            "POST", UPSERT_PATH, json=body, headers=self._headers(content_type)
        )
        if response.status_code in (201, 204):
            return {}
        if response.status_code == 207:
            return {
                str(item.get("entityId")): str((item.get("error") or {}).get("type", ""))
                for item in response.json().get("errors", [])
            }
        raise BatchRejectedError(response.status_code, _error_type(response))

    async def delete(self, entity_id: str) -> None:
        """Delete an entity; one that is not there (404) is as good as deleted."""
        response = await self._send(
            "DELETE", f"{ENTITIES_PATH}/{entity_id}", headers=self._headers(None)
        )
        if response.status_code not in (204, 404):
            raise BatchRejectedError(response.status_code, _error_type(response))

    async def ping(self) -> bool:
        """The broker answers (any answer below 500, an unknown tenant included)."""
        try:
            await self._send(
                "GET",
                ENTITIES_PATH,
                params={"type": "EvacuationShelter", "limit": "1"},
                headers=self._headers(None),
            )
        except BrokerUnavailableError:
            return False
        return True
