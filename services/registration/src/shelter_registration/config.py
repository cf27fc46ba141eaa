"""Settings of the registration service."""

from __future__ import annotations

from pydantic import Field

from shelter_runtime.settings import ServiceSettings


class Settings(ServiceSettings):
    service_name: str = "registration"
    http_port: int = 8101
    outbox_relay_interval_seconds: float = Field(default=2.0, gt=0)
