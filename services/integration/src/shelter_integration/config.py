"""Settings of the integration service."""

from __future__ import annotations

from shelter_runtime.settings import ServiceSettings


class Settings(ServiceSettings):
    service_name: str = "integration"
    http_port: int = 8104
