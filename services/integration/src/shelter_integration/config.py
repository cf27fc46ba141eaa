"""Settings of the integration service."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, IPvAnyNetwork, field_validator

from shelter_runtime.settings import ServiceSettings


class Settings(ServiceSettings):
    service_name: str = "integration"
    http_port: int = 8104

    orion_ld_url: str | None = Field(
        default=None,
        description="NGSI-LD broker base URL (Orion-LD), e.g. http://orion-ld:1026; "
        "unset: nothing is published",
    )
    ngsild_tenant: str | None = Field(
        default=None, description="NGSILD-Tenant header; unset for a single-tenant broker"
    )
    ngsi_ld_context_mode: Literal["inline", "link"] = Field(
        default="inline",
        description="inline: application/ld+json with @context in every entity; link: "
        "application/json with a Link header to NGSI_LD_CONTEXT_URL (the broker fetches it)",
    )
    ngsi_ld_context_url: str = Field(
        default="http://127.0.0.1:8104/ngsi-ld/context.jsonld",
        description="Public URL of this service's @context document (GET /ngsi-ld/context.jsonld)",
    )
    local_government_code: str = Field(
        default="000000",
        pattern=r"^\d{6}$",
        description="6-digit local government code (全国地方公共団体コード) of the municipality",
    )
    publish_interval_seconds: float = Field(
        default=1.0, ge=0, description="At most one update per shelter per interval"
    )
    publish_batch_shelters: int = Field(
        default=50, ge=1, le=400, description="Shelters per batch upsert (two entities each)"
    )
    broker_timeout_seconds: float = Field(default=5.0, gt=0)
    broker_retry_initial_seconds: float = Field(default=0.5, gt=0)
    broker_retry_max_seconds: float = Field(default=5.0, gt=0)

    webhook_retry_base_seconds: float = Field(
        default=2.0, gt=0, description="First wait after a failed delivery; doubles each try"
    )
    webhook_retry_max_seconds: float = Field(default=300.0, gt=0)
    webhook_max_attempts: int = Field(
        default=8, ge=1, le=30, description="Tries before a delivery goes to the dead letters"
    )
    webhook_timeout_seconds: float = Field(default=5.0, gt=0)
    webhook_allowed_networks: tuple[IPvAnyNetwork, ...] = Field(
        default=(),
        description="Non-public networks webhook URLs may still reach (JSON list of CIDRs); "
        "empty in production, loopback on the local stack (its test receivers)",
    )

    @field_validator("orion_ld_url", "ngsild_tenant", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if value == "" else value
